"""What every check kind shares: thresholds and grading, what a kind reports (`Observation`),
what it may read (`CheckContext`) and how it reads its options (`Options`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from monitor.checks.units import Unit, UnitError
from monitor.results import CheckResult, Severity, Status
from monitor.systems import Systems
from warehouse.location import WarehousePaths

if TYPE_CHECKING:
    from monitor.config import CheckConfig

Direction = Literal["above", "below"]


@dataclass(frozen=True)
class Thresholds:
    """Warn and critical limits; a value strictly beyond a limit crosses it. None: no such level."""

    direction: Direction
    unit: Unit
    warn: float | None
    critical: float | None

    def _crossed(self, value: float, limit: float | None) -> bool:
        if limit is None:
            return False
        return value > limit if self.direction == "above" else value < limit

    def grade(self, value: float) -> Status:
        if self._crossed(value, self.critical):
            return Status.FAIL
        return Status.WARN if self._crossed(value, self.warn) else Status.PASS

    def shifted(self, by: float) -> Thresholds:
        """Both limits moved by `by` (freshness: what a source's schedule allows, plus margin)."""
        return replace(
            self,
            warn=None if self.warn is None else self.warn + by,
            critical=None if self.critical is None else self.critical + by,
        )

    def describe(self) -> str:
        sign = ">" if self.direction == "above" else "<"
        parts = []
        if self.critical is not None:
            parts.append(f"{sign} {self.unit.format(self.critical)}")
        if self.warn is not None:
            parts.append(f"warn {sign} {self.unit.format(self.warn)}")
        if len(parts) == 2:
            return f"{parts[0]} ({parts[1]})"
        return parts[0] if parts else "(none)"


@dataclass(frozen=True)
class Observation:
    """One measurement of one subject by a check kind, before grading.

    `status` is set only for verdicts without a graded value: PASS when there is nothing to
    measure yet ("no syncs yet"), FAIL when the subject is plainly broken (a source never
    loaded), ERROR when the check could not read what it needs."""

    subject: str
    system: str | None
    value: float | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    shift: float = 0.0  # moves both thresholds for this subject (freshness: what it may lag)
    status: Status | None = None
    severity: Severity | None = None  # overrides the check's (an API version already retired)


@dataclass(frozen=True)
class CheckContext:
    """What a check may read: the published warehouse (read-only), the monitoring clock (the
    sandbox clock in sandbox mode), the systems watched and the warehouse folder (state files)."""

    con: duckdb.DuckDBPyConnection
    now: datetime
    systems: Systems
    paths: WarehousePaths

    def enabled(self, system: str) -> bool:
        return system in self.systems and self.systems[system].enabled

    def columns(self, schema: str, table: str) -> dict[str, str]:
        """Column name → DuckDB type of `schema.table`; empty when the table does not exist."""
        rows = self.con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        return dict(rows)


class OptionError(ValueError):
    """A bad option of one check; `key` names the field (config.py adds file and check)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class Options:
    """A check's kind-specific options; each getter validates one key and marks it read.
    `known` are the systems that exist (names and their defaults)."""

    def __init__(self, raw: dict[str, Any], known: Systems) -> None:
        self._raw = raw
        self.known = known
        self.read: set[str] = set()

    def _get(self, key: str, default: Any) -> Any:
        self.read.add(key)
        value = self._raw.get(key, default)
        return default if value is None else value

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise OptionError(key, f"must be a whole number ≥ {minimum}, got {value!r}")
        return value

    def measure(self, key: str, default: object, unit: Unit) -> float:
        try:
            return unit.parse(self._get(key, default))
        except UnitError as exc:
            raise OptionError(key, str(exc)) from None

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise OptionError(key, f"must be true or false, got {value!r}")
        return value

    def names(self, key: str, default: Iterable[str]) -> tuple[str, ...]:
        value = self._get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise OptionError(key, f"must be a list of names, got {value!r}")
        return tuple(value)

    def systems(
        self, key: str, default: Iterable[str], among: Iterable[str] | None = None
    ) -> tuple[str, ...]:
        accepted = tuple(self.known if among is None else among)
        names = self.names(key, default)
        for name in names:
            if name not in accepted:
                raise OptionError(key, f"unknown system {name!r}; accepted: {', '.join(accepted)}")
        return names

    def tables(self, key: str, default: Iterable[str]) -> tuple[tuple[str, str], ...]:
        """`system.table` names, each system checked."""
        pairs = []
        for name in self.names(key, default):
            system, dot, table = name.partition(".")
            if not dot or not table:
                raise OptionError(key, f"{name!r} is not `system.table` (e.g. hubspot.contacts)")
            if system not in self.known:
                raise OptionError(
                    key,
                    f"unknown system {system!r} in {name!r}; accepted: {', '.join(self.known)}",
                )
            pairs.append((system, table))
        return tuple(pairs)

    def mapping(self, key: str, default: dict[str, Any]) -> dict[str, Any]:
        value = self._get(key, default)
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise OptionError(key, f"must be a mapping of names to values, got {value!r}")
        return value

    def unknown(self) -> list[str]:
        return sorted(set(self._raw) - self.read)


@dataclass(frozen=True)
class CheckKind:
    """A kind of check: how its value compares (direction, unit), its default thresholds, how it
    reads its options and how it measures. `min_severity` is the least severity it may have
    when critical (freshness: a source a day late is at least High)."""

    name: str
    summary: str
    direction: Direction
    unit: Unit
    warn: object  # default thresholds, as written in monitor.yml (None: no such level)
    critical: object
    parse: Callable[[Options], Any]
    evaluate: Callable[[CheckContext, Any], list[Observation]]
    min_severity: Severity = Severity.LOW


def grade(check: CheckConfig, obs: Observation, observed_at: datetime) -> CheckResult:
    """Turn an observation into a result: status from the thresholds (or the observation's own
    verdict), severity from the check (warn_severity for WARN, severity for FAIL and ERROR)."""
    thresholds = check.thresholds.shifted(obs.shift) if obs.shift else check.thresholds
    if obs.status is not None:
        status = obs.status
    elif obs.value is None:
        status = Status.ERROR
    else:
        status = thresholds.grade(obs.value)
    severity = {
        Status.PASS: None,
        Status.WARN: check.warn_severity,
        Status.FAIL: check.severity,
        Status.ERROR: check.severity,
    }[status]
    if status is not Status.PASS and obs.severity is not None:
        severity = obs.severity
    return CheckResult(
        check=check.name,
        subject=obs.subject,
        system=obs.system,
        status=status,
        severity=severity,
        value=obs.value,
        threshold=thresholds.describe(),
        message=obs.message,
        observed_at=observed_at,
        owner=check.owner,
        details={"kind": check.kind, "unit": thresholds.unit.name, **obs.details},
    )
