"""``loom check --compatibility``: can this release run the home as it is?

Every check runs even when an earlier one fails, so one run lists every problem. When the
config is invalid, the later checks use the locations it names where it can still be
read, else the defaults of ``loom init``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from loom_runtime._version import __version__
from loom_runtime.cli import database
from loom_runtime.cli.context import home_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stdout_console
from loom_runtime.config import ConfigError, config_path, env_path, load_settings
from loom_runtime.config.settings import Settings, resolve_storage_url, sqlite_url_for
from loom_runtime.i18n import _
from loom_runtime.readiness import plugin_problems, provider_problem

# Indentation of a result's second and later lines, which line up under the first line's detail.
INDENT = " " * 8


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HomeLocations:
    """The database, canon and plugins of a home. ``database.status`` reads only ``storage_url``."""

    home: Path
    storage_url: str
    canon_default: Path
    plugins_dir: Path

    def storage_url_for_display(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.storage_url).render_as_string(hide_password=True)


def check_config(home: Path) -> tuple[CheckResult, Settings | None]:
    try:
        settings = load_settings(home)
    except ConfigError as exc:
        return CheckResult(_("config"), False, [problem.render() for problem in exc.problems]), None
    return CheckResult(_("config"), True, [_("format of release {release}").format(release=settings.config_format)]), settings


def check_provider(settings: Settings) -> CheckResult:
    problem = provider_problem(settings)
    if problem is not None:
        return CheckResult(_("provider"), False, [problem])
    return CheckResult(_("provider"), True, [settings.provider.name])


def check_database(locations: HomeLocations | Settings) -> CheckResult:
    try:
        status = database.status(locations)
    except CliError as exc:
        detail = exc.message if not exc.fix else f"{exc.message} {_('Fix: {fix}').format(fix=exc.fix)}"
        return CheckResult(_("database"), False, [detail])
    if not status.servable:
        return CheckResult(_("database"), False, [f"{status.reason} {_('Fix: {fix}').format(fix=status.fix)}"])
    return CheckResult(_("database"), True, [_("revision {revision}").format(revision=status.current)])


def check_canon(locations: HomeLocations | Settings) -> CheckResult:
    from loom_runtime.rules import CanonError, load_canon

    folder = locations.home / "canon"
    files = sorted(folder.rglob("*.md")) if folder.is_dir() else []
    if locations.canon_default not in files:
        files.insert(0, locations.canon_default)
    problems = []
    for path in files:
        try:
            load_canon(path)
        except CanonError as exc:
            problems.append(str(exc))
    if problems:
        return CheckResult(_("canon"), False, problems)
    return CheckResult(_("canon"), True, [_("{count} files parse").format(count=len(files))])


def check_plugins(locations: HomeLocations | Settings) -> CheckResult:
    names, problems = plugin_problems(locations.plugins_dir)
    if problems:
        return CheckResult(_("plugins"), False, problems)
    return CheckResult(_("plugins"), True, [_("{count} plugins load").format(count=len(names))])


def _readable_config(home: Path) -> dict[str, Any]:
    """Return the config as plain data if it is a YAML mapping, whatever its schema problems, else {}."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML(typ="safe").load(config_path(home).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError):
        return {}
    return document if isinstance(document, dict) else {}


def _text(section: Any, key: str) -> str | None:
    value = section.get(key) if isinstance(section, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def fallback_locations(home: Path) -> HomeLocations:
    """Return where the database, canon and plugins are when the config fails validation.

    Precedence as in ``load_settings``: the process environment, ``.env``, the config,
    then the defaults that ``loom init`` writes.
    """
    from loom_runtime.config.envfile import read_env_file

    resolved = home.resolve()
    document = _readable_config(home)
    storage = document.get("storage")
    url = _text(storage, "url")
    storage_url = resolve_storage_url(resolved, url) if url else sqlite_url_for(resolved, _text(storage, "path") or "data/loom.db")
    try:
        entries = read_env_file(env_path(home), str(env_path(home)))
    except ConfigError:
        entries = {}
    override = os.environ.get("LOOM_STORAGE_URL") or (entries["LOOM_STORAGE_URL"].value if "LOOM_STORAGE_URL" in entries else None)
    if override:
        storage_url = resolve_storage_url(resolved, override.strip())
    canon = _text(document.get("canon"), "default") or "canon/default.md"
    plugins = _text(document.get("plugins"), "directory") or "plugins"
    return HomeLocations(resolved, storage_url, resolved / canon, resolved / plugins)


def run_checks(home: Path) -> list[CheckResult]:
    config_result, settings = check_config(home)
    results = [config_result]
    if settings is not None:
        results.append(check_provider(settings))
        locations: HomeLocations | Settings = settings
    else:
        locations = fallback_locations(home)
    results += [check_database(locations), check_canon(locations), check_plugins(locations)]
    return results


def _print_results(results: list[CheckResult]) -> None:
    console = stdout_console()
    for result in results:
        mark = _("ok") if result.ok else _("FAILED")
        first, *rest = result.details or [""]
        console.print(f"{mark:7} {result.name}: {first}", markup=False)
        for detail in rest:
            console.print(f"{INDENT}{detail}", markup=False)


def check(
    ctx: typer.Context,
    compatibility: bool = typer.Option(False, "--compatibility", help=_(
        "Check the config and .env, the language model provider, the database revision, the canon and the plugins "
        "against this release, and list every problem.")),
) -> None:
    if not compatibility:
        raise CliError(_("Nothing to check."), _("pass --compatibility."), exit_code=2)
    results = run_checks(home_of(ctx))
    _print_results(results)
    failed = [result.name for result in results if not result.ok]
    if failed:
        raise CliError(_("The home is not compatible with LOOM {release}: {checks} failed.").format(
            release=__version__, checks=", ".join(failed)), _("fix the problems listed above, or run loom-upgrade."))
    stdout_console().print(_("The home is compatible with LOOM {release}.").format(release=__version__), markup=False)


def register(app: typer.Typer) -> None:
    app.command("check", help=_("Check that this release can run the home."))(check)
