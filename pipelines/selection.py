"""Which tables a load reads: `roundtrip load hubspot.contacts salesforce --exclude ga4`.

A name is a system (`hubspot`: every table of it) or one of its tables (`hubspot.contacts`), as
the registry lists them (`connectors/registry.py`, each vendor's `VENDOR.tables`). No names
select every enabled system; `--exclude` names are taken away after. A table that `follows`
another (HubSpot's associations are read for the contacts and deals a load brings) loads
together with it: selecting either selects both, and excluding one of a pair whose other half
is loaded is refused, because the associations of the records loaded now would never be read.
Tables that are not selected are left alone: their rows and their dlt state (cursors) stay as
their last load left them, and the next load that selects them catches up from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from connectors.registry import VENDORS


class SelectionError(ValueError):
    """A name that selects nothing loadable (one line: the name and what is accepted)."""


@dataclass(frozen=True)
class Selection:
    """Systems to load, in order, each with the tables to read (None: every table)."""

    tables: Mapping[str, tuple[str, ...] | None]
    notes: tuple[str, ...] = ()  # what was added to or kept in the selection, and why

    @property
    def systems(self) -> list[str]:
        return list(self.tables)

    def describe(self, system: str) -> str | None:
        """`contacts, deals` for a partial selection of `system`; None for the whole system."""
        chosen = self.tables.get(system)
        return None if chosen is None else ", ".join(chosen)


def accepted_names() -> list[str]:
    """Every name a selection accepts: each system, then each of its tables."""
    return [
        name
        for system, vendor in VENDORS.items()
        for name in (system, *(f"{system}.{t.name}" for t in vendor.tables))
    ]


def _parse(name: str) -> tuple[str, str | None]:
    system, _, table = name.partition(".")
    vendor = VENDORS.get(system)
    if vendor is None or (table and table not in {t.name for t in vendor.tables}):
        what = "system" if vendor is None or not table else "table"
        raise SelectionError(f"unknown {what} {name!r}; accepted: {', '.join(accepted_names())}")
    return system, table or None


def _companions(system: str, table: str) -> set[str]:
    """`table` with every table it follows or that follows it, transitively (one load group)."""
    tables = VENDORS[system].tables
    group = {table}
    while True:
        grown = group | {t.name for t in tables if t.follows in group}
        grown |= {t.follows for t in tables if t.name in group and t.follows}
        if grown == group:
            return group
        group = grown


def select(names: Sequence[str], exclude: Iterable[str], enabled: Sequence[str]) -> Selection:
    """Resolve `names` minus `exclude` (no names: every `enabled` system) into a Selection;
    raises SelectionError naming the first bad name."""
    chosen: dict[str, set[str]] = {}
    for system, table in (_parse(n) for n in names) if names else ((s, None) for s in enabled):
        everything = {t.name for t in VENDORS[system].tables}
        chosen.setdefault(system, set()).update(everything if table is None else {table})
    notes: list[str] = []
    for system, tables in chosen.items():
        grown = set().union(*(_companions(system, t) for t in tables))
        if added := sorted(grown - tables):
            notes.append(
                f"{system}: also loading {', '.join(added)} (read together with "
                f"{', '.join(sorted(tables))})"
            )
        tables |= grown
    dropped: dict[str, set[str]] = {}
    for system, table in (_parse(n) for n in exclude):
        if system in chosen:
            everything = {t.name for t in VENDORS[system].tables}
            dropped.setdefault(system, set()).update(everything if table is None else {table})
    for system, tables in dropped.items():
        chosen[system] -= tables
        for table in sorted(tables):
            if kept := (_companions(system, table) - {table}) & chosen[system]:
                raise SelectionError(
                    f"cannot exclude {system}.{table}: it is read together with "
                    f"{', '.join(f'{system}.{t}' for t in sorted(kept))} (the associations of "
                    "the records loaded now would never be read); exclude them too, or neither"
                )
    resolved = {
        system: None
        if tables == {t.name for t in VENDORS[system].tables}
        else _ordered(system, tables)
        for system, tables in chosen.items()
        if tables
    }
    if not resolved:
        raise SelectionError(
            "nothing left to load: --exclude removed every selected system and table"
        )
    return Selection(resolved, tuple(notes))


def _ordered(system: str, tables: set[str]) -> tuple[str, ...]:
    """`tables` in the vendor's order."""
    return tuple(t.name for t in VENDORS[system].tables if t.name in tables)
