"""Apply inbox events to Salesforce through the declared flows, once in effect.

A batch takes at most one event per record (the inbox keeps per-record order) and spends a fixed
number of requests whatever its size: one HubSpot batch read for webhook events, one SOQL query per
object to match e-mails, one collection create and one collection update for Leads, one query and
one create for Campaign members, one upsert for Tasks.

Once in effect: a Lead is created only after the query found no Lead or Contact with the e-mail,
so a retried event finds the Lead its first try made and updates it; two events about one e-mail
never share a batch (the later waits for the next one); Tasks are upserted on the external id
`Roundtrip_Event_Id__c`; a Campaign member that already exists (DUPLICATE_VALUE) counts as done.
"""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from connectors.http.errors import QuotaExhausted, VendorError, VendorUnavailable
from connectors.hubspot import HubSpotClient
from connectors.salesforce import SalesforceClient
from realtime.activities import (
    HUBSPOT_CONTACT_PROPERTIES,
    Activity,
    hubspot_contact_id,
    to_activity,
)
from realtime.flows import Flow, FlowError, FlowsConfig
from realtime.inbox import Inbox, StoredEvent

log = logging.getLogger("roundtrip.realtime")

BATCH_SIZE = 200  # Salesforce sObject Collections take at most 200 records per request
HUBSPOT_READ_BATCH = 100
SOQL_IN_CHUNK = 100  # keeps the query URL well under Salesforce's 16,000-character limit
QUOTA_WAIT_SECONDS = 300.0
UNAVAILABLE_WAIT_SECONDS = 10.0


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _errors(result: dict[str, Any]) -> str:
    return "; ".join(
        f"{e.get('statusCode')}: {e.get('message')}" for e in result.get("errors") or []
    )


@dataclass
class Outcome:
    """What happened to one event in a batch: notes for the log, or the error that failed it."""

    notes: list[str] = field(default_factory=list)
    error: str | None = None
    final: bool = False  # no retry can help (bad payload)


@dataclass
class Person:
    """The Salesforce record an activity's e-mail matched (or created)."""

    sobject: str  # Lead | Contact
    id: str
    created: bool = False


class SalesforceFields:
    """Which fields each sObject lets us create and update (from describe); `check` before
    serving, so a flow that names a field Salesforce lacks fails at start, not per event."""

    def __init__(self, client: SalesforceClient) -> None:
        self.createable: dict[str, set[str]] = {}
        self.updateable: dict[str, set[str]] = {}
        for sobject in ("Lead", "Contact", "Task"):
            fields = client.describe(sobject)["fields"]
            self.createable[sobject] = {f["name"] for f in fields if f.get("createable")}
            self.updateable[sobject] = {f["name"] for f in fields if f.get("updateable")}

    def check(self, flows: FlowsConfig) -> None:
        """Raise FlowError naming the flow and field Salesforce would refuse."""
        for flow in flows.flows:
            if flow.action != "upsert_lead":
                continue
            for name in (*flow.fields, *flow.create_defaults):
                if name not in self.createable["Lead"]:
                    raise FlowError(
                        f"flow {flow.name}: Salesforce Lead has no createable field {name!r}"
                    )


class ChangeOutcome(Protocol):
    note: str
    error: str | None


class RecordSync(Protocol):
    """The two-way sync's real-time entry (reverse/two_way/events.py, wired by `roundtrip
    serve`): which HubSpot contact properties it maps, and a batch of (side, record id, when)
    changes applied → (side, record id) → what happened."""

    @property
    def hubspot_properties(self) -> frozenset[str]: ...

    def apply(
        self, changes: list[tuple[str, str, datetime]]
    ) -> dict[tuple[str, str], ChangeOutcome]: ...

    def close(self) -> None: ...


SALESFORCE_CHANGES = ("lead.changed", "contact.changed")
HUBSPOT_CHANGES = ("contact.propertyChange", "contact.deletion")


def record_change(event: StoredEvent, properties: frozenset[str]) -> tuple[str, str] | None:
    """(side, record id) when the event is a change of a record the two-way sync maps."""
    payload = event.payload
    if event.source == "salesforce" and event.kind in SALESFORCE_CHANGES:
        return ("crm", str(payload.get("Id")))
    mapped = event.kind == "contact.deletion" or payload.get("propertyName") in properties
    if event.source == "hubspot" and event.kind in HUBSPOT_CHANGES and mapped:
        return ("map", str(payload.get("objectId")))
    return None


class Worker:
    """Claims batches from the inbox and applies them; one worker per inbox file."""

    def __init__(
        self,
        inbox: Inbox,
        flows: FlowsConfig,
        salesforce: SalesforceClient,
        hubspot: HubSpotClient | None,
        fields: SalesforceFields,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        records: RecordSync | None = None,
    ) -> None:
        self.records = records
        self.inbox = inbox
        self.flows = flows
        self.salesforce = salesforce
        self.hubspot = hubspot
        self.fields = fields
        self.clock = clock
        self.wake = threading.Event()

    # ------------------------------------------------------------------ loop
    def run(self, stopping: threading.Event, idle_wait: float = 0.5) -> None:
        """Work until `stopping` is set; the batch in hand is always finished first."""
        while not stopping.is_set():
            if not self.work_once():
                self.wake.wait(idle_wait)
                self.wake.clear()

    def work_once(self) -> int:
        """Claim and apply one batch; the number of events it held."""
        batch = self.inbox.claim(BATCH_SIZE)
        if not batch:
            return 0
        try:
            outcomes = self.apply(batch)
        except (QuotaExhausted, VendorUnavailable) as exc:
            wait = (
                QUOTA_WAIT_SECONDS if isinstance(exc, QuotaExhausted) else UNAVAILABLE_WAIT_SECONDS
            )
            log.warning("real-time batch of %d waits %.0f s: %s", len(batch), wait, exc)
            self.inbox.defer([e.seq for e in batch], wait, str(exc))
            return len(batch)
        except VendorError as exc:
            log.warning("real-time batch of %d failed: %s", len(batch), exc)
            self.inbox.settle([], [(e.seq, str(exc), False) for e in batch])
            return len(batch)
        done: list[tuple[int, str]] = []
        failed: list[tuple[int, str, bool]] = []
        for event in batch:
            outcome = outcomes.get(event.seq)
            if outcome is None:  # deferred: another event of the same person went first
                continue
            if outcome.error:
                failed.append((event.seq, outcome.error, outcome.final))
                log.warning("event %d (%s %s): %s", event.seq, event.source, event.event_id,
                            outcome.error)  # fmt: skip
            else:
                done.append((event.seq, "; ".join(outcome.notes) or "no flow"))
        self.inbox.settle(done, failed, self.clock())
        return len(batch)

    # ------------------------------------------------------------------ one batch
    def apply(self, batch: list[StoredEvent]) -> dict[int, Outcome]:
        contacts = self._hubspot_contacts(batch)
        outcomes: dict[int, Outcome] = {}
        activities: dict[int, Activity] = {}
        seen: set[str] = set()
        later: list[int] = []
        changed = self._record_changes(batch)
        for event in batch:
            activity = to_activity(event, contacts)
            if activity is None:
                outcomes[event.seq] = changed.get(event.seq) or Outcome(
                    ["no flow for " + event.kind]
                )
            elif isinstance(activity, str):
                outcomes[event.seq] = Outcome(error=activity, final=True)
            elif activity.match_key in seen:
                later.append(event.seq)
            else:
                seen.add(activity.match_key)
                activities[event.seq] = activity
                outcomes[event.seq] = Outcome()
        if later:
            self.inbox.defer(later, 0.0, "waits for an earlier event about the same person")
        people = self._match(list(activities.values()))
        for flow in self.flows.flows:
            chosen = {
                seq: a for seq, a in activities.items()
                if flow.applies(a.kind, a.values) and not outcomes[seq].error
            }  # fmt: skip
            if not chosen:
                continue
            if flow.action == "upsert_lead":
                self._upsert_leads(flow, chosen, people, outcomes)
            else:
                self._create_tasks(flow, chosen, people, batch, outcomes)
        return outcomes

    def _record_changes(self, batch: list[StoredEvent]) -> dict[int, Outcome]:
        """The two-way sync's outcome of each event that changed a record it maps."""
        if self.records is None:
            return {}
        properties = self.records.hubspot_properties
        keys = {e.seq: key for e in batch if (key := record_change(e, properties))}
        if not keys:
            return {}
        events = {e.seq: e for e in batch}
        changes = {key: events[seq].occurred_at for seq, key in keys.items()}
        applied = self.records.apply([(side, rid, at) for (side, rid), at in changes.items()])
        outcomes = {}
        for seq, key in keys.items():
            result = applied.get(key)
            if result is None:
                outcomes[seq] = Outcome(["two-way: nothing to do"])
            else:
                outcomes[seq] = Outcome([result.note], result.error)
        return outcomes

    def _hubspot_contacts(self, batch: list[StoredEvent]) -> dict[str, dict[str, Any]]:
        ids = sorted({cid for e in batch if (cid := hubspot_contact_id(e))})
        if not ids or self.hubspot is None:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(ids, HUBSPOT_READ_BATCH):
            for record in self.hubspot.batch_read("contacts", chunk, HUBSPOT_CONTACT_PROPERTIES):
                found[str(record["id"])] = record.get("properties") or {}
        return found

    def _match(self, activities: list[Activity]) -> dict[str, Person]:
        """match key → the Contact (preferred) or open Lead with that e-mail."""
        emails = sorted({a.email for a in activities})
        keys = {a.email: a.match_key for a in activities}
        people: dict[str, Person] = {}
        for sobject, where in (("Lead", "IsConverted = false AND "), ("Contact", "")):
            for chunk in _chunks(emails, SOQL_IN_CHUNK):
                soql = (
                    f"SELECT Id, Email FROM {sobject} WHERE {where}Email IN "
                    f"({', '.join(_quote(e) for e in chunk)}) ORDER BY CreatedDate"
                )
                for page in self.salesforce.query(soql):
                    for record in page:
                        key = keys.get(str(record.get("Email") or "").strip().lower())
                        known = people.get(key) if key else None
                        contact_over_lead = (
                            sobject == "Contact" and known and known.sobject == "Lead"
                        )
                        if key and (known is None or contact_over_lead):
                            people[key] = Person(sobject, record["Id"])  # the oldest of its kind
        return people

    def _answers(
        self,
        items: list[tuple[int, dict[str, Any]]],
        send: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    ) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
        """(seq, record, Salesforce's result) for (seq, record) pairs sent in collections of 200."""
        for part in _chunks(items, BATCH_SIZE):
            results = send([record for _, record in part])
            yield from ((seq, record, result)
                        for (seq, record), result in zip(part, results, strict=True))  # fmt: skip

    def _upsert_leads(
        self,
        flow: Flow,
        chosen: dict[int, Activity],
        people: dict[str, Person],
        outcomes: dict[int, Outcome],
    ) -> None:
        creates: list[tuple[int, dict[str, Any]]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        for seq, activity in chosen.items():
            values = {
                sf: activity.values.get(src) for sf, src in flow.fields.items()
                if activity.values.get(src) not in (None, "")
            }  # fmt: skip
            person = people.get(activity.match_key)
            if person is None:
                record = {**flow.create_defaults, **values, "Email": activity.email}
                creates.append((seq, {"attributes": {"type": "Lead"}, **record}))
            else:
                allowed = self.fields.updateable[person.sobject]
                record = {k: v for k, v in values.items() if k in allowed}
                if record:
                    record.update(attributes={"type": person.sobject}, id=person.id)
                    updates.append((seq, record))
                else:
                    outcomes[seq].notes.append(f"{person.sobject} {person.id} unchanged")
        for seq, _, result in self._answers(creates, self.salesforce.collection_create):
            if result.get("success"):
                people[chosen[seq].match_key] = Person("Lead", result["id"], created=True)
                outcomes[seq].notes.append(f"{flow.name}: Lead {result['id']} created")
            else:
                outcomes[seq].error = f"{flow.name}: Lead not created: {_errors(result)}"
        for seq, record, result in self._answers(updates, self.salesforce.collection_update):
            if result.get("success"):
                kind = record["attributes"]["type"]
                outcomes[seq].notes.append(f"{flow.name}: {kind} {record['id']} updated")
            else:
                outcomes[seq].error = f"{flow.name}: {record['id']} not updated: {_errors(result)}"
        if flow.campaign_from:
            self._join_campaigns(flow, chosen, people, outcomes)

    def _join_campaigns(
        self,
        flow: Flow,
        chosen: dict[int, Activity],
        people: dict[str, Person],
        outcomes: dict[int, Outcome],
    ) -> None:
        wanted = {
            seq: str(a.values.get(flow.campaign_from or ""))
            for seq, a in chosen.items()
            if a.values.get(flow.campaign_from or "") and a.match_key in people
            and not outcomes[seq].error
        }  # fmt: skip
        names = sorted(set(wanted.values()))
        campaigns: dict[str, str] = {}
        for chunk in _chunks(names, SOQL_IN_CHUNK):
            soql = f"SELECT Id, Name FROM Campaign WHERE Name IN ({', '.join(map(_quote, chunk))})"
            for page in self.salesforce.query(soql):
                campaigns.update({str(r["Name"]).lower(): r["Id"] for r in page})
        members = []
        for seq, name in wanted.items():
            campaign_id = campaigns.get(name.lower())
            if campaign_id is None:
                outcomes[seq].notes.append(f"no Salesforce Campaign named {name!r}")
                continue
            person = people[chosen[seq].match_key]
            who = "LeadId" if person.sobject == "Lead" else "ContactId"
            members.append((seq, {"attributes": {"type": "CampaignMember"},
                                  "CampaignId": campaign_id, who: person.id,
                                  "Status": flow.campaign_status}))  # fmt: skip
        for seq, record, result in self._answers(members, self.salesforce.collection_create):
            codes = {e.get("statusCode") for e in result.get("errors") or []}
            if result.get("success") or codes == {"DUPLICATE_VALUE"}:
                outcomes[seq].notes.append(f"member of Campaign {record['CampaignId']}")
            else:
                outcomes[seq].error = f"{flow.name}: Campaign member not added: {_errors(result)}"

    def _create_tasks(
        self,
        flow: Flow,
        chosen: dict[int, Activity],
        people: dict[str, Person],
        batch: list[StoredEvent],
        outcomes: dict[int, Outcome],
    ) -> None:
        events = {e.seq: e for e in batch}
        tasks = []
        for seq, activity in chosen.items():
            person = people.get(activity.match_key)
            if person is None:
                outcomes[seq].notes.append(f"{flow.name}: {activity.email} is not in Salesforce")
                continue
            event = events[seq]
            subject = flow.subject.format_map(
                {k: activity.values.get(k) or "" for k in _placeholders(flow.subject)}
            )
            tasks.append((seq, {
                "attributes": {"type": "Task"},
                "Roundtrip_Event_Id__c": f"{event.source}:{event.event_id}",
                "WhoId": person.id,
                "Subject": subject[:255],
                "Status": "Completed",
                "Priority": "Normal",
                "TaskSubtype": "Task",
                "ActivityDate": activity.occurred_at.date().isoformat(),
            }))  # fmt: skip
        upsert = partial(self.salesforce.collection_upsert, "Task", "Roundtrip_Event_Id__c")
        for seq, _, result in self._answers(tasks, upsert):
            if result.get("success"):
                outcomes[seq].notes.append(f"{flow.name}: Task {result['id']}")
            else:
                outcomes[seq].error = f"{flow.name}: Task not written: {_errors(result)}"


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]
