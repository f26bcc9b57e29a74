"""From stored events to activities: what a person did, with the fields the flows map.

A website post carries its fields; a HubSpot webhook carries only the contact id and the property
that changed, so its contact is read back from HubSpot (one batch read per 100 events), the way
every webhook consumer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from realtime.inbox import StoredEvent

# HubSpot contact property changes that are marketing activities, and what they mean
HUBSPOT_ACTIVITY_PROPERTIES = {
    "recent_conversion_event_name": "form.submission",
    "hs_email_last_click_date": "email.click",
}
HUBSPOT_CONTACT_PROPERTIES = (
    "email", "firstname", "lastname", "company", "jobtitle", "phone", "country",
    "hs_analytics_source", "hs_analytics_source_data_1",
)  # fmt: skip
_ACTIVITY_LABELS = {"form.submission": "Form submitted", "email.click": "Email clicked"}


def email_match_key(email: object) -> str | None:
    """The key e-mails are matched on, as the dbt macro `email_match_key` computes it: trimmed
    and lower-cased; for gmail.com/googlemail.com the local part without dots and "+tag"."""
    text = str(email or "").strip().lower()
    local, at, domain = text.partition("@")
    if not at or not local or not domain or "." not in domain or " " in text:
        return None
    if domain in ("gmail.com", "googlemail.com"):
        return local.split("+", 1)[0].replace(".", "") + "@gmail.com"
    return text


def normalized_email(email: object) -> str | None:
    """Trimmed and lower-cased, when it looks like an address (what is written to Salesforce)."""
    return str(email).strip().lower() if email_match_key(email) else None


@dataclass(frozen=True)
class Activity:
    kind: str  # form.submission | email.click
    email: str
    match_key: str
    values: dict[str, Any]  # the activity fields flows map (see flows.ACTIVITY_FIELDS)
    occurred_at: datetime


def hubspot_contact_id(event: StoredEvent) -> str | None:
    """The contact a HubSpot activity event is about, when it is one the flows act on."""
    payload = event.payload
    if event.kind != "contact.propertyChange":
        return None
    if payload.get("propertyName") not in HUBSPOT_ACTIVITY_PROPERTIES:
        return None
    return str(payload.get("objectId"))


def to_activity(event: StoredEvent, contacts: dict[str, dict[str, Any]]) -> Activity | str | None:
    """The event's activity; None when no flow acts on this kind of event; a string saying what
    is wrong when the event cannot become one (missing contact or e-mail)."""
    if event.source == "website" and event.kind == "form.submission":
        values = {str(k): v for k, v in (event.payload.get("fields") or {}).items()}
        values.update(
            form_id=event.payload.get("form_id"),
            form_name=event.payload.get("form_name"),
            detail=event.payload.get("form_name"),
        )
        kind = "form.submission"
    elif event.source == "hubspot" and (contact_id := hubspot_contact_id(event)):
        properties = contacts.get(contact_id)
        if properties is None:
            return f"HubSpot contact {contact_id} was not found"
        kind = HUBSPOT_ACTIVITY_PROPERTIES[event.payload["propertyName"]]
        values = dict(properties)
        values["utm_campaign"] = properties.get("hs_analytics_source_data_1")
        values["utm_source"] = properties.get("hs_analytics_source")
        if kind == "form.submission":
            values["form_name"] = values["detail"] = event.payload.get("propertyValue")
        else:
            values["detail"] = "marketing email"
    else:
        return None
    values.update(source=event.source, activity=_ACTIVITY_LABELS[kind])
    key = email_match_key(values.get("email"))
    if key is None:
        return f"{event.source} {kind} {event.event_id}: no valid e-mail ({values.get('email')!r})"
    values["email"] = normalized_email(values["email"])
    return Activity(kind, str(values["email"]), key, values, event.occurred_at)
