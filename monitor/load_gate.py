"""While a system's last load failed, every check of that system fails, not only `load_status`.

A check measuring the published warehouse cannot tell that the data it reads is the last good
load's: freshness, completeness and record counts would pass for a day and a half after a vendor
went down. The gate reads the load state store (`warehouse/state/loads.sqlite`) and turns each
result of a failed system into a failing one whose message starts with the reason,
"last load failed at … (<error>)". `load_status` itself, and any result that already fails, is
left as measured: it names its own problem at its own (possibly escalated) severity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from monitor.checks.load_status import FAILED
from monitor.config import CheckConfig
from monitor.results import CheckResult, Status
from warehouse.load_state import LoadState


def failure_reason(state: LoadState) -> str:
    """'last load failed at 2026-12-05 11:40 UTC (<first line of the error>)'."""
    when = state.finished_at or state.started_at
    error = (state.error or "no error recorded").strip().splitlines() or ["no error recorded"]
    return f"last load {state.status} at {when:%Y-%m-%d %H:%M} UTC ({error[0]})"


def gate(
    results: Iterable[CheckResult],
    checks: Iterable[CheckConfig],
    loads: Mapping[str, LoadState],
) -> list[CheckResult]:
    """`results` with every passing or warning result of a system whose last load failed turned
    into a FAIL at its check's severity (its measured value kept, its own message after the
    reason)."""
    failed = {name: state for name, state in loads.items() if state.status in FAILED}
    configs = {c.name: c for c in checks}
    gated = []
    for result in results:
        state = failed.get(result.system or "")
        check = configs.get(result.check)
        if (
            state is None
            or check is None
            or check.kind == "load_status"
            or result.status is Status.FAIL
        ):
            gated.append(result)
            continue
        gated.append(
            replace(
                result,
                status=Status.FAIL,
                severity=check.severity,
                message=f"{failure_reason(state)}; {result.message}",
                details={**result.details, "failed_load": state.run_id},
            )
        )
    return gated
