"""``/health`` (alive), ``/ready`` (can serve), ``/metrics``, and the pre-0.2.0 ``/status``."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from loom_runtime._version import __version__
from loom_runtime.api.db import read_revision
from loom_runtime.api.metrics import metrics_endpoint
from loom_runtime.api.schema_status import schema_status
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)
router = APIRouter()


def _revision(request: Request) -> tuple[str | None, str | None]:
    """Return (revision, error); a database that cannot be read gives an error, not an exception."""
    try:
        return read_revision(request.app.state.engine), None
    except SQLAlchemyError as exc:
        logger.error("cannot read the schema revision: %s", type(exc).__name__)
        return None, _database_problem(request, exc)


def _database_problem(request: Request, exc: SQLAlchemyError) -> str:
    """Return why the database cannot be read: host, port and cause for PostgreSQL, else the error type."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from loom_runtime.storage.connection_errors import describe_connection_failure

    engine = request.app.state.engine
    if engine.dialect.name == "postgresql" and isinstance(exc, (OperationalError, InterfaceError)):
        failure = describe_connection_failure(exc, engine.url.render_as_string(hide_password=False))
        return f"{failure.message} {_('Fix: {fix}').format(fix=failure.fix)}"
    return _("The database cannot be read ({error}).").format(error=type(exc).__name__)


@router.get("/health")
def health(request: Request) -> dict:
    revision, _error = _revision(request)
    return {"status": "ok", "version": __version__, "schema_revision": revision}


# Before 0.2.0 the health check lived at /status; old monitors still call it.
router.add_api_route("/status", health, methods=["GET"], include_in_schema=False)


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    revision, error = _revision(request)
    if error is not None:
        return JSONResponse({"ready": False, "version": __version__, "schema_revision": None,
                             "reason": error}, status_code=503)
    status = schema_status(revision)
    body = {"ready": status.servable, "version": __version__, "schema_revision": revision,
            "expected_revision": status.expected}
    if not status.servable:
        body["reason"] = status.reason
        return JSONResponse(body, status_code=503)
    problem = request.app.state.sessions.engine_problem()
    if problem is not None:
        body.update(ready=False, reason=problem)
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


router.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
