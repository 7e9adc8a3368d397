"""``loom-upgrade validate PLAYBOOK``: check a playbook before anything runs it."""

from __future__ import annotations

from pathlib import Path

import typer

from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.engine.playbook import HopGroup, load_playbook
from loom_upgrade.i18n import _


def validate_command(
    playbook: Path = typer.Argument(..., help=_("The playbook file to check.")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
) -> None:
    """Check a playbook against schemas/playbook.schema.json; errors name the line and the fix."""
    loaded = load_playbook(playbook)
    steps = []
    for item in loaded.steps:
        if isinstance(item, HopGroup):
            steps += [f"{item.id}[hop].{child.id} ({child.kind})" for child in item.steps]
        else:
            steps.append(f"{item.id} ({item.kind})")
    document = {"playbook": str(playbook), "valid": True, "name": loaded.name, "steps": steps}
    if output is OutputFormat.json:
        print_json(document)
        return
    if output is OutputFormat.jsonl:
        print_jsonl(document)
        return
    stdout_console().print(
        _("{path} is a valid playbook ({name}, target {target}, {count} steps).").format(
            path=playbook, name=loaded.name, target=loaded.target.get("kind"), count=len(steps)
        ),
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command("validate", help=_("Check a playbook before anything runs it."))(validate_command)
