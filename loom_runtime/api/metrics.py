"""Prometheus metrics of the HTTP service, in a registry of the app's own.

A registry per app (not prometheus-client's global one) lets tests and the benchmark
create several apps in one process without duplicate-metric errors.
"""

from __future__ import annotations

import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("loom_requests_total", "HTTP requests answered, by method, route and status.",
                                ["method", "path", "status"], registry=self.registry)
        self.errors = Counter("loom_errors_total", "HTTP requests that failed with a server error (status 5xx).",
                              ["method", "path"], registry=self.registry)
        self.latency = Histogram("loom_request_duration_seconds", "Time to answer an HTTP request, in seconds.",
                                 ["method", "path"], registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def serve_on_port(self, host: str, port: int) -> bool:
        """Also serve the metrics on ``port``; return False (and log why) when it cannot bind."""
        try:
            start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            logger.error("cannot serve metrics on %s:%s: %s; they stay available at /metrics", host, port, exc)
            return False
        logger.info("serving metrics on %s:%s", host, port)
        return True


def _route_template(scope: Scope) -> str:
    """Return the matched route's path template, so /sessions/{id} is one label, not one per id."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return "unmatched"
    # Routers included with a prefix report their route relative to it. The prefix is the
    # part of the request path before the piece that the route's pattern matches.
    path = scope["path"]
    pattern = getattr(route, "path_regex", None)
    if pattern is not None and not pattern.match(path):
        for index in range(1, len(path)):
            if path[index] == "/" and pattern.match(path[index:]):
                return path[:index] + template
    return template


class MetricsMiddleware:
    """Count every request and time it; a request that raises counts as status 500."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            method, path = scope["method"], _route_template(scope)
            self.metrics.requests.labels(method, path, str(status)).inc()
            if status >= 500:
                self.metrics.errors.labels(method, path).inc()
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(method, path).observe(elapsed)
            logger.info("%s %s %s", method, scope["path"], status,
                        extra={"method": method, "route": path, "status": status,
                               "duration_ms": round(elapsed * 1000, 2)})


def metrics_endpoint(request: Request) -> Response:
    return request.app.state.metrics.render()
