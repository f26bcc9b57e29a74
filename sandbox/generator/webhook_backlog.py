"""What `sandbox advance` changed in HubSpot contacts, queued for the stand-in to deliver as
webhooks when it next starts (the world is rewritten while the servers are stopped).

One JSON line per event in `SandboxPaths.webhook_backlog`: contact.creation for contacts created in the
window, contact.deletion for those archived in it, and contact.propertyChange of the properties
advance changes (jobtitle, lifecyclestage) for the other contacts it touched, stamped with the
world time of the change. The HubSpot stand-in delivers the subscribed ones (server/hubspot_webhooks.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

CHANGED_BY_ADVANCE = ("jobtitle", "lifecyclestage")


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def queue_contact_events(con: duckdb.DuckDBPyConnection, backlog: Path, since: datetime) -> int:
    """Append the window's contact events to the backlog; how many."""
    since = since.astimezone(UTC).replace(tzinfo=None) if since.tzinfo else since
    events: list[dict] = []
    for contact_id, at in con.execute(
        "SELECT id, created_at FROM hubspot_contacts WHERE created_at > ? ORDER BY created_at, id",
        [since],
    ).fetchall():
        events.append({"subscriptionType": "contact.creation", "objectId": contact_id,
                       "occurredAt": _ms(at)})  # fmt: skip
    for contact_id, at in con.execute(
        "SELECT id, archived_at FROM hubspot_contacts WHERE archived AND archived_at > ? "
        "ORDER BY archived_at, id",
        [since],
    ).fetchall():
        events.append({"subscriptionType": "contact.deletion", "objectId": contact_id,
                       "occurredAt": _ms(at)})  # fmt: skip
    columns = ", ".join(CHANGED_BY_ADVANCE)
    for contact_id, at, *values in con.execute(
        f"SELECT id, updated_at, {columns} FROM hubspot_contacts WHERE updated_at > ? "
        "AND created_at <= ? AND NOT archived ORDER BY updated_at, id",
        [since, since],
    ).fetchall():
        events += [
            {"subscriptionType": "contact.propertyChange", "objectId": contact_id,
             "occurredAt": _ms(at), "propertyName": name, "propertyValue": value}
            for name, value in zip(CHANGED_BY_ADVANCE, values, strict=True)
        ]  # fmt: skip
    with backlog.open("a") as out:
        for event in events:
            out.write(json.dumps(event) + "\n")
    return len(events)
