"""Each vendor's API versions as data: the version Roundtrip speaks, the versions it was tested
with, and the vendor's lifecycle of them (connectors/api_versions.yml, with sources).

The vendor modules take their `API_VERSION` from here, the README's "Vendor API versions" table
is generated from it (`markdown_table`), and the `api_version_lifecycle` health check gets each
system's sunset from it (roundtrip/stages/health.py hands the values to monitor/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).with_name("api_versions.yml")


class VersionTableError(ValueError):
    """The versions file is malformed; the message names the system and field."""


@dataclass(frozen=True)
class ApiVersion:
    """One version in the vendor's lifecycle."""

    version: str
    released: date | None
    sunset: date | None  # None: no sunset announced
    source: str
    sunset_note: str = ""


@dataclass(frozen=True)
class ApiLifecycle:
    """One vendor: the version spoken, those tested, and every version's lifecycle."""

    system: str
    speaks: str
    tested: tuple[str, ...]
    versions: tuple[ApiVersion, ...]
    refusal: str | None  # how the vendor refuses a retired version
    policy: str
    policy_source: str

    def version(self, name: str) -> ApiVersion | None:
        return next((v for v in self.versions if v.version == name), None)

    @property
    def current(self) -> ApiVersion:
        """The lifecycle of the version Roundtrip speaks."""
        found = self.version(self.speaks)
        assert found is not None  # checked on load
        return found

    def newest(self, on: date) -> ApiVersion:
        """The newest version released by `on` (the one to move to)."""
        released = [v for v in self.versions if v.released is None or v.released <= on]
        return max(released or self.versions, key=lambda v: (v.released or date.min, v.version))


def _date(system: str, field: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise VersionTableError(
            f"{DATA_FILE.name}: {system}.{field}: not a date: {value!r}"
        ) from None


def _lifecycle(system: str, raw: dict[str, Any]) -> ApiLifecycle:
    try:
        versions = tuple(
            ApiVersion(
                str(name),
                _date(system, f"versions.{name}.released", facts.get("released")),
                _date(system, f"versions.{name}.sunset", facts.get("sunset")),
                str(facts["source"]),
                str(facts.get("sunset_note") or ""),
            )
            for name, facts in raw["versions"].items()
        )
        lifecycle = ApiLifecycle(
            system,
            str(raw["speaks"]),
            tuple(str(v) for v in raw["tested"]),
            versions,
            raw.get("refusal"),
            str(raw["policy"]),
            str(raw["policy_source"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise VersionTableError(f"{DATA_FILE.name}: {system}: missing or malformed {exc}") from None
    for name in (lifecycle.speaks, *lifecycle.tested):
        if lifecycle.version(name) is None:
            raise VersionTableError(
                f"{DATA_FILE.name}: {system}: version {name!r} has no entry under `versions`"
            )
    return lifecycle


@cache
def lifecycles() -> dict[str, ApiLifecycle]:
    """Every vendor's lifecycle, by system name."""
    raw = yaml.safe_load(DATA_FILE.read_text())
    return {str(system): _lifecycle(str(system), facts) for system, facts in raw.items()}


def lifecycle(system: str) -> ApiLifecycle:
    return lifecycles()[system]


def spoken(system: str) -> str:
    """The API version Roundtrip speaks to `system`."""
    return lifecycle(system).speaks


def upgrade_target(system: str) -> str:
    """The version to move to: the newest in the table, unless that is the one spoken."""
    lc = lifecycle(system)
    newest = lc.newest(date.max).version
    return newest if newest != lc.speaks else ""


def markdown_table() -> str:
    """The README's "Vendor API versions" table."""
    rows = [
        "| system | version spoken | tested | released | sunset | source |",
        "|---|---|---|---|---|---|",
    ]
    for system, lc in lifecycles().items():
        v = lc.current
        sunset = str(v.sunset) if v.sunset else "none announced"
        if v.sunset_note:
            sunset += f" ({v.sunset_note})"
        rows.append(
            f"| {system} | {lc.speaks} | {', '.join(lc.tested)} | {v.released or 'n/a'} | "
            f"{sunset} | <{v.source}> |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
