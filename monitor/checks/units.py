"""What a check's value measures, how thresholds for it are written in monitor.yml, and how it
reads in a table: a ratio (`0.95` or `95%`), a duration (`5m`, `2h`, `1d`) or a count."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class UnitError(ValueError):
    """A threshold value that does not fit the unit; the message says what is accepted."""


@dataclass(frozen=True)
class Unit(ABC):
    """A measure's unit: `name` is what history stores beside the value (for charts)."""

    name: str

    @abstractmethod
    def parse(self, raw: object) -> float:
        """A threshold as written in monitor.yml → the value in this unit."""

    @abstractmethod
    def format(self, value: float) -> str:
        """A value for people."""


@dataclass(frozen=True)
class Ratio(Unit):
    """A share between 0 and 1, written `0.95` or `95%`."""

    name: str = "ratio"

    def parse(self, raw: object) -> float:
        value: float | None = None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str) and (match := _PERCENT.match(raw)):
            value = float(match.group(1)) / 100
        if value is None or not 0 <= value <= 1:
            raise UnitError(f"{raw!r} is not a ratio; use a number from 0 to 1 or a percentage")
        return value

    def format(self, value: float) -> str:
        percent = value * 100
        return f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"


@dataclass(frozen=True)
class Duration(Unit):
    """A length of time, stored in `seconds`-long units (minutes for latency, hours for
    freshness); written `90s`, `5m`, `2h`, `1d`, or a bare number in the unit itself."""

    name: str = "min"
    seconds: int = 60

    def parse(self, raw: object) -> float:
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw >= 0:
            return float(raw)
        match = _DURATION.match(str(raw)) if isinstance(raw, str) else None
        if match is None:
            raise UnitError(
                f"{raw!r} is not a duration; use a number with s, m, h or d (e.g. 5m, 2h, 1d)"
            )
        return float(match.group(1)) * _SECONDS[match.group(2)] / self.seconds

    def format(self, value: float) -> str:
        seconds = value * self.seconds
        if seconds < 120:
            return f"{seconds:.0f}s"
        if seconds < 7200:
            return f"{seconds / 60:.1f} min"
        if seconds < 2 * 86400:
            return f"{seconds / 3600:.1f} h"
        return f"{seconds / 86400:.1f} d"


@dataclass(frozen=True)
class Count(Unit):
    """A whole number of things (records, failing tests, days)."""

    name: str = "count"

    def parse(self, raw: object) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise UnitError(f"{raw!r} is not a count; use a whole number ≥ 0")
        return float(raw)

    def format(self, value: float) -> str:
        return f"{value:,.0f}"


RATIO = Ratio()
MINUTES = Duration("min", 60)
HOURS = Duration("h", 3600)
COUNT = Count()
UNITS: dict[str, Unit] = {unit.name: unit for unit in (RATIO, MINUTES, HOURS, COUNT)}
