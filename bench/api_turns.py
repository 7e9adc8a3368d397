"""Benchmark: LOOM API turns per second against a bare FastAPI endpoint.

    .venv/bin/python bench/api_turns.py [--turns 300] [--warmup 20]

Both servers run the same way (uvicorn, one process, JSON logging, 127.0.0.1): the LOOM
service through ``loom serve`` on a fresh SQLite home with the offline provider, and the
floor, a FastAPI app whose ``POST /turns`` only echoes its body. One HTTP client plays
the turns one after another against each, and the script prints turns per second, the
ratio LOOM/floor from this one run, and the peak RSS of each server process (sampled
every 50 ms with psutil). Numbers depend on the machine; record them with its description.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve()
LOOM = str(Path(sys.executable).with_name("loom"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_bare(port: int) -> None:
    """Run the floor: the same uvicorn setup as loom serve, with an endpoint that does no work."""
    import uvicorn
    from fastapi import FastAPI

    from loom_runtime.logging_setup import configure_json_logging

    configure_json_logging("WARNING")
    app = FastAPI()

    @app.post("/turns")
    def turn(body: dict) -> dict:
        return {"turn_index": 1, "narration": body.get("input", ""), "facts": []}

    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


class PeakRss:
    """Sample a process's resident set size in a background thread and keep the maximum."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not respond within {timeout}s")


def play(client: httpx.Client, url: str, turns: int, headers: dict[str, str]) -> float:
    """Play ``turns`` turns one after another; return turns per second."""
    started = time.perf_counter()
    for index in range(turns):
        response = client.post(url, json={"input": f"I look around the harbour, step {index}."}, headers=headers)
        response.raise_for_status()
    return turns / (time.perf_counter() - started)


def loom_home(folder: Path) -> str:
    """Create a home and an admin token; return the token."""
    subprocess.run([LOOM, "--home", str(folder), "init"], check=True, capture_output=True)
    result = subprocess.run([LOOM, "--home", str(folder), "token", "create", "--user", "bench", "--role", "admin",
                             "--quiet"], check=True, capture_output=True, text=True)
    return result.stdout.strip()


def measure_loom(folder: Path, turns: int, warmup: int) -> tuple[float, int]:
    token = loom_home(folder)
    port = free_port()
    server = subprocess.Popen([LOOM, "--home", str(folder), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, LOOM_LOG_LEVEL="WARNING"))
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client, PeakRss(server.pid) as rss:
            # Sessions end at interpreter.max_turns (500), so each run plays in a fresh one.
            warm = client.post("/api/v1/sessions", json={"seed": 1}, headers=headers).json()["id"]
            play(client, f"/api/v1/sessions/{warm}/turns", warmup, headers)
            session = client.post("/api/v1/sessions", json={"seed": 2}, headers=headers).json()["id"]
            rate = play(client, f"/api/v1/sessions/{session}/turns", turns, headers)
        return rate, rss.peak
    finally:
        server.terminate()
        server.wait(timeout=15)


def measure_bare(turns: int, warmup: int) -> tuple[float, int]:
    port = free_port()
    server = subprocess.Popen([sys.executable, str(HERE), "--bare-server", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/docs")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client, PeakRss(server.pid) as rss:
            play(client, "/turns", warmup, {})
            rate = play(client, "/turns", turns, {})
        return rate, rss.peak
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="turns measured per server (at most 490)")
    parser.add_argument("--warmup", type=int, default=20, help="turns played before measuring")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(args.bare_server)
        return 0
    if not 1 <= args.turns <= 490:
        parser.error("--turns must be between 1 and 490 (a session ends after 500 turns)")

    bare_rate, bare_rss = measure_bare(args.turns, args.warmup)
    with tempfile.TemporaryDirectory(prefix="loom-bench-") as temp:
        loom_rate, loom_rss = measure_loom(Path(temp) / "home", args.turns, args.warmup)
    print(f"turns measured:      {args.turns} per server, sequential, one client")
    print(f"bare FastAPI floor:  {bare_rate:8.1f} requests/s   peak RSS {bare_rss / 2**20:6.1f} MiB")
    print(f"LOOM API turns:      {loom_rate:8.1f} turns/s      peak RSS {loom_rss / 2**20:6.1f} MiB")
    print(f"ratio LOOM/floor:    {loom_rate / bare_rate:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
