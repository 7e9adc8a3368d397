"""Users, roles and API tokens. Only a SHA-256 hash of each token is stored."""

from loom_runtime.auth.listing import TokenRecord, list_tokens, revoke_token
from loom_runtime.auth.roles import ROLES, role_allows
from loom_runtime.auth.tokens import AuthError, IssuedToken, Principal, create_token, hash_token, verify_token

__all__ = ["ROLES", "AuthError", "IssuedToken", "Principal", "TokenRecord", "create_token", "hash_token", "list_tokens",
           "revoke_token", "role_allows", "verify_token"]
