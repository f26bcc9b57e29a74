"""Report periods: inclusive day ranges ending at the data's "as of" date, and the one before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def ending(cls, end: date, days: int) -> Period:
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period.ending(self.start - timedelta(days=1), self.days)

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} ({self.days} days)"


def as_of_date(con: duckdb.DuckDBPyConnection) -> date:
    """The data's "as of" date: the newest active day of marts.data_as_of."""
    row = con.execute("select max(newest_activity_day) from marts.data_as_of").fetchone()
    if row is None or row[0] is None:
        raise ValueError(
            "marts.data_as_of is empty: run `roundtrip load` and `roundtrip transform`"
        )
    return row[0]
