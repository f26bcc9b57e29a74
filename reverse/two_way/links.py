"""Which HubSpot contact is which Salesforce record, by the identity rules of the dbt models.

In order of evidence: the stored link; HubSpot's own Salesforce link fields (`salesforcecontactid`,
then `salesforceleadid`); the normalized email (the staging models' `email_normalized`, the key
`int_customer_identities_resolved` matches on). A converted Lead's link re-points to its Contact.
A HubSpot contact never links to two Salesforce records, nor a record to two contacts: any such
ambiguity leaves the records out, listed with the reason. A link whose record was deleted
(Salesforce) or archived (HubSpot) is retired and the other side is left alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reverse.two_way.spec import CRM, MAP
from reverse.two_way.state import Link

STORED, LINK_FIELD, EMAIL, CONVERSION, CREATED = (
    "stored", "hubspot link field", "email", "lead conversion", "created",
)  # fmt: skip
_RANK = {STORED: 0, CONVERSION: 0, CREATED: 0, LINK_FIELD: 1, EMAIL: 2}


@dataclass(frozen=True)
class MapRecord:
    id: str
    email: str | None  # normalized
    lead_id: str | None  # salesforceleadid
    contact_id: str | None  # salesforcecontactid
    archived: bool = False


@dataclass(frozen=True)
class CrmRecord:
    object: str  # Lead | Contact
    id: str
    email: str | None  # normalized
    deleted: bool = False
    converted_contact_id: str | None = None  # a converted Lead's Contact


@dataclass
class Resolution:
    links: dict[str, Link]  # map id → the link this run syncs
    changed: list[Link]  # new or re-pointed links to store
    retired: list[tuple[str, str]]  # (map id, reason)
    unlinked: list[tuple[str, str, str]]  # (side, record id, reason)


def resolve(
    stored: dict[str, Link],
    map_records: Iterable[MapRecord],
    crm_records: Iterable[CrmRecord],
    crm_objects: tuple[str, ...],
) -> Resolution:
    """Links for this run from the stored ones and both sides as loaded."""
    crm = {r.id: r for r in crm_records if r.object in crm_objects}
    live = {i: r for i, r in crm.items() if not r.deleted and not r.converted_contact_id}
    by_email: dict[str, list[CrmRecord]] = defaultdict(list)
    for record in live.values():
        if record.email:
            by_email[record.email].append(record)
    result = Resolution({}, [], [], [])
    claims: dict[str, list[Link]] = defaultdict(list)

    def follow(crm_id: str | None) -> CrmRecord | None:
        """The live record behind an id, through a Lead's conversion."""
        record = crm.get(crm_id or "")
        if record is not None and record.converted_contact_id:
            record = crm.get(record.converted_contact_id)
        return record if record is not None and record.id in live else None

    for m in map_records:
        link = stored.get(m.id)
        if m.archived:
            if link:
                result.retired.append((m.id, "HubSpot contact archived or merged"))
            continue
        if link:
            target = follow(link.crm_id)
            if target is not None:
                how = STORED if target.id == link.crm_id else CONVERSION
                claims[target.id].append(Link(m.id, target.object, target.id, how))
                continue
            result.retired.append(
                (m.id, f"Salesforce {link.crm_object} {link.crm_id} deleted or merged")
            )
            continue
        target = follow(m.contact_id) or follow(m.lead_id)
        if target is not None:
            claims[target.id].append(Link(m.id, target.object, target.id, LINK_FIELD))
            continue
        candidates = by_email.get(m.email or "", [])
        if len(candidates) == 1:
            claims[candidates[0].id].append(
                Link(m.id, candidates[0].object, candidates[0].id, EMAIL)
            )
        elif candidates:
            ids = ", ".join(sorted(f"{c.object} {c.id}" for c in candidates))
            result.unlinked.append(
                (MAP, m.id, f"email matches {len(candidates)} Salesforce records: {ids}")
            )
    for crm_id, claimants in claims.items():
        best = min(_RANK[c.linked_by] for c in claimants)
        winners = [c for c in claimants if _RANK[c.linked_by] == best]
        if len(winners) > 1:
            ids = ", ".join(sorted(c.map_id for c in claimants))
            result.unlinked.append(
                (CRM, crm_id, f"matched by {len(claimants)} HubSpot contacts: {ids}")
            )
            result.unlinked.extend(
                (
                    MAP,
                    c.map_id,
                    f"Salesforce {c.crm_object} {crm_id} is matched by several HubSpot contacts",
                )
                for c in claimants
            )
            continue
        (winner,) = winners
        for loser in claimants:
            if loser is not winner:
                result.unlinked.append(
                    (
                        MAP,
                        loser.map_id,
                        f"Salesforce {crm_id} is already linked to HubSpot contact {winner.map_id}",
                    )
                )
        result.links[winner.map_id] = winner
        previous = stored.get(winner.map_id)
        if previous is None or previous.crm_id != winner.crm_id:
            result.changed.append(winner)
    return result


def unmatched(
    resolution: Resolution,
    map_records: Iterable[MapRecord],
    crm_records: Iterable[CrmRecord],
    crm_objects: tuple[str, ...],
    retired: set[str],
) -> list[tuple[str, str, str]]:
    """(side, object, record id) of the records nothing on the other side matches: no link
    (active or retired: a deleted counterpart leaves the other side alone), no link field, no
    record with the same email; one per email (a Contact before a Lead). `create: true` makes
    their counterparts."""
    maps, crms = list(map_records), list(crm_records)
    taken = set(resolution.links) | {link.crm_id for link in resolution.links.values()}
    taken |= {record_id for _, record_id, _ in resolution.unlinked} | retired
    live = [
        c for c in crms
        if c.object in crm_objects and not c.deleted and not c.converted_contact_id
    ]  # fmt: skip
    crm_emails = {c.email for c in live if c.email}
    map_emails = {m.email for m in maps if m.email and not m.archived}
    out: list[tuple[str, str, str]] = [
        (MAP, "contacts", m.id)
        for m in maps
        if m.email and not m.archived and m.id not in taken and m.email not in crm_emails
        and not (m.lead_id or m.contact_id)
    ]  # fmt: skip
    chosen: dict[str, CrmRecord] = {}
    for c in sorted(live, key=lambda c: (c.object != "Contact", c.id)):
        if c.email and c.id not in taken and c.email not in map_emails:
            chosen.setdefault(c.email, c)
    out += [(CRM, c.object, c.id) for c in chosen.values()]
    return out
