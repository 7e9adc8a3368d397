import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loom_runtime.i18n import set_language
from loom_runtime.interpretation import (
    NarrationRequest,
    OfflineProvider,
    OpenAIProvider,
    ProviderConfigError,
    ProviderError,
    create_provider,
)
from loom_runtime.rules import load_canon

API_KEY = "sk-test-secret-value"


@pytest.fixture(autouse=True)
def english():
    set_language("en")


class StubAPI:
    """A chat completions endpoint on 127.0.0.1 that returns planned responses in order."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, object, float, dict]] = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                stub.requests.append(json.loads(self.rfile.read(length)))
                stub.headers.append(dict(self.headers))
                status, body, delay, headers = stub.replies.pop(0) if stub.replies else (500, {"error": "no reply planned"}, 0, {})
                time.sleep(delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and closed the connection

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Do not wait at shutdown for handlers still sleeping past a client timeout.
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def plan(self, status: int, body: object, delay: float = 0.0, headers: dict | None = None) -> None:
        self.replies.append((status, body, delay, headers or {}))


@pytest.fixture
def stub_api():
    api = StubAPI()
    api.thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


@pytest.fixture
def request_en(basic_world):
    canon = load_canon(basic_world)
    return NarrationRequest(canon, "s1", 1, "I ask Mira Holt about the light.", seed=7, facts=("Tobin Reed owes Mira Holt a favour.",))


def completion(text: str) -> dict:
    return {"choices": [{"message": {"role": "assistant", "content": text}}], "usage": {"completion_tokens": 9}}


def openai_provider(url: str, **options) -> OpenAIProvider:
    sleeps: list[float] = []
    provider = OpenAIProvider(
        model="stub-model", base_url=url, api_key_env="STUB_KEY", environ={"STUB_KEY": API_KEY}, sleep=sleeps.append, **options
    )
    provider.sleeps = sleeps  # type: ignore[attr-defined]
    return provider


def test_offline_deterministic_for_seed(request_en):
    first = OfflineProvider().narrate(request_en)
    second = OfflineProvider().narrate(request_en)
    assert first.text == second.text


def test_offline_differs_by_seed(request_en):
    from dataclasses import replace

    texts = {OfflineProvider().narrate(replace(request_en, seed=seed)).text for seed in range(6)}
    assert len(texts) > 1


def test_offline_grounded_in_canon(request_en):
    narration = OfflineProvider().narrate(request_en)
    assert "Mira Holt" in narration.text
    assert "Tobin Reed owes Mira Holt a favour" in narration.text
    assert narration.facts_used == ("Tobin Reed owes Mira Holt a favour.",)


def test_offline_chinese_narration(zh_world):
    canon = load_canon(zh_world)
    request = NarrationRequest(canon, "s1", 2, "我去找阿竹。", seed=3, facts=("周捕头丢了钥匙。",))
    narration = OfflineProvider().narrate(request)
    assert "阿竹" in narration.text
    assert "周捕头丢了钥匙" in narration.text


def test_offline_never_echoes_input(request_en):
    from dataclasses import replace

    narration = OfflineProvider().narrate(replace(request_en, player_input="I cast magic on the tide"))
    assert "magic" not in narration.text


def test_openai_success(stub_api, request_en):
    stub_api.plan(200, completion("The lamp flickers."))
    provider = openai_provider(stub_api.url)
    narration = provider.narrate(request_en)
    provider.close()
    assert narration.text == "The lamp flickers."
    assert narration.token_count == 9
    assert stub_api.headers[0]["Authorization"] == f"Bearer {API_KEY}"
    sent = stub_api.requests[0]
    assert sent["model"] == "stub-model"
    assert sent["messages"][-1] == {"role": "user", "content": "I ask Mira Holt about the light."}
    assert "Forbidden: magic of any kind" in sent["messages"][0]["content"]
    assert "Tobin Reed owes Mira Holt a favour." in sent["messages"][0]["content"]


def test_openai_retries_after_500(stub_api, request_en):
    stub_api.plan(500, {"error": "boom"})
    stub_api.plan(429, {"error": "slow down"})
    stub_api.plan(200, completion("Second try."))
    provider = openai_provider(stub_api.url, max_retries=3, backoff=0.25)
    narration = provider.narrate(request_en)
    provider.close()
    assert narration.text == "Second try."
    assert len(stub_api.requests) == 3
    assert provider.sleeps == [0.25, 0.5]


def test_openai_honours_retry_after(stub_api, request_en):
    stub_api.plan(429, {"error": "slow down"}, headers={"Retry-After": "3"})
    stub_api.plan(200, completion("Patience."))
    provider = openai_provider(stub_api.url, max_retries=1, backoff=0.1, max_backoff=5.0)
    narration = provider.narrate(request_en)
    provider.close()
    assert narration.text == "Patience."
    assert provider.sleeps == [3.0]


def test_openai_gives_up_after_retries(stub_api, request_en, caplog):
    for _ in range(3):
        stub_api.plan(503, {"error": "down"})
    provider = openai_provider(stub_api.url, max_retries=2, backoff=0.1)
    with pytest.raises(ProviderError) as caught:
        provider.narrate(request_en)
    provider.close()
    assert str(caught.value) == (
        f"The language model API at {stub_api.url}/v1/chat/completions failed after 3 attempts: HTTP status 503 "
        "Check that the service is reachable, or raise llm_providers.openai.max_retries."
    )
    assert len(stub_api.requests) == 3
    assert provider.sleeps == [0.1, 0.2]
    assert API_KEY not in caplog.text


def test_openai_timeout_retried(stub_api, request_en):
    stub_api.plan(200, completion("Too late."), delay=0.6)
    stub_api.plan(200, completion("In time."))
    provider = openai_provider(stub_api.url, timeout=0.2, max_retries=1)
    narration = provider.narrate(request_en)
    provider.close()
    assert narration.text == "In time."
    assert len(provider.sleeps) == 1


def test_openai_timeout_gives_up(stub_api, request_en):
    stub_api.plan(200, completion("Too late."), delay=0.6)
    provider = openai_provider(stub_api.url, timeout=0.2, max_retries=0)
    with pytest.raises(ProviderError) as caught:
        provider.narrate(request_en)
    provider.close()
    assert "failed after 1 attempts: timed out" in str(caught.value)


def test_openai_client_error_not_retried(stub_api, request_en):
    stub_api.plan(401, {"error": "bad key"})
    provider = openai_provider(stub_api.url, max_retries=3)
    with pytest.raises(ProviderError) as caught:
        provider.narrate(request_en)
    provider.close()
    assert str(caught.value) == (
        f"The language model API at {stub_api.url}/v1/chat/completions rejected the request with HTTP status 401. "
        "Check the model name and the API key."
    )
    assert len(stub_api.requests) == 1


def test_openai_missing_key_error():
    with pytest.raises(ProviderConfigError) as caught:
        OpenAIProvider(model="m", api_key_env="LOOM_TEST_NO_SUCH_KEY", environ={})
    assert str(caught.value) == (
        "The environment variable LOOM_TEST_NO_SUCH_KEY that should hold the OpenAI API key is not set. "
        "Set it in the home's .env file, or change llm_providers.openai.api_key_env."
    )


def test_registry_default_offline():
    provider = create_provider({"default": "offline", "offline": {"model": "loom-offline-1", "temperature": 0.2}})
    assert isinstance(provider, OfflineProvider)
    assert provider.temperature == 0.2


def test_registry_builds_openai(stub_api):
    config = {"default": "openai", "openai": {"model": "m1", "temperature": 0.5, "base_url": stub_api.url + "/v1", "api_key_env": "K", "timeout": 5, "max_retries": 1}}
    provider = create_provider(config, environ={"K": API_KEY})
    assert isinstance(provider, OpenAIProvider)
    assert provider.max_retries == 1
    assert provider._url == stub_api.url + "/v1/chat/completions"
    provider.close()


def test_registry_unknown_provider_error():
    with pytest.raises(ProviderConfigError) as caught:
        create_provider({"default": "claude-local"})
    assert str(caught.value) == "The language model provider 'claude-local' is unknown. Set llm_providers.default to one of: offline, openai."


# Facts and interpreter modes through a whole session, with the openai provider on the stub server


def stub_session(sqlite_url, stub_api, mode="advanced"):
    from loom_runtime.core import EngineSettings, SessionService

    return SessionService(sqlite_url, EngineSettings(interpreter_mode=mode), provider=openai_provider(stub_api.url))


def test_openai_turn_records_facts(sqlite_url, basic_world, stub_api):
    service = stub_session(sqlite_url, stub_api)
    session = service.create_session(basic_world, seed=4)
    stub_api.plan(200, completion("Mira Holt hands you a brass key. The wind rises. What will you do at Brackwater?"))
    result = service.play_turn(session.id, "I ask Mira Holt for help.")
    stored = [fact.content for fact in service.list_facts(session.id)]
    service.close()
    assert result.new_facts == ("Mira Holt hands you a brass key.",)
    assert stored == ["Mira Holt hands you a brass key."]


def test_openai_fact_recalled_next_turn(sqlite_url, basic_world, stub_api):
    service = stub_session(sqlite_url, stub_api)
    session = service.create_session(basic_world, seed=4)
    stub_api.plan(200, completion("Mira Holt hands you a brass key."))
    stub_api.plan(200, completion("The lamp flickers."))
    service.play_turn(session.id, "I ask Mira Holt for help.")
    later = service.play_turn(session.id, "I look at the key Mira Holt gave me.")
    service.close()
    assert later.facts_used == ("Mira Holt hands you a brass key.",)
    assert "- Mira Holt hands you a brass key." in stub_api.requests[1]["messages"][0]["content"]


def test_basic_mode_recalls_no_facts(sqlite_url, basic_world, stub_api):
    service = stub_session(sqlite_url, stub_api, mode="basic")
    session = service.create_session(basic_world, seed=4)
    service.apply_intervention(session.id, "inject_fact", {"content": "Tobin Reed hid the lamp-room key."})
    for text in ("Mira Holt nods.", "Tobin Reed waves.", "The tide turns."):
        stub_api.plan(200, completion(text))
    for text in ("I greet Mira Holt.", "I greet Tobin Reed.", "I ask Tobin Reed about the key."):
        result = service.play_turn(session.id, text)
    facts = [fact.content for fact in service.list_facts(session.id)]
    service.close()
    last = stub_api.requests[-1]["messages"]
    assert result.facts_used == ()
    assert "Facts remembered" not in last[0]["content"]
    # The previous turn (input and narration) only, then this turn's input.
    assert [message["content"] for message in last[1:]] == ["I greet Tobin Reed.", "Tobin Reed waves.", "I ask Tobin Reed about the key."]
    assert "Tobin Reed waves." in facts


def test_advanced_mode_recalls_facts_and_history(sqlite_url, basic_world, stub_api):
    service = stub_session(sqlite_url, stub_api, mode="advanced")
    session = service.create_session(basic_world, seed=4)
    service.apply_intervention(session.id, "inject_fact", {"content": "Tobin Reed hid the lamp-room key."})
    for text in ("Mira Holt nods.", "Tobin Reed waves.", "The tide turns."):
        stub_api.plan(200, completion(text))
    for text in ("I greet Mira Holt.", "I greet Tobin Reed.", "I ask Tobin Reed about the key."):
        result = service.play_turn(session.id, text)
    service.close()
    last = stub_api.requests[-1]["messages"]
    assert "Tobin Reed hid the lamp-room key." in result.facts_used
    assert "- Tobin Reed hid the lamp-room key." in last[0]["content"]
    # Turn 0 (the opening, no input) and turns 1 and 2, then this turn's input.
    assert [message["role"] for message in last[1:]] == ["assistant", "user", "assistant", "user", "assistant", "user"]


def test_mode_from_env_overrides_config():
    from loom_runtime.core import EngineSettings, SettingsError

    config = {"interpreter": {"mode": "advanced"}}
    assert EngineSettings.from_config(config, environ={}).interpreter_mode == "advanced"
    assert EngineSettings.from_config(config, environ={"NARRATIVE_INTERPRETER_MODE": "Basic"}).interpreter_mode == "basic"
    with pytest.raises(SettingsError) as caught:
        EngineSettings.from_config({"interpreter": {"mode": "clever"}}, environ={})
    assert str(caught.value) == ("The interpreter mode 'clever' is invalid. "
                                 "Set NARRATIVE_INTERPRETER_MODE or interpreter.mode to basic or advanced.")


def test_openai_ordinary_capitals_kept(sqlite_url, basic_world, stub_api):
    service = stub_session(sqlite_url, stub_api)
    session = service.create_session(basic_world, seed=4)
    text = "On Monday, Mira Holt meets you at Brackwater. \"Welcome,\" she says. In March the storms come."
    stub_api.plan(200, completion(text))
    result = service.play_turn(session.id, "I greet Mira Holt.")
    service.close()
    assert result.narration == text


def test_openai_unknown_name_reshaped(sqlite_url, basic_world, stub_api):
    service = stub_session(sqlite_url, stub_api)
    session = service.create_session(basic_world, seed=4)
    stub_api.plan(200, completion("On Friday, Captain Zorgon waves to Mira Holt from the pier."))
    result = service.play_turn(session.id, "I look at the pier.")
    service.close()
    assert result.narration == "On Friday, a stranger waves to Mira Holt from the pier."
