"""Which inbox events are two-way record changes, and the vendors' change times as read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from realtime.inbox import StoredEvent
from realtime.worker import record_change
from reverse.two_way.values import vendor_time

PROPERTIES = frozenset({"phone", "jobtitle"})
AT = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def event(source: str, kind: str, **payload: object) -> StoredEvent:
    return StoredEvent(1, source, "e1", kind, "k", dict(payload), AT, AT, "pending", 0,
                       None, None, None)  # fmt: skip


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (
            event("hubspot", "contact.propertyChange", objectId=7, propertyName="phone"),
            ("map", "7"),
        ),
        (event("hubspot", "contact.deletion", objectId=7), ("map", "7")),
        (event("salesforce", "lead.changed", Id="00Q1"), ("crm", "00Q1")),
        (event("salesforce", "contact.changed", Id="0031"), ("crm", "0031")),
        # an unmapped property, an activity property, a website form: not two-way changes
        (
            event("hubspot", "contact.propertyChange", objectId=7, propertyName="lifecyclestage"),
            None,
        ),
        (
            event(
                "hubspot",
                "contact.propertyChange",
                objectId=7,
                propertyName="recent_conversion_event_name",
            ),
            None,
        ),
        (event("website", "form.submission", fields={}), None),
    ],
)
def test_record_change(stored: StoredEvent, expected: tuple[str, str] | None) -> None:
    assert record_change(stored, PROPERTIES) == expected


def test_vendor_times_are_read_as_utc() -> None:
    assert vendor_time("2026-12-05T12:00:00.000Z") == AT  # HubSpot
    assert vendor_time("2026-12-05T13:00:00.000+0100") == AT  # Salesforce
    assert vendor_time(None) is None
