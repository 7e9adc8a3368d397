"""Sentence templates of the offline provider, per canon language.

These are narration, not interface messages, so they follow the canon's language rather
than the user's locale and are not gettext messages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrasebook:
    scene: tuple[str, ...]
    reaction: tuple[str, ...]
    remembered: str
    closing: tuple[str, ...]
    here: str
    joiner: str


ENGLISH = Phrasebook(
    scene=(
        "The air over {place} turns still as you act.",
        "At {place}, the moment stretches while everyone waits to see what you do.",
        "Word of your choice spreads quickly through {place}.",
    ),
    reaction=(
        "{character} watches you closely and nods.",
        "{character} steps closer, curious about what comes next.",
        "{character} frowns, weighing your words.",
    ),
    remembered="Everyone here still remembers: {fact}.",
    closing=(
        "What do you do next?",
        "The next move is yours.",
        "The scene waits for your next step.",
    ),
    here="this place",
    joiner=" ",
)

CHINESE = Phrasebook(
    scene=(
        "你行动的那一刻，{place}安静了下来。",
        "在{place}，所有人都在等着看你下一步怎么做。",
        "你的决定很快在{place}传开了。",
    ),
    reaction=(
        "{character}仔细地看着你，点了点头。",
        "{character}走近了一步，想知道接下来会发生什么。",
        "{character}皱起眉头，掂量着你的话。",
    ),
    remembered="这里的人都还记得：{fact}。",
    closing=(
        "你接下来做什么？",
        "现在轮到你了。",
        "故事在等你的下一步。",
    ),
    here="这里",
    joiner="",
)


def phrasebook(language: str) -> Phrasebook:
    return CHINESE if language == "zh" else ENGLISH
