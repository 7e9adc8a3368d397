"""The offline provider: narration built from the canon and remembered facts, no network.

The same seed, turn and input always give the same narration, so scripted sessions and
tests can compare runs. It never repeats the player's input verbatim, because an input
may name something the canon forbids and the narration must stay consistent.
"""

from __future__ import annotations

import hashlib
import random

from loom_runtime.interpretation.base import Narration, NarrationRequest, Provider
from loom_runtime.interpretation.phrasing import phrasebook

DEFAULT_MODEL = "loom-offline-1"


class OfflineProvider(Provider):
    """Deterministic narration grounded in the canon's characters, places and facts."""

    name = "offline"

    def __init__(self, model: str = DEFAULT_MODEL, temperature: float = 0.7) -> None:
        self.model = model
        # NOTE: kept for the config format only; the narration varies with the seed, not the temperature.
        self.temperature = temperature

    def narrate(self, request: NarrationRequest) -> Narration:
        rng = random.Random(_seed_for(request))
        phrases = phrasebook(request.canon.language)
        canon = request.canon

        character = _pick_named(canon.character_names(), request.player_input, rng)
        place = _pick_named(canon.place_names(), request.player_input, rng)
        sentences = [rng.choice(phrases.scene).format(place=place or phrases.here)]
        if character:
            sentences.append(rng.choice(phrases.reaction).format(character=character))
        facts_used = request.facts[:2]
        for fact in facts_used:
            sentences.append(phrases.remembered.format(fact=fact.rstrip("。.")))
        sentences.append(rng.choice(phrases.closing))

        text = phrases.joiner.join(sentences)
        return Narration(
            text=text,
            provider=self.name,
            model=self.model,
            token_count=len(text.split()) if canon.language == "en" else len(text),
            facts_used=tuple(facts_used),
        )


def _seed_for(request: NarrationRequest) -> int:
    # hash() of a str changes between processes; a digest keeps runs comparable.
    material = f"{request.seed}\x00{request.turn_index}\x00{request.player_input}".encode("utf-8")
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


def _pick_named(names: list[str], player_input: str, rng: random.Random) -> str | None:
    """Prefer a name the player mentioned; else pick one at random."""
    folded = player_input.casefold()
    for name in names:
        if name.casefold() in folded:
            return name
    return rng.choice(names) if names else None
