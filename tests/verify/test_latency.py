"""probe_latency and compare_latency against small HTTP servers on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loom_upgrade.verify import LatencyStats, compare_latency, probe_latency
from loom_upgrade.verify.smoke import SmokeSettings, _latency_checks


def _server(delay: float, status: int = 200) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            time.sleep(delay)
            body = b'{"ready": true}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fast_url():
    yield from _server(0.0)


@pytest.fixture
def slow_url():
    yield from _server(0.06)


@pytest.fixture
def failing_url():
    yield from _server(0.0, status=503)


def test_probe_counts_requests_and_errors(fast_url, failing_url):
    fast = probe_latency(fast_url, requests=10)
    failing = probe_latency(failing_url, requests=10)

    assert (fast.requests, fast.errors) == (10, 0)
    assert (failing.requests, failing.errors) == (10, 10)
    assert failing.error_rate == 1.0


def test_probe_stops_at_time_limit(slow_url):
    stats = probe_latency(slow_url, requests=1000, max_seconds=0.3)

    assert 1 <= stats.requests < 20
    assert stats.seconds < 1.0


def test_unreachable_server_counts_as_errors():
    stats = probe_latency("http://127.0.0.1:1", requests=3, request_timeout=0.5)

    assert (stats.requests, stats.errors) == (3, 3)


def test_slow_release_fails_latency_check(fast_url, slow_url):
    baseline = probe_latency(fast_url, requests=15)
    current = probe_latency(slow_url, requests=15)

    checks = {check.name: check for check in _latency_checks(current, baseline, SmokeSettings())}

    assert not checks["latency"].passed
    assert checks["latency"].detail.startswith(f"median {current.p50_ms:.1f} ms against {baseline.p50_ms:.1f} ms")
    assert checks["error-rate"].passed


def test_same_speed_passes(fast_url):
    baseline = probe_latency(fast_url, requests=15)
    current = probe_latency(fast_url, requests=15)

    assert compare_latency(baseline, current).passed


def test_rising_error_rate_fails(fast_url, failing_url):
    verdict = compare_latency(probe_latency(fast_url, requests=5), probe_latency(failing_url, requests=5))

    assert not verdict.errors_ok
    assert not verdict.passed


def test_small_absolute_jitter_is_tolerated():
    baseline = LatencyStats("/ready", 40, 0, 1.0, 1.2, 2.0, 0.1)
    current = LatencyStats("/ready", 40, 0, 2.5, 3.0, 4.0, 0.1)

    assert compare_latency(baseline, current).latency_ok
    assert not compare_latency(baseline, current, min_delta_ms=0.5).latency_ok
