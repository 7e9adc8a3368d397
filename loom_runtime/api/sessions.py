"""The session API under ``/api/v1/``, and the pre-0.2.0 paths that old clients still call.

The routes validate input, check the token's role and translate engine errors into HTTP
errors; the session logic itself is the engine's (``loom_runtime.api.engine_bridge``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from loom_runtime.api.security import require_role
from loom_runtime.auth import Principal
from loom_runtime.i18n import _

router = APIRouter()
legacy_router = APIRouter(include_in_schema=False)


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    canon: str | None = Field(None, description="canon file relative to the home (default: canon.default)")
    title: str | None = Field(None, max_length=200)
    seed: int | None = None


class NewTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: str = Field(..., min_length=1, max_length=10_000)


class NewIntervention(BaseModel):
    # Each kind carries its own fields (a retcon's text, an injected fact, a rewind's turn).
    model_config = ConfigDict(extra="allow")
    kind: str = Field(..., pattern="^(retcon|inject_fact|rewind)$")


def _bridge(request: Request):
    return request.app.state.sessions


def canon_inside_home(request: Request, canon: str | None) -> Path:
    """Resolve the requested canon file; reject paths that leave the home."""
    settings = request.app.state.settings
    if canon is None:
        return settings.canon_default
    home = settings.home.resolve()
    path = (home / canon).resolve()
    if not path.is_relative_to(home):
        raise HTTPException(422, _("The canon path {path} is outside the LOOM home.").format(path=canon))
    if not path.is_file():
        raise HTTPException(422, _("The canon file {path} does not exist.").format(path=canon))
    return path


@router.post("/sessions", status_code=201)
def create_session(body: NewSession, request: Request,
                   principal: Principal = Depends(require_role("player"))) -> dict[str, Any]:
    canon = canon_inside_home(request, body.canon)
    return _bridge(request).create_session(canon, body.title, body.seed)


@router.get("/sessions/{session_id}")
def get_session(session_id: str, request: Request,
                principal: Principal = Depends(require_role("player"))) -> dict[str, Any]:
    return _bridge(request).get_session(session_id)


@router.post("/sessions/{session_id}/turns")
def play_turn(session_id: str, body: NewTurn, request: Request,
              principal: Principal = Depends(require_role("player"))) -> dict[str, Any]:
    return _bridge(request).play_turn(session_id, body.input)


@router.get("/sessions/{session_id}/turns")
def list_turns(session_id: str, request: Request,
               principal: Principal = Depends(require_role("player"))) -> dict[str, Any]:
    return {"turns": _bridge(request).list_turns(session_id)}


@router.post("/sessions/{session_id}/interventions")
def intervene(session_id: str, body: NewIntervention, request: Request,
              principal: Principal = Depends(require_role("operator"))) -> dict[str, Any]:
    return _bridge(request).intervene(session_id, body.model_dump())


# Pre-0.2.0 clients used these paths; the catalog maps them to /api/v1/.
legacy_router.add_api_route("/sessions", create_session, methods=["POST"], status_code=201)
legacy_router.add_api_route("/sessions/{session_id}", get_session, methods=["GET"])
legacy_router.add_api_route("/sessions/{session_id}/turns", play_turn, methods=["POST"])
legacy_router.add_api_route("/sessions/{session_id}/turns", list_turns, methods=["GET"])
