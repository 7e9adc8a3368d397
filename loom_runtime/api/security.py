"""Bearer-token authentication and role checks for the session API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from loom_runtime.auth import Principal, role_allows, verify_token
from loom_runtime.i18n import _

_bearer = HTTPBearer(auto_error=False)


def current_principal(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, _("A bearer token is required: send Authorization: Bearer <token>."),
                            headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.engine.connect() as connection:
        principal = verify_token(connection, credentials.credentials)
    if principal is None:
        raise HTTPException(401, _("The token is unknown, expired or revoked."), headers={"WWW-Authenticate": "Bearer"})
    return principal


def require_role(role: str) -> Callable[..., Principal]:
    """Return a dependency that admits tokens whose role is at least ``role``."""
    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not role_allows(principal.role, role):
            raise HTTPException(403, _("The role {role} may not do this; it needs the role {required}.").format(
                role=principal.role, required=role))
        return principal
    return dependency
