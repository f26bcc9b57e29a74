"""Apply ONE record's change from one side: the entry point of the real-time path (a HubSpot
`contact.propertyChange` webhook, a Salesforce change event) and the unit the scheduled path
is made of.

    link = find_link(state, spec.name, "map", "1234")
    plan = apply_change(state, spec, link, "map", {"phone": "+1 555 0100"}, at)
    for side, values in plan.writes().items():      # at most one write per side
        ...send values to side's record (plan.record_id(side))...
    commit(state, spec, plan, run_id)                # only after the vendor accepted

The side not reported is taken to hold the value both sides last agreed on (the state), so a
change crosses, a value Roundtrip wrote coming back as an event is an echo and plans nothing,
and the field state is shared with the scheduled path (neither redoes the other's work).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reverse.two_way.decide import Decision, Observed, decide
from reverse.two_way.owners import Owners
from reverse.two_way.spec import CRM, MAP, FieldMap, TwoWaySpec
from reverse.two_way.state import Link, Synced, record_agreed, synced_of
from reverse.two_way.values import Unconvertible, canonical, outgoing


@dataclass
class LinkPlan:
    """What one link needs: the field decisions and the values that cannot be converted."""

    link: Link
    decisions: list[Decision] = field(default_factory=list)
    rejects: list[tuple[str, str, Any, str]] = field(
        default_factory=list
    )  # field, side, value, reason
    fields: dict[str, FieldMap] = field(default_factory=dict)
    owners: Owners | None = None  # the owner table, for `type: owner` fields

    def record_id(self, side: str) -> str:
        return self.link.map_id if side == MAP else self.link.crm_id

    def writes(self) -> dict[str, dict[str, Any]]:
        """side → {vendor field: value} to send (one request per side at most)."""
        out: dict[str, dict[str, Any]] = {}
        for d in self.decisions:
            if d.write_to is None:
                continue
            fm = self.fields[d.field]
            name = fm.map if d.write_to == MAP else fm.crm[self.link.crm_object]
            out.setdefault(d.write_to, {})[name] = outgoing(fm, d.write_to, d.value, self.owners)
        return out

    def pending(self, synced: Mapping[str, Synced]) -> list[Decision]:
        """Decisions that change the state: a write, or an agreement not yet stored."""
        return [
            d
            for d in self.decisions
            if d.write_to is not None
            or (d.field not in synced or synced[d.field].value_hash != d.value_hash)
        ]


def vendor_field(fm: FieldMap, side: str, crm_object: str) -> str | None:
    return fm.map if side == MAP else fm.crm.get(crm_object)


def plan_link(
    spec: TwoWaySpec,
    link: Link,
    synced: Mapping[str, Synced],
    observed: Mapping[str, tuple[Mapping[str, Any], datetime | None]],
    owners: Owners | None = None,
    map_field_times: Mapping[str, datetime] | None = None,
) -> LinkPlan:
    """Decide every mapped field of a link from what each side holds (`observed`: side →
    (vendor field → raw value, the record's modification time)); a side absent from
    `observed`, or a field absent from its values, holds the last agreed value. A decision
    whose value the receiving side cannot take (an owner with no counterpart there) is a
    reject instead: nothing is written or agreed for that field. `map_field_times` (HubSpot
    property → when its value was set) beat the record's time."""
    plan = LinkPlan(link, owners=owners)
    field_times = {MAP: map_field_times or {}, CRM: {}}
    for fm in spec.fields:
        if link.crm_object not in fm.crm:
            continue
        before = synced.get(fm.map)
        sides: dict[str, Observed] = {}
        for side in (MAP, CRM):
            name = vendor_field(fm, side, link.crm_object)
            values, at = observed.get(side, ({}, None))
            if name is not None and name in values:
                try:
                    when = field_times[side].get(name, at)
                    sides[side] = Observed(canonical(fm, side, values[name], owners), when)
                except Unconvertible as exc:
                    plan.rejects.append((fm.map, side, values[name], str(exc)))
            elif before is not None:
                sides[side] = Observed(before.value, before.at)
        # a field never synced whose other side is unknown waits for the scheduled path
        if len(sides) != 2:
            continue
        decision = decide(fm, before.value_hash if before else None, sides[MAP], sides[CRM])
        if decision.write_to is not None:
            try:
                outgoing(fm, decision.write_to, decision.value, owners)
            except Unconvertible as exc:
                plan.rejects.append((fm.map, decision.write_to, decision.value, str(exc)))
                continue
        plan.fields[fm.map] = fm
        plan.decisions.append(decision)
    return plan


def apply_change(
    state: sqlite3.Connection,
    spec: TwoWaySpec,
    link: Link,
    side: str,
    fields: Mapping[str, Any],
    at: datetime,
    owners: Owners | None = None,
) -> LinkPlan:
    """Plan ONE record's change from `side` (map | crm): `fields` are that side's vendor field
    names → new raw values, `at` the vendor's change time. Nothing is sent or stored: send
    `plan.writes()`, then `commit` what the vendor accepted."""
    if side not in (MAP, CRM):
        raise ValueError(f"side must be {MAP!r} or {CRM!r}, got {side!r}")
    synced = synced_of(state, spec.name, link.map_id)
    return plan_link(spec, link, synced, {side: (fields, at)}, owners)


def commit(
    state: sqlite3.Connection,
    spec: TwoWaySpec,
    plan: LinkPlan,
    run_id: str,
    *,
    refused: frozenset[str] = frozenset(),
) -> None:
    """Store the decisions of a plan whose writes were accepted (sides in `refused` were not:
    their decisions keep the old state, so the change is tried again)."""
    synced = synced_of(state, spec.name, plan.link.map_id)
    record_agreed(
        state,
        spec.name,
        run_id,
        [(plan.link, d) for d in plan.pending(synced) if d.write_to not in refused],
    )
