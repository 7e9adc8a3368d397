"""The installed libraries satisfy loom-upgrade's own requirements."""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import InvalidRequirement, Requirement

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "dependencies"
DISTRIBUTION = "loom-narrative"


def declared_requirements() -> list[Requirement]:
    """Return the distribution's unconditional requirements (extras excluded)."""
    requirements = []
    for text in metadata.requires(DISTRIBUTION) or []:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            requirements.append(requirement)
    return requirements


def _postgres_requirement() -> Requirement:
    return Requirement("psycopg>=3.1")


def check(context: PreflightContext) -> CheckResult:
    requirements = context.limits.get("requirements")
    if requirements is None:
        requirements = declared_requirements()
        if context.home.db_kind == "postgresql":
            requirements.append(_postgres_requirement())
    problems = []
    for requirement in requirements:
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(_("{name} is not installed").format(name=requirement.name))
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(
                _("{name} {installed} does not satisfy {specifier}").format(
                    name=requirement.name, installed=installed, specifier=requirement.specifier
                )
            )
    measured = _("{ok} of {count} satisfied").format(ok=len(requirements) - len(problems), count=len(requirements))
    if not problems:
        return CheckResult(NAME, True, measured, _("every requirement of {name} is installed").format(name=DISTRIBUTION))
    return CheckResult(
        NAME,
        False,
        measured,
        "; ".join(problems),
        _("Install the required versions, e.g. pip install {specs}.").format(
            specs=" ".join(f"'{r}'" for r in requirements if any(r.name in p for p in problems))
        ),
    )
