"""The dice-roller plugin: rolls a die when the player requests one."""

from __future__ import annotations

import hashlib
import random
import re

from loom_runtime.plugins.base import LoomPlugin, PluginContext

_ROLL = re.compile(r"\broll\b|掷骰", re.IGNORECASE)
_DIE = re.compile(r"\bd(\d{1,3})\b", re.IGNORECASE)


class DiceRollerPlugin(LoomPlugin):
    """Appends a die roll to the narration when the player's input requests one.

    The roll depends only on the session's seed and the turn index, so replaying a
    session gives the same rolls. Settings: ``sides`` (default 20), the die used when
    the input names none such as ``d6``.
    """

    def post_process_turn(self, context: PluginContext, narration: str) -> str:
        player_input = str(context.extra.get("player_input", ""))
        if not _ROLL.search(player_input):
            return narration
        named = _DIE.search(player_input)
        sides = int(named.group(1)) if named else int(self.settings.get("sides", 20))
        sides = max(sides, 2)
        material = f"{context.seed}:{context.turn_index}:dice".encode()
        result = random.Random(int.from_bytes(hashlib.sha256(material).digest()[:8], "big")).randint(1, sides)
        if context.extra.get("language") == "zh":
            return f"{narration}（掷骰 d{sides}：{result}）"
        return f"{narration} (Dice roll d{sides}: {result})"
