"""Sign plan documents with HMAC-SHA256 under a per-home key.

The key lives in ``<home>/.loom-upgrade/plan.key`` (0600, created on first use), so a plan
edited by hand, or made for another home, fails verification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from loom_upgrade.state import StateFolder

DIGEST_PREFIX = "hmac-sha256:"


def canonical_json(document: dict[str, Any]) -> bytes:
    """Key-sorted, whitespace-free UTF-8 JSON: the bytes the digest covers."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def plan_key(home: Path, *, create: bool) -> bytes | None:
    """Return the home's plan key, creating it when ``create`` is set; None when absent."""
    state = StateFolder.of(home)
    path = state.plan_key
    if not path.exists():
        if not create:
            return None
        state.ensure()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def sign(document: dict[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in document.items() if k != "digest"}
    return DIGEST_PREFIX + hmac.new(key, canonical_json(unsigned), hashlib.sha256).hexdigest()


def verify(document: dict[str, Any], key: bytes) -> bool:
    recorded = document.get("digest")
    return isinstance(recorded, str) and hmac.compare_digest(recorded, sign(document, key))
