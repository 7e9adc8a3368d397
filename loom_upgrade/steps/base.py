"""The step protocol: say what you would do, do it, and undo it.

Every step kind is one module of this package that subclasses ``Step`` and registers
itself with ``@register``. The engine runs every step through the same loop, so a step
only returns the facts it wants journaled and raises on failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from loom_upgrade.engine.context import RunContext
    from loom_upgrade.engine.journal import StepRecord

REGISTRY: dict[str, type[Step]] = {}


@dataclass(frozen=True)
class Hop:
    """One edge of the plan's path: ``from_release -> to_release`` along ``path``."""

    index: int
    from_release: str
    to_release: str
    path: str = "in-place"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "from_release": self.from_release,
            "to_release": self.to_release,
            "path": self.path,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hop:
        return cls(
            index=int(data["index"]),
            from_release=data["from_release"],
            to_release=data["to_release"],
            path=data.get("path", "in-place"),
        )


@dataclass(frozen=True)
class Change:
    """One change a step would make, as ``--dry-run`` shows it."""

    area: str  # config, env, canon, plugins, database, artifact, service, backup, check
    summary: str
    detail: str = ""  # a unified diff for files, SQL for the database


class StepFailed(Exception):
    """A step could not do its work; the engine rolls back. The message is for the user."""


class Step:
    """Base class of every step kind."""

    kind: ClassVar[str] = "abstract"
    # True for steps that change data, config, env, canon or the artifact: the engine
    # refuses to run them before a verified backup exists.
    mutates: ClassVar[bool] = False

    def __init__(self, step_id: str, params: dict[str, Any] | None = None, hop: Hop | None = None) -> None:
        self.id = step_id
        self.params = dict(params or {})
        self.hop = hop

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "params": self.params,
            "hop": self.hop.to_dict() if self.hop else None,
        }

    def describe(self, ctx: RunContext) -> list[Change]:
        """Return the changes this step would make, without making them."""
        return []

    def protected_paths(self, ctx: RunContext) -> list[str]:
        """Home-relative paths to copy before running, restored if the step is interrupted."""
        return []

    def prepare(self, ctx: RunContext) -> None:
        """Build what the step needs beside the deployment, before the service stops.

        The engine calls it once, right after preflight. It must not change anything the
        deployment uses; ``discard`` removes what it built when the run rolls back.
        """

    def discard(self, ctx: RunContext) -> None:
        """Remove what ``prepare`` built and ``run`` did not use."""

    def run(self, ctx: RunContext) -> dict[str, Any]:
        """Do the step's work and return the facts to journal (never a secret)."""
        raise NotImplementedError

    def undo(self, ctx: RunContext, record: StepRecord) -> None:
        """Reverse what ``run`` did, given what it journaled; the default has nothing to undo."""


def register(cls: type[Step]) -> type[Step]:
    REGISTRY[cls.kind] = cls
    return cls


def step_from_dict(data: dict[str, Any]) -> Step:
    """Rebuild a step from its journaled form (for resume and rollback)."""
    load_step_modules()
    cls = REGISTRY.get(data["kind"])
    if cls is None:
        from loom_upgrade.errors import PlaybookError
        from loom_upgrade.i18n import _

        raise PlaybookError(
            _("The step {id} has kind {kind}, which this version of loom-upgrade cannot run.").format(
                id=data.get("id"), kind=data["kind"]
            ),
            fix=_("Use one of these kinds: {kinds}.").format(kinds=", ".join(sorted(REGISTRY))),
        )
    hop = Hop.from_dict(data["hop"]) if data.get("hop") else None
    return cls(data["id"], data.get("params"), hop)


def load_step_modules() -> None:
    """Import every step module once so that each registers its kind."""
    import importlib
    import pkgutil

    import loom_upgrade.steps as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "base":
            importlib.import_module(f"loom_upgrade.steps.{module.name}")
