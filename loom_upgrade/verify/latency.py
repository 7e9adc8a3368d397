"""A latency and error-rate probe of a running LOOM service, bounded in requests and time.

The engine measures a baseline while the old release serves, then probes the new one with
the same settings. ``compare_latency`` decides whether the new release regressed.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

DEFAULT_PATH = "/ready"
DEFAULT_REQUESTS = 40
DEFAULT_MAX_SECONDS = 20.0
DEFAULT_REQUEST_TIMEOUT = 5.0
# Loopback latencies of a few milliseconds often jitter by more than 50%, so a ratio alone
# would flap. A regression must also add at least this much to the median.
DEFAULT_MIN_DELTA_MS = 5.0


@dataclass(frozen=True)
class LatencyStats:
    path: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    seconds: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "error_rate": self.error_rate}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatencyStats:
        fields = ("path", "requests", "errors", "p50_ms", "p95_ms", "max_ms", "seconds")
        return cls(**{name: data[name] for name in fields})


def probe_latency(
    base_url: str,
    *,
    path: str = DEFAULT_PATH,
    requests: int = DEFAULT_REQUESTS,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> LatencyStats:
    """Send up to ``requests`` sequential GETs to ``path``, stopping after ``max_seconds``.

    A request counts as an error when it fails to connect, times out or returns a status
    outside 2xx. Its time still counts toward the latency figures.
    """
    durations: list[float] = []
    errors = 0
    started = time.monotonic()
    with httpx.Client(base_url=base_url, timeout=request_timeout) as client:
        for _index in range(requests):
            if time.monotonic() - started >= max_seconds:
                log.info("Latency probe of %s stopped at its %.1f s limit", base_url, max_seconds)
                break
            begin = time.perf_counter()
            try:
                response = client.get(path)
                failed = not response.is_success
            except httpx.HTTPError as exc:
                log.info("Latency probe request to %s%s failed: %s", base_url, path, type(exc).__name__)
                failed = True
            durations.append((time.perf_counter() - begin) * 1000.0)
            errors += failed
    return _stats(path, durations, errors, time.monotonic() - started)


def _stats(path: str, durations: list[float], errors: int, seconds: float) -> LatencyStats:
    if not durations:
        return LatencyStats(path, 0, 0, 0.0, 0.0, 0.0, seconds)
    ordered = sorted(durations)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return LatencyStats(
        path=path, requests=len(ordered), errors=errors, p50_ms=statistics.median(ordered),
        p95_ms=p95, max_ms=ordered[-1], seconds=seconds,
    )


@dataclass(frozen=True)
class LatencyVerdict:
    latency_ok: bool
    errors_ok: bool
    ratio: float | None

    @property
    def passed(self) -> bool:
        return self.latency_ok and self.errors_ok


def compare_latency(
    baseline: LatencyStats,
    current: LatencyStats,
    *,
    max_latency_ratio: float = 1.5,
    max_error_rate_increase: float = 0.0,
    min_delta_ms: float = DEFAULT_MIN_DELTA_MS,
) -> LatencyVerdict:
    """Judge ``current`` against ``baseline``: median latency ratio and error-rate increase."""
    ratio = current.p50_ms / baseline.p50_ms if baseline.p50_ms > 0 else None
    slower = ratio is not None and ratio > max_latency_ratio and current.p50_ms - baseline.p50_ms > min_delta_ms
    # The tolerance absorbs float rounding of equal rates (for example 0.1 - 0.1).
    errors_ok = current.error_rate - baseline.error_rate <= max_error_rate_increase + 1e-9
    return LatencyVerdict(latency_ok=not slower and current.requests > 0, errors_ok=errors_ok, ratio=ratio)
