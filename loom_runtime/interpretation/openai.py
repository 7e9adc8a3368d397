"""A provider for any OpenAI-compatible ``/v1/chat/completions`` endpoint, over httpx.

Requests time out after ``timeout`` seconds. A timeout, a connection failure, a 429 or a
5xx response is retried up to ``max_retries`` times with exponential backoff: ``backoff``
seconds, then twice that, and so on, or longer when the response has a Retry-After
header, never more than ``max_backoff``. The API key is read from the environment
variable named by ``api_key_env`` and is never logged or put in a message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from loom_runtime.i18n import _
from loom_runtime.interpretation.base import Narration, NarrationRequest, Provider, ProviderConfigError, ProviderError
from loom_runtime.interpretation.prompt import build_messages

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class OpenAIProvider(Provider):
    """Narration from an OpenAI-compatible chat completions API."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str = "https://api.openai.com",
        api_key_env: str | None = "OPENAI_API_KEY",
        temperature: float = 0.7,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        environ = os.environ if environ is None else environ
        self.model = model
        self.temperature = temperature
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._url = _completions_url(base_url)
        self._retry_after = 0.0
        headers = {"Content-Type": "application/json"}
        if api_key_env:
            key = environ.get(api_key_env, "")
            if not key:
                raise ProviderConfigError(
                    _("The environment variable {name} that should hold the OpenAI API key is not set.").format(name=api_key_env)
                    + " "
                    + _("Set it in the home's .env file, or change llm_providers.openai.api_key_env.")
                )
            headers["Authorization"] = f"Bearer {key}"
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), headers=headers)

    def narrate(self, request: NarrationRequest) -> Narration:
        payload = {"model": self.model, "temperature": self.temperature, "messages": build_messages(request), "seed": request.seed}
        body = self._post_with_retries(payload)
        text, tokens = _read_completion(body, self._url)
        return Narration(text=text, provider=self.name, model=self.model, token_count=tokens, facts_used=request.facts)

    def close(self) -> None:
        self._client.close()

    def _post_with_retries(self, payload: dict[str, Any]) -> dict[str, Any]:
        attempt = 0
        while True:
            failure = self._post_once(payload)
            if isinstance(failure, dict):
                return failure
            if attempt >= self.max_retries:
                raise ProviderError(
                    _("The language model API at {url} failed after {attempts} attempts: {reason}").format(
                        url=self._url, attempts=attempt + 1, reason=failure
                    )
                    + " "
                    + _("Check that the service is reachable, or raise llm_providers.openai.max_retries.")
                )
            delay = min(max(self.backoff * (2**attempt), self._retry_after), self.max_backoff)
            logger.warning("Chat completion request to %s failed (%s); retry %d of %d in %.2f s", self._url, failure, attempt + 1, self.max_retries, delay)
            self._sleep(delay)
            attempt += 1

    def _post_once(self, payload: dict[str, Any]) -> dict[str, Any] | str:
        """Return the decoded JSON body, or a short reason when the request may be retried."""
        self._retry_after = 0.0
        try:
            response = self._client.post(self._url, json=payload)
        except httpx.TimeoutException:
            return _("timed out")
        except httpx.TransportError as exc:
            return _("connection failed ({error})").format(error=type(exc).__name__)
        self._retry_after = _retry_after_seconds(response)
        if response.status_code in RETRY_STATUSES:
            return _("HTTP status {status}").format(status=response.status_code)
        if response.status_code >= 400:
            raise ProviderError(
                _("The language model API at {url} rejected the request with HTTP status {status}.").format(url=self._url, status=response.status_code)
                + " "
                + _("Check the model name and the API key.")
            )
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(_("The language model API at {url} returned a body that is not JSON.").format(url=self._url)) from exc


def _retry_after_seconds(response: httpx.Response) -> float:
    """Return the delay a 429 or 503 response requests in Retry-After (seconds form only), else 0."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 0.0


def _completions_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


def _read_completion(body: dict[str, Any], url: str) -> tuple[str, int | None]:
    try:
        text = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ProviderError(_("The language model API at {url} returned a response without choices[0].message.content.").format(url=url)) from exc
    if not isinstance(text, str) or not text.strip():
        raise ProviderError(_("The language model API at {url} returned empty narration.").format(url=url))
    usage = body.get("usage") if isinstance(body, dict) else None
    tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
    return text.strip(), tokens if isinstance(tokens, int) else None
