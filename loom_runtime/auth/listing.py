"""Listing and revoking API tokens. Only token metadata is read: the hash is never returned."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from loom_runtime.auth.tables import api_tokens, users
from loom_runtime.auth.tokens import AuthError, _now
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenRecord:
    """One API token as stored, without its hash. Times are naive UTC."""

    token_id: int
    user: str
    role: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def _query():
    return (select(api_tokens.c.id, users.c.name.label("user"), api_tokens.c.role, api_tokens.c.name,
                   api_tokens.c.created_at, api_tokens.c.expires_at, api_tokens.c.revoked_at)
            .join(users, users.c.id == api_tokens.c.user_id))


def _record(row) -> TokenRecord:
    return TokenRecord(int(row.id), row.user, row.role, row.name, row.created_at, row.expires_at, row.revoked_at)


def list_tokens(connection: Connection, user: str | None = None) -> list[TokenRecord]:
    """Return every token (of ``user`` only, when given), oldest first."""
    query = _query().order_by(api_tokens.c.id)
    if user is not None:
        query = query.where(users.c.name == user)
    return [_record(row) for row in connection.execute(query)]


def revoke_token(connection: Connection, token_id: int) -> TokenRecord:
    """Mark the token ``token_id`` revoked and return it. Revoking it again keeps the first time.

    Raises :class:`AuthError` when no token has that id.
    """
    connection.execute(update(api_tokens)
                       .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                       .values(revoked_at=_now()))
    row = connection.execute(_query().where(api_tokens.c.id == token_id)).first()
    if row is None:
        raise AuthError(_("No token has the id {id}.").format(id=token_id),
                        _("run `loom token list` to see the ids."))
    logger.info("revoked token %s of user %s", token_id, row.user)
    return _record(row)
