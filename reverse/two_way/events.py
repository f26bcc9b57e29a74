"""The real-time path: record changes seen as events (a HubSpot `contact.propertyChange` or
`contact.deletion` webhook, a Salesforce Lead/Contact change found by the SystemModstamp poll),
applied through the same engine and the same link and field state as the scheduled path.

An event only says which record changed: both sides of its link are read back from the vendors
(one HubSpot batch read per 100 contacts, one SOQL query per object per 100 records), and every
mapped field is decided as the scheduled path decides it (`plan_link`), with each record's
modification time for `newest`. So a change crosses once, the echo of Roundtrip's own write
(HubSpot sends a `propertyChange` with `changeSource: INTEGRATION` for it, the poll sees the
Salesforce write's new SystemModstamp) finds both sides equal and plans nothing, and a change
made on the other side meanwhile is not overwritten blindly. A record that no longer exists
(deleted or merged) retires its link; a converted Lead re-points it to its Contact; a record
with no link is left to the scheduled path, which links by e-mail. Each batch is one run in
`two_way_runs` with `path = 'event'`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from reverse.state import utcnow
from reverse.two_way.apply import LinkPlan, commit, plan_link
from reverse.two_way.deletes import propagate_deletes
from reverse.two_way.field_times import hubspot_field_times, redecide_newest
from reverse.two_way.links import CONVERSION
from reverse.two_way.owners import Owners, read_vendors, uses_owners
from reverse.two_way.send import Sent, send_plans
from reverse.two_way.spec import CRM, CRM_SYSTEM, MAP, MAP_OBJECT, MAP_SYSTEM, TwoWaySpec
from reverse.two_way.state import Link, find_link, record_rejects, save_links, synced_of
from reverse.two_way.values import vendor_time
from reverse.writers import DestinationWriter
from warehouse.lock import WriterBusy, writer_lock

log = logging.getLogger("roundtrip.reverse.two_way.events")
READ_CHUNK = 100  # HubSpot batch read maximum; keeps SOQL `Id IN (…)` short
HUBSPOT_MODIFIED = "lastmodifieddate"


Change = tuple[str, str, datetime]  # side (map | crm), record id, when the vendor says it changed


@dataclass
class ChangeResult:
    note: str
    error: str | None = None  # set: the event is tried again (nothing was stored for it)


def _result(
    sync: str, plan: LinkPlan | None, refused: dict[str, frozenset[str]], sent: Sent
) -> ChangeResult:
    """What one link's change came to: written, agreed, or an error (the event is retried)."""
    if plan is None or not plan.writes():
        return ChangeResult(f"{sync}: both sides agree")
    if refused.get(plan.link.map_id):
        why = "; ".join(r for m, _, _, _, r in sent.rejects if m == plan.link.map_id)
        return ChangeResult(
            f"{sync}: not written", f"{sync}: {sent.error or why or 'not accepted'}"
        )
    crossed = ", ".join(
        f"{'HubSpot' if side == MAP else 'Salesforce'} {', '.join(sorted(values))}"
        for side, values in sorted(plan.writes().items())
    )
    return ChangeResult(f"{sync}: wrote {crossed}")


def _chunks(items: Sequence[str], size: int = READ_CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class EventSync:
    """Applies batches of record changes for every two-way spec; one per worker thread (it
    owns a connection to the state file)."""

    def __init__(
        self,
        specs: Sequence[TwoWaySpec],
        state: sqlite3.Connection,
        writers: dict[str, DestinationWriter[Any]],
        lock_dir: Path,
    ) -> None:
        self.specs = list(specs)
        self.state = state
        self.writers = writers
        self.lock_dir = lock_dir  # `sync-<name>.lock`: one run of a sync at a time, either path

    def close(self) -> None:
        self.state.close()

    @property
    def hubspot_properties(self) -> frozenset[str]:
        """The contact properties whose changes matter (what serve subscribes to)."""
        return frozenset(fm.map for spec in self.specs for fm in spec.fields)

    def apply(self, changes: Sequence[Change]) -> dict[tuple[str, str], ChangeResult]:
        """Apply one batch: (side, record id) → what happened. Vendor errors that stop reading
        propagate (the caller puts the batch back); a write not accepted is an error result."""
        results: dict[tuple[str, str], ChangeResult] = {}
        for spec in self.specs:
            lock = self.lock_dir / f"sync-{spec.name}.lock"
            try:
                with writer_lock(lock, f"roundtrip serve: two-way {spec.name}", timeout=0):
                    applied = self._apply_spec(spec, changes)
            except WriterBusy:  # a scheduled run holds it: the events wait and are tried again
                busy = ChangeResult(f"{spec.name}: waits", f"{spec.name}: a run is in progress")
                applied = {(side, record_id): busy for side, record_id, _ in changes}
            for key, result in applied.items():
                known = results.get(key)
                if known is None:
                    results[key] = ChangeResult(result.note, result.error)  # its own: merged below
                else:
                    known.note = f"{known.note}; {result.note}"
                    known.error = known.error or result.error
        return results

    # ------------------------------------------------------------------ one spec
    def _apply_spec(
        self, spec: TwoWaySpec, changes: Sequence[Change]
    ) -> dict[tuple[str, str], ChangeResult]:
        started = time.monotonic()
        base = {system: w.requests()[0] for system, w in self.writers.items()}  # reads count too
        results: dict[tuple[str, str], ChangeResult] = {}
        links: dict[str, Link] = {}
        owners: dict[str, list[tuple[str, str]]] = {}  # map id → the changes about its link
        for side, record_id, _ in changes:
            key = (side, record_id)
            link = find_link(self.state, spec.name, side, record_id)
            if link is None:
                results[key] = ChangeResult(
                    f"{spec.name}: not linked (the scheduled sync links by e-mail)"
                )
                continue
            links[link.map_id] = link
            owners.setdefault(link.map_id, []).append(key)
        if not links:
            return results
        hubspot = self._read_hubspot(spec, sorted(links))
        retired: list[tuple[str, str]] = []
        repointed: list[Link] = []
        crm = self._read_crm(spec, list(links.values()), retired, repointed)
        for map_id in links:
            if map_id not in hubspot:
                retired.append((map_id, "HubSpot contact archived or merged"))
        for link in repointed:
            links[link.map_id] = link
        retired = list({m: reason for m, reason in reversed(retired)}.items())  # once per link
        retired_ids = {m for m, _ in retired}
        run_id = f"{spec.name}-event-{utcnow()[:19].replace(':', '')}-{uuid.uuid4().hex[:6]}"
        self.state.execute(
            "insert into two_way_runs (run_id, sync, path, started_at, status) values (?, ?, ?, ?, ?)",
            [run_id, spec.name, "event", utcnow(), "running"],
        )
        if spec.propagate_deletes and retired:
            retired = propagate_deletes(self.writers, retired, dict(links))
        save_links(self.state, spec.name, repointed, retired)
        plans: list[LinkPlan] = []
        rejects: list[tuple[str, str, str, str | None, str]] = []
        owner_table = (
            Owners(self.state, lambda: read_vendors(self.writers)) if uses_owners(spec) else None
        )
        inputs = {}
        for map_id, link in links.items():
            if map_id in retired_ids:
                continue
            synced = synced_of(self.state, spec.name, map_id)
            observed = {MAP: hubspot[map_id], CRM: crm[link.crm_id]}
            inputs[map_id] = (synced, observed)
            plan = plan_link(spec, link, synced, observed, owner_table)
            rejects.extend(
                (map_id, f, s, None if v is None else str(v), r) for f, s, v, r in plan.rejects
            )
            if plan.pending(synced):
                plans.append(plan)
        plans = redecide_newest(
            plans,
            partial(hubspot_field_times, self.writers[MAP_SYSTEM].client),
            lambda plan, times: plan_link(
                spec, plan.link, *inputs[plan.link.map_id], owner_table, map_field_times=times
            ),
        )
        diff_seconds = time.monotonic() - started
        sent = send_plans(spec, self.writers, plans)
        rejects.extend(sent.rejects)
        record_rejects(self.state, spec.name, run_id, rejects)
        refused_by_map: dict[str, frozenset[str]] = {}
        to = {MAP: 0, CRM: 0}
        conflicts = 0
        for plan in plans:
            refused = sent.not_accepted(plan)
            refused_by_map[plan.link.map_id] = frozenset(s for s in refused if s in plan.writes())
            commit(self.state, spec, plan, run_id, refused=refused)
            for d in plan.decisions:
                if d.write_to and d.write_to not in refused:
                    to[d.write_to] += 1
                    conflicts += d.conflict
        for map_id, reason in retired:
            for key in owners.get(map_id, []):
                results[key] = ChangeResult(f"{spec.name}: link retired: {reason}")
        by_map = {plan.link.map_id: plan for plan in plans}
        for map_id, keys in owners.items():
            if map_id not in retired_ids:
                result = _result(spec.name, by_map.get(map_id), refused_by_map, sent)
                results.update(dict.fromkeys(keys, result))
        requests = sum(w.requests()[0] - base[s] for s, w in self.writers.items())
        status = "failed" if sent.error else ("partial" if rejects else "succeeded")
        self.state.execute(
            "update two_way_runs set finished_at = ?, status = ?, links = ?, to_map = ?, "
            "to_crm = ?, conflicts = ?, rejects = ?, requests = ?, diff_seconds = ?, seconds = ?, "
            "error = ? where run_id = ?",
            [utcnow(), status, len(links), to[MAP], to[CRM], conflicts, len(rejects), requests,
             round(diff_seconds, 3), round(time.monotonic() - started, 3), sent.error, run_id],
        )  # fmt: skip
        return results

    # ------------------------------------------------------------------ reading both sides
    def _read_hubspot(
        self, spec: TwoWaySpec, ids: list[str]
    ) -> dict[str, tuple[dict[str, Any], datetime | None]]:
        """Contact id → (mapped property → value, modification time); archived ones are absent."""
        names = [fm.map for fm in spec.fields]
        client = self.writers[MAP_SYSTEM].client
        found = {}
        for chunk in _chunks(ids):
            for record in client.batch_read(MAP_OBJECT, list(chunk), [*names, HUBSPOT_MODIFIED]):
                props = record.get("properties") or {}
                found[str(record["id"])] = (
                    {n: props.get(n) for n in names},
                    vendor_time(props.get(HUBSPOT_MODIFIED) or record.get("updatedAt")),
                )
        return found

    def _read_crm(
        self,
        spec: TwoWaySpec,
        links: list[Link],
        retired: list[tuple[str, str]],
        repointed: list[Link],
    ) -> dict[str, tuple[dict[str, Any], datetime | None]]:
        """Salesforce Id → (mapped field → value, LastModifiedDate). A record the query does not
        return was deleted or merged (its link goes to `retired`); a converted Lead's link is
        re-pointed to its Contact (`repointed`), whose values are read instead."""
        found: dict[str, tuple[dict[str, Any], datetime | None]] = {}
        wanted = {obj: [lk for lk in links if lk.crm_object == obj] for obj in ("Lead", "Contact")}
        for obj in ("Lead", "Contact"):  # Leads first: a conversion adds a Contact to read
            names = [name for _, name in spec.crm_fields(obj)]
            extra = ", IsConverted, ConvertedContactId" if obj == "Lead" else ""
            by_id = {lk.crm_id: lk for lk in wanted[obj]}
            for chunk in _chunks(sorted(by_id)):
                soql = (
                    f"SELECT Id, LastModifiedDate{extra}, {', '.join(names)} FROM {obj} "
                    f"WHERE Id IN ({', '.join(map(_quote, chunk))})"
                )
                for page in self.writers[CRM_SYSTEM].client.query(soql):
                    for r in page:
                        link = by_id[r["Id"]]
                        if obj == "Lead" and r.get("IsConverted") and r.get("ConvertedContactId"):
                            moved = Link(
                                link.map_id, "Contact", r["ConvertedContactId"], CONVERSION
                            )
                            repointed.append(moved)
                            wanted["Contact"].append(moved)
                            continue
                        found[r["Id"]] = (
                            {n: r.get(n) for n in names},
                            vendor_time(r.get("LastModifiedDate")),
                        )
            moved_ids = {m.map_id for m in repointed}
            for link in wanted[obj]:
                if link.crm_id not in found and (obj == "Contact" or link.map_id not in moved_ids):
                    retired.append(
                        (link.map_id, f"Salesforce {obj} {link.crm_id} deleted or merged")
                    )
        return found
