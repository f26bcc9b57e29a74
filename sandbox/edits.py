"""Edits a user makes in the vendors' own UIs, applied to the world between runs, and logged in
the truth (`truth.duckdb` table `record_edits`: side, object, record, field, value, time, kind)
so tests can judge what a sync should have done. Product code never reads the log.

Used by the two-way sync tests: field edits on HubSpot contacts and Salesforce leads/contacts,
deletes (HubSpot archive, Salesforce IsDeleted) and Lead conversion. Each edit stamps the
record's modification time with `at`, as the vendor would, and a HubSpot edit is added to the
property's history. Run with the servers stopped (the
CLI stops them after each command).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from sandbox.state import SandboxPaths

EDITS_TABLE = """
CREATE TABLE IF NOT EXISTS record_edits (
    side      VARCHAR NOT NULL,   -- hubspot | salesforce
    object    VARCHAR NOT NULL,   -- contacts | Lead | Contact
    record_id VARCHAR NOT NULL,
    field     VARCHAR,            -- NULL for a delete or a conversion
    value     VARCHAR,
    edited_at TIMESTAMP NOT NULL,
    kind      VARCHAR NOT NULL    -- edit | delete | convert
)
"""
_TABLES = {
    ("hubspot", "contacts"): "hubspot_contacts",
    ("salesforce", "Lead"): "salesforce_lead",
    ("salesforce", "Contact"): "salesforce_contact",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stamp(side: str) -> str:
    if side == "hubspot":
        return "updated_at = $at"
    return '"LastModifiedDate" = $at, "SystemModstamp" = $at'


def _log(paths: SandboxPaths, rows: list[tuple[Any, ...]]) -> None:
    with duckdb.connect(str(paths.truth_db)) as truth:
        truth.execute(EDITS_TABLE)
        truth.executemany("INSERT INTO record_edits VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def edit(
    paths: SandboxPaths, side: str, obj: str, record_id: str, field: str, value: Any, at: datetime
) -> None:
    """Set one field of one record, as a user would in the vendor's UI."""
    table = _TABLES[(side, obj)]
    with duckdb.connect(str(paths.world_db)) as world:
        world.execute(
            f"UPDATE {table} SET {_quote(field)} = $value, {_stamp(side)} "
            f"WHERE CAST({'id' if side == 'hubspot' else _quote('Id')} AS VARCHAR) = $id",
            {"value": value, "at": at, "id": record_id},
        )
        if side == "hubspot":  # HubSpot keeps every property's history (`propertiesWithHistory`)
            world.execute(
                "INSERT INTO hubspot_property_history VALUES ($obj, $id, $field, $value, $at, "
                "'CRM_UI')",
                {"obj": obj, "id": int(record_id), "field": field, "at": at,
                 "value": None if value is None else str(value)},
            )  # fmt: skip
    _log(paths, [(side, obj, record_id, field, None if value is None else str(value), at, "edit")])


def delete(paths: SandboxPaths, side: str, obj: str, record_id: str, at: datetime) -> None:
    """Archive a HubSpot contact or delete a Salesforce record (to the recycle bin)."""
    table = _TABLES[(side, obj)]
    with duckdb.connect(str(paths.world_db)) as world:
        if side == "hubspot":
            world.execute(
                f"UPDATE {table} SET archived = true, archived_at = $at, updated_at = $at "
                "WHERE id = CAST($id AS BIGINT)",
                {"at": at, "id": record_id},
            )
        else:
            world.execute(
                f'UPDATE {table} SET "IsDeleted" = true, {_stamp(side)} WHERE "Id" = $id',
                {"at": at, "id": record_id},
            )
    _log(paths, [(side, obj, record_id, None, None, at, "delete")])


def convert_lead(paths: SandboxPaths, lead_id: str, at: datetime) -> str:
    """Convert a Lead into a new Contact carrying its person fields; the new Contact's Id."""
    with duckdb.connect(str(paths.world_db)) as world:
        count = world.execute("SELECT count(*) FROM salesforce_contact").fetchone()
        contact_id = f"003Ed{(count[0] if count else 0) + 1:010d}AAA"
        world.execute(
            'INSERT INTO salesforce_contact ("Id", "IsDeleted", "FirstName", "LastName", "Email", '
            '"Title", "Phone", "MailingCountry", "LeadSource", "OwnerId", "HasOptedOutOfEmail", "CreatedDate", '
            '"LastModifiedDate", "SystemModstamp") '
            'SELECT $contact, false, "FirstName", "LastName", "Email", "Title", "Phone", "Country", '
            '"LeadSource", "OwnerId", "HasOptedOutOfEmail", $at, $at, $at FROM salesforce_lead WHERE "Id" = $lead',
            {"contact": contact_id, "at": at, "lead": lead_id},
        )
        world.execute(
            'UPDATE salesforce_lead SET "IsConverted" = true, "ConvertedDate" = CAST($at AS DATE), '
            '"ConvertedContactId" = $contact, "Status" = \'Closed - Converted\', '
            '"LastModifiedDate" = $at, "SystemModstamp" = $at WHERE "Id" = $lead',
            {"contact": contact_id, "at": at, "lead": lead_id},
        )
    _log(paths, [("salesforce", "Lead", lead_id, "ConvertedContactId", contact_id, at, "convert")])
    return contact_id
