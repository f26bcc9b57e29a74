"""What vendors said about the API versions Roundtrip speaks, kept in the `monitor` state file
(`state/monitor.sqlite`, table `api_version_signals`, mirrored to `monitor.api_version_signals`
on publish). Written by every load as it goes — a load that fails because the vendor refused
its version is not published, yet the `api_version_lifecycle` check must see the refusal — and
read by that check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from warehouse.location import WarehousePaths
from warehouse.state_store import connect_state, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_version_signals (
    run_id TEXT NOT NULL,
    system TEXT NOT NULL,
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,      -- deprecated | sunset | auto_upgraded | refused
    detail TEXT NOT NULL,    -- the header or message, as the vendor sent it
    sunset DATE,             -- a Sunset header's date
    observed_at TIMESTAMP NOT NULL
);
"""

Signal = tuple[str, str, str, date | None]  # api_version, kind, detail, sunset


def record_signals(
    paths: WarehousePaths, run_id: str, system: str, signals: Iterable[Signal]
) -> None:
    rows = [
        (run_id, system, version, kind, detail, sunset.isoformat() if sunset else None,
         datetime.now(UTC).isoformat())
        for version, kind, detail, sunset in signals
    ]  # fmt: skip
    if not rows:
        return
    con = connect_state(paths.state_file("monitor"), SCHEMA)
    try:
        with transaction(con):
            con.executemany("INSERT INTO api_version_signals VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()


def heard(paths: WarehousePaths, system: str, version: str) -> tuple[date | None, str]:
    """The earliest sunset the vendor announced for `version`, and its latest refusal or
    auto-upgrade ("" when none)."""
    state = paths.state_file("monitor")
    if not state.exists():
        return None, ""
    con = connect_state(state, SCHEMA)
    try:
        (sunset,) = con.execute(
            "SELECT min(sunset) FROM api_version_signals WHERE system = ? AND api_version = ?",
            [system, version],
        ).fetchone()
        retired = con.execute(
            "SELECT detail FROM api_version_signals WHERE system = ? AND api_version = ? AND "
            "kind IN ('refused', 'auto_upgraded') ORDER BY observed_at DESC LIMIT 1",
            [system, version],
        ).fetchone()
    finally:
        con.close()
    return (date.fromisoformat(sunset) if sunset else None), (retired[0] if retired else "")
