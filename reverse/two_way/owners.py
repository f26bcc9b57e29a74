"""Record owners across the two sides (`type: owner`): HubSpot owners (`GET /crm/v3/owners`) and
Salesforce users (`SELECT Id, Email FROM User`) are the same person when their e-mail addresses
match (trimmed, lower-cased).

An owner field's canonical value is the owner's address, so the HubSpot owner and the Salesforce
user of one rep compare equal; a write turns it back into the receiving side's id, and an owner
with no counterpart there cannot be written (a per-record reject naming the owner id). The table
is kept in the state (`two_way_owners`) and read from the vendors again only when a record names
an owner id it does not hold, an address has no counterpart, or it is a day old: a run with
nothing to decide sends no request.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from reverse.state import utcnow
from reverse.two_way.spec import CRM, CRM_SYSTEM, MAP, MAP_SYSTEM, TwoWaySpec
from warehouse.state_store import transaction

SCHEMA = """
create table if not exists two_way_owners (
    side text not null,
    owner_id text not null,
    email text not null,
    read_at timestamp not null,
    primary key (side, owner_id)
);
"""
MAX_AGE = timedelta(days=1)
TITLE = {MAP: "HubSpot owner", CRM: "Salesforce user"}

Table = dict[str, dict[str, str]]  # side → owner id → normalized e-mail address


def _address(email: Any) -> str:
    return str(email or "").strip().lower()


def read_vendors(writers: Mapping[str, Any]) -> Table:
    """Both sides' owners with an address, read through the writers' clients (so the requests
    count in the run)."""
    hubspot = writers[MAP_SYSTEM].client.owners()
    users = [
        r for page in writers[CRM_SYSTEM].client.query("SELECT Id, Email FROM User") for r in page
    ]
    return {
        MAP: {str(o["id"]): _address(o.get("email")) for o in hubspot if _address(o.get("email"))},
        CRM: {str(u["Id"]): _address(u.get("Email")) for u in users if _address(u.get("Email"))},
    }


def uses_owners(spec: TwoWaySpec) -> bool:
    return any(f.type == "owner" for f in spec.fields)


class Owners:
    """The owner table of both sides, read from the state and refreshed from `fetch` at most
    once per run (when an id or address is missing, or the table is older than `MAX_AGE`)."""

    def __init__(self, state: sqlite3.Connection, fetch: Callable[[], Table]) -> None:
        state.executescript(SCHEMA)
        self.state, self._fetch, self.refreshed = state, fetch, False
        self.ids: Table = {MAP: {}, CRM: {}}
        oldest = None
        for side, owner_id, email, read_at in state.execute(
            "select side, owner_id, email, read_at from two_way_owners"
        ).fetchall():
            self.ids.setdefault(side, {})[owner_id] = email
            oldest = read_at if oldest is None else min(oldest, read_at)
        self._stale = oldest is None or (
            datetime.now(UTC) - datetime.fromisoformat(oldest) > MAX_AGE
        )

    def _refresh(self) -> None:
        if self.refreshed:
            return
        self.refreshed, self.ids, now = True, self._fetch(), utcnow()
        with transaction(self.state):
            self.state.execute("delete from two_way_owners")
            self.state.executemany(
                "insert into two_way_owners values (?, ?, ?, ?)",
                [(s, i, e, now) for s, ids in self.ids.items() for i, e in ids.items()],
            )

    def email(self, side: str, owner_id: str) -> str | None:
        """The address of `side`'s owner `owner_id` (None: no such owner, or none with an address)."""
        if self._stale or owner_id not in self.ids.get(side, {}):
            self._refresh()
        return self.ids.get(side, {}).get(owner_id)

    def owner_id(self, side: str, email: str) -> str | None:
        """`side`'s owner with the address `email` (None: none has it)."""
        for attempt in (1, 2):
            found = sorted(i for i, e in self.ids.get(side, {}).items() if e == email)
            if found or attempt == 2:
                return found[0] if found else None
            self._refresh()
        return None
