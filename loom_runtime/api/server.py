"""Running the service with uvicorn, and the separate metrics listener."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import uvicorn

from loom_runtime.api.app import create_app
from loom_runtime.config import Settings
from loom_runtime.logging_setup import configure_json_logging

logger = logging.getLogger(__name__)


class _CleanStopServer(uvicorn.Server):
    """A uvicorn server that returns normally after a SIGTERM or SIGINT shutdown.

    uvicorn (since 0.29) re-raises the captured signal once its graceful shutdown is
    done, so the process dies by that signal (exit status -15) and a supervisor reads a
    clean stop as a crash. This handler starts the same shutdown without recording the
    signal, so ``loom serve`` exits 0.
    """

    stop_signal: int | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # NOTE: mirrors uvicorn 0.55's handle_exit minus the recording of the signal.
        self.stop_signal = sig
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


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
    server = _CleanStopServer(config)
    server.run()
    if server.stop_signal is not None:
        logger.info("LOOM stopped after signal %s", signal.Signals(server.stop_signal).name)
    else:
        logger.info("LOOM stopped")
