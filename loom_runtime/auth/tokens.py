"""Creating and checking bearer tokens.

A token is ``loom_`` followed by 43 URL-safe random characters (32 bytes from ``secrets``).
The database keeps only its SHA-256 hex digest, so a stolen database does not give access.
The token itself is returned once, to the caller that creates it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from loom_runtime.auth.roles import ROLES, rank
from loom_runtime.auth.tables import api_tokens, users
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "loom_"


class AuthError(Exception):
    """A token cannot be created as requested; ``fix`` is the change to make."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: int
    user: str
    role: str
    expires_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """The user and role a request acts as."""

    user: str
    role: str
    token_id: int


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    # Stored naive, in UTC: SQLite DATETIME has no time zone.
    return datetime.now(UTC).replace(tzinfo=None)


def _user_id(connection: Connection, name: str, role: str, now: datetime) -> int:
    """Return the user's id, creating the user with ``role`` when it does not exist."""
    row = connection.execute(select(users.c.id, users.c.role).where(users.c.name == name)).first()
    if row is None:
        user_id = connection.execute(
            insert(users).values(name=name, role=role, created_at=now).returning(users.c.id)).scalar_one()
        logger.info("created user %s with role %s", name, role)
        return int(user_id)
    if rank(role) > rank(row.role):
        raise AuthError(
            _("The user {user} has the role {user_role}, so it cannot get a token with the role {role}.").format(
                user=name, user_role=row.role, role=role),
            _("use --role {user_role} or a lower role.").format(user_role=row.role),
        )
    return int(row.id)


def create_token(connection: Connection, user: str, role: str, ttl_seconds: int | None,
                 name: str = "cli") -> IssuedToken:
    """Create a token for ``user`` (created if missing) with ``role``; ``ttl_seconds`` None or 0 never expires."""
    if role not in ROLES:
        raise AuthError(_("Unknown role {role}.").format(role=role),
                        _("use one of the roles: {roles}.").format(roles=", ".join(ROLES)))
    if not user.strip() or len(user) > 64:
        raise AuthError(_("The user name {user} is invalid.").format(user=repr(user)),
                        _("use a name of 1 to 64 characters."))
    if ttl_seconds is not None and ttl_seconds < 0:
        raise AuthError(_("The token lifetime {ttl} is negative.").format(ttl=ttl_seconds),
                        _("pass --ttl in seconds, or 0 for a token that never expires."))

    now = _now()
    user_id = _user_id(connection, user, role, now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=ttl_seconds) if ttl_seconds else None
    token_id = int(connection.execute(insert(api_tokens).values(
        user_id=user_id, name=name[:64], token_hash=hash_token(token), role=role,
        created_at=now, expires_at=expires_at, revoked_at=None,
    ).returning(api_tokens.c.id)).scalar_one())
    logger.info("created token %s for user %s with role %s", token_id, user, role)
    return IssuedToken(token, token_id, user, role, expires_at)


def verify_token(connection: Connection, token: str) -> Principal | None:
    """Return who ``token`` acts as, or None when it is unknown, expired or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = connection.execute(
        select(api_tokens.c.id, api_tokens.c.role, api_tokens.c.expires_at, api_tokens.c.revoked_at, users.c.name)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == hash_token(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= _now():
        return None
    return Principal(user=row.name, role=row.role, token_id=int(row.id))
