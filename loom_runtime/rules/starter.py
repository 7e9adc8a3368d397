"""The starter canon that ``loom init`` writes to ``canon/default.md``.

The opening must obey the canon's own rules: its ship arrives with the morning tide,
because the rules let ships arrive only then.
"""

from __future__ import annotations

STARTER_CANON = """\
---
title: The Quiet Harbour
language: en
canon_version: 1
---

# The Quiet Harbour

## World

A small harbour town at the edge of a grey sea. Ships are rare, news is slow, and
everyone remembers who owes whom.

## Characters

- **Ada Finch**: the harbour master, who keeps the ledger of every ship.
- **Old Corran**: a retired sailor who tells stories at the tavern for a drink.

## Places

- **The Harbour**: three stone piers and a crane that creaks in the wind.
- **The Blue Lantern**: the tavern where the town gathers after dark.

## Rules

- Allowed: Ships arrive only with the morning tide.
- Forbidden: `magic`; the world has none.

## Opening

The morning tide brings a ship no one expected to the mouth of the harbour. Ada Finch
closes her ledger and walks down to the pier.
"""

STARTER_CANON_ZH = """\
---
title: 静港
language: zh-CN
canon_version: 1
---

# 静港

## 世界

灰色海边的一座小港镇。船只很少，消息很慢，每个人都记得谁欠了谁的人情。

## 角色

- **艾达**：港务长，记录每一艘船的进出。
- **老柯**：退休的水手，在酒馆里讲故事换一杯酒。

## 地点

- **港口**：三座石码头和一台在风中吱呀作响的吊车。
- **蓝灯酒馆**：镇上的人天黑后聚会的酒馆。

## 规则

- 允许：船只只在早潮时进港。
- 禁止：`法术`，这个世界没有法术。

## 开场

早潮涌来时，一艘没人预料到的船出现在港口外。艾达合上账本，走向码头。
"""


def starter_canon(language: str = "en") -> str:
    """Return the starter canon text in ``language`` (``en`` or ``zh``)."""
    return STARTER_CANON_ZH if language.lower().startswith("zh") else STARTER_CANON
