"""The three roles and what each may do; a higher role may do everything a lower one may."""

from __future__ import annotations

# Lowest first: a player plays sessions, an operator also makes interventions, an admin
# also manages users and tokens.
ROLES = ("player", "operator", "admin")


def rank(role: str) -> int:
    return ROLES.index(role)


def role_allows(role: str, required: str) -> bool:
    """Return whether ``role`` has at least the rights of ``required``."""
    return role in ROLES and rank(role) >= rank(required)
