"""Salesforce changes into the inbox by a frequent incremental poll on `SystemModstamp`.

Why a poll and not Outbound Messages or the Streaming API: Outbound Messages need a workflow
rule or flow configured by an admin per object and a public HTTPS endpoint answering SOAP acks;
Change Data Capture needs a CometD/Pub-Sub gRPC client and, beyond five entities, an add-on
license. A SOQL query every minute needs only the API access the batch load already has, which
every org that runs the load allows. Its cost is bounded: one query per object per interval
(1,440 a day each at 60 s, well inside the smallest org's 24-hour allowance of 15,000 + 1,000
per license, https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm).

Each changed record becomes one event (`<Id>@<SystemModstamp>`, so a record seen again by the
overlapping window is the same event); the cursor lives in the inbox file (`cursors`), starting
at the org's newest stamp (history is the batch load's job). The window overlaps the cursor by
`OVERLAP` because a transaction can commit with a stamp a little older than a later one.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.http.errors import VendorError
from connectors.salesforce import SalesforceClient
from realtime.inbox import Event, Inbox

log = logging.getLogger("roundtrip.realtime.salesforce")

OBJECTS = {"Lead": "Email, Status, IsConverted, ConvertedContactId", "Contact": "Email, AccountId"}
OVERLAP = timedelta(seconds=60)
PAGE_LIMIT = 2000


def _stamp(text: str) -> datetime:
    """Salesforce's `2026-01-02T03:04:05.000+0000`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SalesforcePoller:
    def __init__(self, client: SalesforceClient, inbox: Inbox) -> None:
        self.client = client
        self.inbox = inbox

    def cursor(self, sobject: str) -> datetime:
        saved = self.inbox.cursor("salesforce", sobject)
        if saved is not None:
            return saved
        newest = datetime.now(UTC)
        soql = f"SELECT SystemModstamp FROM {sobject} ORDER BY SystemModstamp DESC LIMIT 1"
        for page in self.client.query(soql):
            newest = _stamp(page[0]["SystemModstamp"])
        self.inbox.set_cursor("salesforce", sobject, newest)
        return newest

    def poll_once(self) -> int:
        """Query every object's changes since its cursor; the number of new events."""
        new = 0
        for sobject, fields in OBJECTS.items():
            since = self.cursor(sobject) - OVERLAP
            soql = (
                f"SELECT Id, SystemModstamp, {fields} FROM {sobject} WHERE SystemModstamp >= "
                f"{_soql_time(since)} ORDER BY SystemModstamp LIMIT {PAGE_LIMIT}"
            )
            records: list[dict[str, Any]] = [r for page in self.client.query(soql) for r in page]
            if not records:
                continue
            events = [
                Event("salesforce", f"{r['Id']}@{r['SystemModstamp']}", f"{sobject.lower()}.changed",
                      f"salesforce:{sobject.lower()}:{r['Id']}",
                      {k: v for k, v in r.items() if k != "attributes"}, _stamp(r["SystemModstamp"]))
                for r in records
            ]  # fmt: skip
            added, _ = self.inbox.accept(events)
            new += added
            self.inbox.set_cursor("salesforce", sobject, max(e.occurred_at for e in events))
        return new

    def run(self, stopping: threading.Event, interval: float) -> None:
        while not stopping.is_set():
            try:
                found = self.poll_once()
                if found:
                    log.info("salesforce poll: %d new change(s)", found)
            except VendorError as exc:  # the next poll tries again; nothing is lost meanwhile
                log.warning("salesforce poll failed: %s", exc)
            stopping.wait(interval)
