"""`create: true`: the counterpart of a record nothing on the other side matches (links.unmatched)
is created, then linked (`linked_by = 'created'`) with the values it was created with agreed.

- `map_to_crm`: a Salesforce Lead from a HubSpot contact (sObject Collections create), with the
  mapped Lead fields that may flow to the CRM and the required fields HubSpot left empty filled
  from `LEAD_DEFAULTS`. A Lead already holding the email (made by a run whose answer was lost,
  or since the load) is not created again: a rerun never duplicates, and the next load links
  them by e-mail.
- `crm_to_map`: a HubSpot contact from a Salesforce Lead or Contact (batch upsert by `email`,
  idempotent by nature), with the mapped properties that may flow to the MAP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from connectors.http.errors import VendorError
from reverse.two_way.decide import Decision, Observed
from reverse.two_way.links import CREATED
from reverse.two_way.owners import Owners
from reverse.two_way.spec import CRM, CRM_SYSTEM, MAP, MAP_OBJECT, MAP_SYSTEM, TwoWaySpec
from reverse.two_way.state import Link
from reverse.two_way.values import Unconvertible, canonical, outgoing
from reverse.writers import DestinationWriter
from reverse.writers.hubspot import split_opt_outs, unsubscribe

# required Lead fields a HubSpot contact may not have (as the real-time form flow fills them)
LEAD_DEFAULTS = {"LastName": "[not provided]", "Company": "[not provided]",
                 "Status": "Open - Not Contacted"}  # fmt: skip
CHUNK = 100  # HubSpot batch maximum; keeps SOQL `Email IN (…)` short


@dataclass
class Create:
    """One record to create on `to` from the source record's mapped values."""

    to: str  # map | crm: the side the new record is made on
    source_object: str  # contacts | Lead | Contact
    source_id: str
    email: str
    values: dict[str, Any]  # vendor field on `to` → value to write
    agreed: dict[str, str | None]  # MAP property → canonical value both sides hold after


@dataclass
class Created:
    links: list[Link] = field(default_factory=list)
    decisions: list[tuple[Link, Decision]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # source side, id, reason
    made: dict[str, int] = field(default_factory=lambda: {MAP: 0, CRM: 0})  # side → created
    error: str | None = None


def plan_create(
    spec: TwoWaySpec,
    side_from: str,
    source_object: str,
    source_id: str,
    values: Mapping[str, Any],
    email: str,
    owners: Owners | None = None,
) -> Create | str:
    """The create of `source_id`'s counterpart; a string says why it cannot be (a value that
    does not convert)."""
    to = CRM if side_from == MAP else MAP
    crm_object = "Lead" if to == CRM else source_object
    out: dict[str, Any] = {}
    agreed: dict[str, str | None] = {}
    for fm in spec.fields:
        source_name = fm.map if side_from == MAP else fm.crm.get(source_object)
        target_name = fm.map if to == MAP else fm.crm.get(crm_object)
        if source_name is None or target_name is None or not fm.writes_to(to):
            continue
        try:
            value = canonical(fm, side_from, values.get(source_name), owners)
            if value is not None:
                if not (fm.opt_out and value == "false"):  # new records start opted in
                    out[target_name] = outgoing(fm, to, value, owners)
                agreed[fm.map] = value
        except Unconvertible as exc:
            return str(exc)
    if to == CRM:
        out = {**LEAD_DEFAULTS, **out, "Email": out.get("Email") or email}
    else:
        out["email"] = out.get("email") or email
    return Create(to, source_object, source_id, email, out, agreed)


def _decisions(spec: TwoWaySpec, link: Link, create: Create) -> list[tuple[Link, Decision]]:
    winner = CRM if create.to == MAP else MAP
    seen = Observed(None)
    return [
        (link, Decision(name, winner, value, create.to, CREATED, seen, seen, False))
        for name, value in create.agreed.items()
    ]


def send_creates(
    spec: TwoWaySpec, writers: dict[str, DestinationWriter[Any]], creates: list[Create]
) -> Created:
    """Create every counterpart (HubSpot first, then Salesforce) and say what is now linked."""
    done = Created()
    try:
        _create_contacts(spec, writers[MAP_SYSTEM], [c for c in creates if c.to == MAP], done)
        _create_leads(spec, writers[CRM_SYSTEM], [c for c in creates if c.to == CRM], done)
    except VendorError as exc:  # what was not answered is created (or found) next time
        done.error = str(exc)
    return done


def _create_contacts(
    spec: TwoWaySpec, writer: DestinationWriter[Any], creates: list[Create], done: Created
) -> None:
    for start in range(0, len(creates), CHUNK):
        chunk = creates[start : start + CHUNK]
        split = [split_opt_outs(c.values) for c in chunk]  # opt-outs: preferences API, after
        inputs = [
            {"id": c.email, "idProperty": "email",
             "properties": {k: "" if v is None else str(v) for k, v in values.items()}}
            for c, (values, _) in zip(chunk, split, strict=True)
        ]  # fmt: skip
        response = writer.client.batch_upsert(MAP_OBJECT, inputs)
        by_email = {
            str((r.get("properties") or {}).get("email", "")).strip().lower(): str(r["id"])
            for r in response.get("results", [])
        }
        for c, (_, opt_out) in zip(chunk, split, strict=True):
            map_id = by_email.get(c.email.strip().lower())
            if map_id is None:
                done.refused.append((CRM, c.source_id, "HubSpot did not create the contact"))
                continue
            reason = unsubscribe(writer.client, map_id, c.email, opt_out) if opt_out else ""
            if reason:  # linked; the opt-out is not agreed, so the next run sends it again
                done.refused.append((CRM, c.source_id, reason))
                c = replace(c, agreed={k: v for k, v in c.agreed.items() if k not in opt_out})
            link = Link(map_id, c.source_object, c.source_id, CREATED)
            done.made[MAP] += 1
            done.links.append(link)
            done.decisions += _decisions(spec, link, c)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _create_leads(
    spec: TwoWaySpec, writer: DestinationWriter[Any], creates: list[Create], done: Created
) -> None:
    client = writer.client
    for start in range(0, len(creates), CHUNK):
        chunk = creates[start : start + CHUNK]
        emails = ", ".join(_quote(c.email) for c in chunk)
        existing: dict[str, str] = {}
        for page in client.query(f"SELECT Id, Email FROM Lead WHERE Email IN ({emails})"):
            for r in page:
                existing.setdefault(str(r.get("Email") or "").strip().lower(), r["Id"])
        made: dict[str, str] = {}
        new = []
        for c in chunk:
            lead_id = existing.get(c.email.strip().lower())
            if lead_id is None:
                new.append(c)
            else:  # not matched by the identity rules, or made by a run whose answer was lost
                done.refused.append((MAP, c.source_id, f"Salesforce Lead {lead_id} already holds "
                                     "this email: not created"))  # fmt: skip
        results = client.collection_create(
            [{"attributes": {"type": "Lead"}, **c.values} for c in new]
        ) if new else []  # fmt: skip
        for c, result in zip(new, results, strict=True):
            if result.get("success"):
                made[c.email.strip().lower()] = result["id"]
                done.made[CRM] += 1
            else:
                reason = "; ".join(
                    f"{e.get('statusCode')}: {e.get('message')}" for e in result.get("errors") or []
                )
                done.refused.append((CRM, c.source_id, f"Lead not created: {reason}"))
        for c in chunk:
            lead_id = made.get(c.email.strip().lower())
            if lead_id is not None:
                link = Link(c.source_id, "Lead", lead_id, CREATED)
                done.links.append(link)
                done.decisions += _decisions(spec, link, c)
