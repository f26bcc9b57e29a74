"""`roundtrip events`: what the real-time inbox holds, and re-driving its events."""

from __future__ import annotations

from rich.table import Table

from realtime.inbox import Inbox
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths


def _inbox(settings: Settings) -> Inbox:
    path = WarehousePaths(settings.warehouse_dir).state_file("events")
    if not path.exists():
        raise UserError(
            f"no event inbox at {path}: `roundtrip serve` has not received anything yet"
        )
    return Inbox(path)


def events_table(settings: Settings, status: str | None, limit: int) -> Table:
    inbox = _inbox(settings)
    try:
        rows = inbox.events(status, limit)
        counts = inbox.counts()
        refused = sum(inbox.refusal_counts().values())
    finally:
        inbox.close()
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "empty"
    table = Table(title=f"Event inbox: {summary}; refused deliveries {refused:,}")
    for column in (
        "seq",
        "source",
        "kind",
        "record",
        "occurred",
        "status",
        "tries",
        "result / last error",
    ):
        table.add_column(column, overflow="fold")
    for e in rows:
        table.add_row(
            str(e.seq), e.source, e.kind, e.record_key, e.occurred_at.isoformat(timespec="seconds"),
            e.status, str(e.attempts), (e.result if e.status == "done" else e.last_error) or "",
        )  # fmt: skip
    return table


def requeue(settings: Settings, seqs: list[int] | None) -> int:
    """Queue the given events again (any status), or every dead-lettered one."""
    inbox = _inbox(settings)
    try:
        return inbox.requeue(seqs)
    finally:
        inbox.close()
