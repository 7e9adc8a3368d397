"""The parsed canon: what a world contains and which rules narration must keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Entity:
    """A character or a place, with the line of the canon file that defines it."""

    name: str
    description: str
    line: int


@dataclass(frozen=True)
class Rule:
    """One canon rule; ``allowed`` is False for a Forbidden rule."""

    text: str
    allowed: bool
    line: int
    # Phrases that narration must not contain (Forbidden) or that the rule is about
    # (Allowed): the rule's code spans or quoted parts, else its whole text.
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CanonWarning:
    """A problem that does not stop the canon from loading, such as an unknown section."""

    path: str
    line: int
    message: str


@dataclass
class Canon:
    """A canon file parsed into its parts."""

    path: Path
    title: str
    language: str
    canon_version: str | None
    world: str
    characters: list[Entity]
    places: list[Entity]
    rules: list[Rule]
    opening: str
    notes: str = ""
    warnings: list[CanonWarning] = field(default_factory=list)

    @property
    def allowed_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.allowed]

    @property
    def forbidden_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if not rule.allowed]

    def character_names(self) -> list[str]:
        return [character.name for character in self.characters]

    def place_names(self) -> list[str]:
        return [place.name for place in self.places]
