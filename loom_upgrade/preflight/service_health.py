"""Probe of the local service's ``/health`` endpoint when the service is running."""

from __future__ import annotations

import httpx

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "service-health"
TIMEOUT_SECONDS = 5.0


def check(context: PreflightContext) -> CheckResult:
    service = context.home.service
    if not service.running:
        return CheckResult(NAME, True, _("not running"), _("the service is stopped; nothing to probe"))
    if service.base_url is None:
        return CheckResult(
            NAME, False, _("PID {pid}, address unknown").format(pid=service.pid),
            _("service.json in the state folder does not name the service's port."),
            _("Restart the service with loom-upgrade so that its address is recorded."),
        )
    url = service.base_url + "/health"
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return CheckResult(
            NAME, False, _("no answer"),
            _("{url} did not answer: {reason}.").format(url=url, reason=type(exc).__name__),
            _("Check {log}; restart the service or stop it (PID {pid}) before upgrading.").format(
                log=context.home.state_dir / "service.log", pid=service.pid
            ),
        )
    if response.status_code != 200:
        return CheckResult(
            NAME, False, _("HTTP {status}").format(status=response.status_code),
            _("{url} answered HTTP {status}.").format(url=url, status=response.status_code),
            _("Check {log} and fix the service before upgrading.").format(log=context.home.state_dir / "service.log"),
        )
    return CheckResult(NAME, True, _("HTTP 200"), url)
