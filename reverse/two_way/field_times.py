"""Field-level change times for the conflicts the `newest` rule settles.

A record's modification time moves whenever any of its fields does (a score write, a workflow),
so a conflict settled by record times goes to whichever record was touched last, not to the value
set last. HubSpot keeps every property's history: for the contacts in such a conflict (only
those: a batch read of at most 50 per request) the time of each property's current value
replaces the record's time, and the conflict is decided again. The Salesforce side keeps the
record's LastModifiedDate (field history needs tracking switched on field by field, at most 20
per object: not something a sync may assume).
https://developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/batch/get-objects
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from connectors.hubspot import HubSpotClient
from reverse.two_way.apply import LinkPlan
from reverse.two_way.decide import NEWEST
from reverse.two_way.spec import MAP_OBJECT
from reverse.two_way.values import vendor_time

FieldTimes = dict[str, dict[str, datetime]]  # HubSpot contact id → property → time set
TimesReader = Callable[[Mapping[str, Sequence[str]]], FieldTimes]


def newest_conflicts(plans: Iterable[LinkPlan]) -> dict[str, list[str]]:
    """HubSpot contact id → the properties whose conflict the `newest` rule decided."""
    wanted: dict[str, list[str]] = {}
    for plan in plans:
        names = [d.field for d in plan.decisions if d.rule == NEWEST]
        if names:
            wanted[plan.link.map_id] = names
    return wanted


def hubspot_field_times(client: HubSpotClient, wanted: Mapping[str, Sequence[str]]) -> FieldTimes:
    """When each wanted property got its current value (the newest history entry); a contact
    HubSpot no longer has, or a property without history, is left out."""
    times: FieldTimes = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), client.history_batch_limit):
        chunk = ids[start : start + client.history_batch_limit]
        names = sorted({name for map_id in chunk for name in wanted[map_id]})
        for record in client.batch_read(MAP_OBJECT, chunk, names, with_history=names):
            for name, entries in (record.get("propertiesWithHistory") or {}).items():
                at = vendor_time(entries[0].get("timestamp")) if entries else None
                if at is not None:
                    times.setdefault(str(record["id"]), {})[name] = at
    return times


def redecide_newest(
    plans: list[LinkPlan],
    read_times: TimesReader,
    replan: Callable[[LinkPlan, Mapping[str, datetime]], LinkPlan],
) -> list[LinkPlan]:
    """The plans, those with a `newest` conflict planned again with HubSpot's field times."""
    wanted = newest_conflicts(plans)
    if not wanted:
        return plans
    times = read_times(wanted)
    return [
        replan(plan, times[plan.link.map_id]) if plan.link.map_id in times else plan
        for plan in plans
    ]
