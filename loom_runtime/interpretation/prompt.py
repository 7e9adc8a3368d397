"""The chat messages sent to an HTTP provider for one turn."""

from __future__ import annotations

from loom_runtime.interpretation.base import NarrationRequest
from loom_runtime.rules.model import Canon


def build_messages(request: NarrationRequest) -> list[dict[str, str]]:
    """Return the system prompt (canon and facts), the recent history and the player's input."""
    messages = [{"role": "system", "content": _system_prompt(request.canon, request.facts)}]
    for turn in request.history:
        if turn.player_input:
            messages.append({"role": "user", "content": turn.player_input})
        messages.append({"role": "assistant", "content": turn.narration})
    messages.append({"role": "user", "content": request.player_input})
    return messages


def _system_prompt(canon: Canon, facts: tuple[str, ...]) -> str:
    lines = [
        f"You narrate an interactive story set in '{canon.title}'. Reply in the language '{canon.language}'.",
        "Stay consistent with the canon below; never describe anything it forbids.",
        "",
        "World:",
        canon.world,
        "",
        "Characters:",
        *(f"- {c.name}: {c.description}" for c in canon.characters),
        "",
        "Places:",
        *(f"- {p.name}: {p.description}" for p in canon.places),
        "",
        "Rules:",
        *(f"- {'Allowed' if r.allowed else 'Forbidden'}: {r.text}" for r in canon.rules),
    ]
    if facts:
        lines += ["", "Facts remembered from this session:", *(f"- {fact}" for fact in facts)]
    return "\n".join(lines)
