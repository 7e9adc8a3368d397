"""``loom check --compatibility``: can this release run the home as it is?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from loom_runtime._version import __version__
from loom_runtime.cli import database
from loom_runtime.cli.context import home_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stdout_console
from loom_runtime.config import ConfigError, load_settings
from loom_runtime.config.settings import Settings
from loom_runtime.i18n import _


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_config(home: Path) -> tuple[CheckResult, Settings | None]:
    try:
        settings = load_settings(home)
    except ConfigError as exc:
        return CheckResult(_("config"), False, "; ".join(problem.render() for problem in exc.problems)), None
    return CheckResult(_("config"), True, _("format of release {release}").format(release=settings.config_format)), settings


def check_database(settings: Settings) -> CheckResult:
    try:
        status = database.status(settings)
    except CliError as exc:
        return CheckResult(_("database"), False, exc.message)
    if not status.servable:
        return CheckResult(_("database"), False, f"{status.reason} {_('Fix: {fix}').format(fix=status.fix)}")
    return CheckResult(_("database"), True, _("revision {revision}").format(revision=status.current))


def check_canon(settings: Settings) -> CheckResult:
    from loom_runtime.rules import CanonError, load_canon

    folder = settings.home / "canon"
    files = sorted(folder.rglob("*.md")) if folder.is_dir() else []
    if settings.canon_default not in files:
        files.insert(0, settings.canon_default)
    problems = []
    for path in files:
        try:
            load_canon(path)
        except CanonError as exc:
            problems.append(str(exc))
    if problems:
        return CheckResult(_("canon"), False, "; ".join(problems))
    return CheckResult(_("canon"), True, _("{count} files parse").format(count=len(files)))


def check_plugins(settings: Settings) -> CheckResult:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    folder = settings.plugins_dir
    problems, count = [], 0
    for plugin in sorted(path for path in folder.iterdir() if path.is_dir()) if folder.is_dir() else []:
        manifest = plugin / "loom-plugin.yaml"
        if not manifest.is_file():
            if (plugin / "plugin.yaml").is_file():
                problems.append(_("{path} is a plugin manifest of format 0; run `loom-upgrade migrate plugins`.").format(path=plugin / "plugin.yaml"))
            else:
                problems.append(_("{path} has no loom-plugin.yaml.").format(path=plugin))
            continue
        try:
            document = YAML(typ="safe").load(manifest.read_text(encoding="utf-8"))
        except (YAMLError, UnicodeDecodeError) as exc:
            problems.append(_("{path} is not valid YAML: {detail}").format(path=manifest, detail=exc))
            continue
        version = document.get("api_version") if isinstance(document, dict) else None
        if version != 1:
            problems.append(_("{path} declares api_version {version}; this release loads api_version 1.").format(path=manifest, version=version))
            continue
        count += 1
    if problems:
        return CheckResult(_("plugins"), False, "; ".join(problems))
    return CheckResult(_("plugins"), True, _("{count} manifests of api_version 1").format(count=count))


def run_checks(home: Path) -> list[CheckResult]:
    config_result, settings = check_config(home)
    results = [config_result]
    if settings is not None:
        results += [check_database(settings), check_canon(settings), check_plugins(settings)]
    return results


def check(
    ctx: typer.Context,
    compatibility: bool = typer.Option(False, "--compatibility", help=_("Check the database revision, config format, canon and plugin manifests against this release.")),
) -> None:
    if not compatibility:
        raise CliError(_("Nothing to check."), _("pass --compatibility."), exit_code=2)
    results = run_checks(home_of(ctx))
    console = stdout_console()
    for result in results:
        mark = _("ok") if result.ok else _("FAILED")
        console.print(f"{mark:7} {result.name}: {result.detail}", markup=False)
    failed = [result.name for result in results if not result.ok]
    if failed:
        raise CliError(_("The home is not compatible with LOOM {release}: {checks} failed.").format(
            release=__version__, checks=", ".join(failed)), _("fix the problems listed above, or run loom-upgrade."))
    console.print(_("The home is compatible with LOOM {release}.").format(release=__version__), markup=False)


def register(app: typer.Typer) -> None:
    app.command("check", help=_("Check that this release can run the home."))(check)
