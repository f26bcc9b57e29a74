"""Load status: a system whose last load failed (or was interrupted) fails at once.

Read from the load state store (`warehouse/state/loads.sqlite`, warehouse/load_state.py), not the
published warehouse, so a load that published nothing still counts. The value is how long the
system's data has been missing: hours since its last successful load finished (wall clock, like
the store), or since the failing run started when none ever succeeded. A failed load warns at
once; past `critical` it is critical. `roundtrip load` runs this check as soon as a system fails.
"""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.units import HOURS
from monitor.results import Status
from warehouse.load_state import LoadState, latest

FAILED = ("failed", "interrupted")


def parse(options: Options) -> None:
    return None


def _observe(system: str, state: LoadState | None, wall: datetime) -> Observation:
    if state is None:
        return Observation(system, system, None, "no load recorded yet", status=Status.PASS)
    if state.status not in FAILED:
        return Observation(
            system,
            system,
            0.0,
            f"last load {state.status} (run {state.run_id})",
            status=Status.PASS,
        )
    since = state.last_success_at or state.started_at
    hours = max((wall - since).total_seconds() / 3600, 0.0)
    good = (
        f"last good load finished {state.last_success_at:%Y-%m-%d %H:%M} UTC"
        if state.last_success_at
        else "never loaded successfully"
    )
    reason = f": {state.error}" if state.error else ""
    return Observation(
        system,
        system,
        # a failed load is beyond the warn limit (0) from its first second
        max(hours, 1 / 3600),
        f"last load {state.status} (run {state.run_id}){reason}; {good}",
        {"run_id": state.run_id, "status": state.status},
    )


def evaluate(ctx: CheckContext, opts: None) -> list[Observation]:
    states = latest(ctx.paths)
    wall = datetime.now(UTC)
    return [_observe(s, states.get(s), wall) for s in ctx.systems if ctx.enabled(s)]


KIND = CheckKind(
    name="load_status",
    summary="hours a system's data has been missing while its last load failed",
    direction="above",
    unit=HOURS,
    warn="0h",
    critical="24h",
    parse=parse,
    evaluate=evaluate,
)
