"""Which API versions each stand-in serves, on the sandbox clock.

The vendors' lifecycles are read from the same data file the product uses,
`connectors/api_versions.yml`, by path: it is data the vendors published (release and sunset
dates with sources), not product code, so the sandbox still imports nothing of ours, and one
file means the two sides of the wire cannot drift apart. A version is

- `live`: released by the sandbox clock and more than `NOTICE_DAYS` before its sunset;
- `near_sunset`: live, but sunset within `NOTICE_DAYS`: the response carries RFC 8594 `Sunset`
  and RFC 9745 `Deprecation` headers (a deliberate addition: see sandbox/README.md);
- `retired`: on or past its sunset date;
- `unknown`: not in the table, or not yet released on the sandbox clock.

Each stand-in turns `retired`/`unknown` into its vendor's own refusal.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

DATA_FILE = Path(__file__).resolve().parents[2] / "connectors" / "api_versions.yml"
NOTICE_DAYS = 90

State = Literal["live", "near_sunset", "retired", "unknown"]

# headers announcing the sunset of the version the current request used (set per request)
_announced: ContextVar[dict[str, str] | None] = ContextVar("version_announced", default=None)


@dataclass(frozen=True)
class Verdict:
    state: State
    version: str
    sunset: date | None
    newest: str  # the newest live version on the clock (what the vendor tells callers to use)

    @property
    def refused(self) -> bool:
        return self.state in ("retired", "unknown")


@dataclass(frozen=True)
class VersionBook:
    """One vendor's versions: name → (released, sunset)."""

    vendor: str
    versions: dict[str, tuple[date | None, date | None]]

    def judge(self, version: str, today: date) -> Verdict:
        """The state of `version` on `today`; a near sunset is announced on this response."""
        live = {
            name: sunset
            for name, (released, sunset) in self.versions.items()
            if (released is None or released <= today) and (sunset is None or sunset > today)
        }
        newest = max(live, key=lambda n: self.versions[n][0] or date.min, default="")
        released, sunset = self.versions.get(version, (None, None))
        if version not in self.versions or (released is not None and released > today):
            return Verdict("unknown", version, None, newest)
        if sunset is not None and sunset <= today:
            return Verdict("retired", version, sunset, newest)
        if sunset is not None and (sunset - today).days <= NOTICE_DAYS:
            _announced.set(
                {
                    "Sunset": format_datetime(_midnight(sunset), usegmt=True),
                    "Deprecation": f"@{int(_midnight(today).timestamp())}",
                }
            )
            return Verdict("near_sunset", version, sunset, newest)
        return Verdict("live", version, sunset, newest)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def announce(headers: dict[str, str]) -> None:
    """Add headers about the version to the current request's response."""
    _announced.set({**(_announced.get() or {}), **headers})


def announced() -> dict[str, str]:
    """The sunset headers of the current request's version (empty unless near its sunset)."""
    return dict(_announced.get() or {})


@cache
def book(vendor: str) -> VersionBook:
    raw = yaml.safe_load(DATA_FILE.read_text())[vendor]["versions"]
    return VersionBook(
        vendor,
        {str(name): (facts.get("released"), facts.get("sunset")) for name, facts in raw.items()},
    )
