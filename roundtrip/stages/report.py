"""`roundtrip report`: write docs/report.html from the published warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths


def report_path(settings: Settings) -> Path:
    return settings.project_dir / "docs" / "report.html"


def report(settings: Settings, start: date | None = None, end: date | None = None) -> Path:
    """The marketing performance report for [start, end] (default: last 30 and 90 days)."""
    from roundtrip.report import write_report

    published = WarehousePaths(settings.warehouse_dir).published
    if not published.exists():
        raise UserError(
            f"no published warehouse at {published}: run `roundtrip load` and `roundtrip transform` first"
        )
    try:
        return write_report(published, report_path(settings), start, end)
    except ValueError as exc:
        raise UserError(str(exc)) from None
