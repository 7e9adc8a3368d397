"""Building the FastAPI application of ``loom serve``."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from loom_runtime._version import __version__
from loom_runtime.api.db import service_engine
from loom_runtime.api.engine_bridge import SessionBridge
from loom_runtime.api.health import router as health_router
from loom_runtime.api.metrics import MetricsMiddleware, ServiceMetrics
from loom_runtime.config import Settings
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """Return the service for ``settings``: health, readiness, metrics and the session API."""
    engine = service_engine(settings.storage_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        logger.info("LOOM %s serving the database %s", __version__, settings.storage_url_for_display())
        yield
        app.state.sessions.close()
        engine.dispose()

    app = FastAPI(title="LOOM", version=__version__, lifespan=lifespan)
    metrics = ServiceMetrics()
    app.state.settings = settings
    app.state.engine = engine
    app.state.metrics = metrics
    app.state.sessions = SessionBridge(settings, engine)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.include_router(health_router)
    _include_session_api(app)
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Return a JSON 500 response for an unexpected error, in the shape of every other error."""
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": _("The service failed on an unexpected error; the service log has the details.")},
                        status_code=500)


def _include_session_api(app: FastAPI) -> None:
    from loom_runtime.api.sessions import legacy_router, router

    app.include_router(router, prefix="/api/v1")
    app.include_router(legacy_router)
