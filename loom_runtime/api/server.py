"""Running the service with uvicorn, and the separate metrics listener."""

from __future__ import annotations

import logging

import uvicorn

from loom_runtime.api.app import create_app
from loom_runtime.config import Settings
from loom_runtime.logging_setup import configure_json_logging

logger = logging.getLogger(__name__)


def run_server(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve until SIGINT or SIGTERM; logs go to standard error as JSON lines."""
    configure_json_logging(settings.log_level)
    host = host or settings.host
    port = port or settings.port
    app = create_app(settings)
    if settings.monitoring_enabled and settings.metrics_export_port:
        app.state.metrics.serve_on_port(host, settings.metrics_export_port)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=10)
    logger.info("starting LOOM on %s:%s", host, port)
    uvicorn.Server(config).run()
    logger.info("LOOM stopped")
