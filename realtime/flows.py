"""The real-time flows file (realtime/flows.yml): accepted forms, the honeypot field, and the
flows that turn activities into Salesforce writes. Every mistake is one `FlowError` line naming
the flow and the key at fault."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FLOWS_FILE = Path(__file__).with_name("flows.yml")
ACTIVITIES = ("form.submission", "email.click")
ACTIVITY_FIELDS = (
    "email", "firstname", "lastname", "company", "jobtitle", "phone", "country", "utm_source",
    "utm_medium", "utm_campaign", "gclid", "fbclid", "li_fat_id", "form_id", "form_name",
    "detail", "source", "activity",
)  # fmt: skip
ACTIONS = ("upsert_lead", "create_task")
_FORM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SF_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class FlowError(ValueError):
    """The flows file is wrong; the message names the flow and key."""


@dataclass(frozen=True)
class Flow:
    name: str
    activities: tuple[str, ...]
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # Salesforce field → activity field
    create_defaults: dict[str, str] = field(default_factory=dict)
    campaign_from: str | None = None
    campaign_status: str = "Responded"
    subject: str = "{activity}: {detail}"
    filter: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def applies(self, activity: str, values: dict[str, Any]) -> bool:
        if activity not in self.activities:
            return False
        return all(str(values.get(k) or "") in allowed for k, allowed in self.filter.items())


@dataclass(frozen=True)
class FlowsConfig:
    forms: dict[str, str]  # form id → display name
    honeypot: str | None
    flows: tuple[Flow, ...]

    def salesforce_fields(self) -> dict[str, set[str]]:
        """sObject → the fields the flows write (checked against describe before serving)."""
        wanted: dict[str, set[str]] = {"Lead": set(), "Task": set()}
        for flow in self.flows:
            if flow.action == "upsert_lead":
                wanted["Lead"] |= set(flow.fields) | set(flow.create_defaults)
        return wanted


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FlowError(f"{where} must be a mapping")
    return value


def _names(value: Any, where: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise FlowError(f"{where} must be a non-empty list; accepted: {', '.join(allowed)}")
    for item in items:
        if item not in allowed:
            raise FlowError(f"{where}: {item!r} is not one of {', '.join(allowed)}")
    return tuple(items)


def _flow(raw: Any, index: int) -> Flow:
    if not isinstance(raw, dict):
        raise FlowError(f"flows[{index}] must be a mapping with name, activities, action")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise FlowError(f"flows[{index}]: name is missing")
    where = f"flow {name}"
    known = {"name", "activities", "action", "fields", "create_defaults", "campaign_from",
             "campaign_status", "subject", "filter"}  # fmt: skip
    unknown = sorted(str(k) for k in set(raw) - known)
    if unknown:
        raise FlowError(
            f"{where}: unknown key(s) {', '.join(unknown)}; accepted: {', '.join(sorted(known))}"
        )
    action = raw.get("action")
    if action not in ACTIONS:
        raise FlowError(f"{where}: action {action!r} is not one of {', '.join(ACTIONS)}")
    fields = {str(k): v for k, v in _mapping(raw.get("fields"), f"{where}: fields").items()}
    for sf_field, source in fields.items():
        if not _SF_FIELD.match(sf_field):
            raise FlowError(f"{where}: fields: {sf_field!r} is not a Salesforce field name")
        if source not in ACTIVITY_FIELDS:
            raise FlowError(
                f"{where}: fields.{sf_field}: {source!r} is not an activity field; accepted: "
                + ", ".join(ACTIVITY_FIELDS)
            )
    defaults = {
        str(k): str(v)
        for k, v in _mapping(raw.get("create_defaults"), f"{where}: create_defaults").items()
    }
    campaign_from = raw.get("campaign_from")
    if campaign_from is not None and campaign_from not in ACTIVITY_FIELDS:
        raise FlowError(f"{where}: campaign_from: {campaign_from!r} is not an activity field")
    filters = {}
    for key, values in _mapping(raw.get("filter"), f"{where}: filter").items():
        if key not in ACTIVITY_FIELDS:
            raise FlowError(f"{where}: filter: {key!r} is not an activity field")
        items = [values] if isinstance(values, str) else values
        if not isinstance(items, list) or not items:
            raise FlowError(f"{where}: filter.{key} must list the accepted values")
        filters[key] = tuple(str(v) for v in items)
    subject = raw.get("subject", "{activity}: {detail}")
    try:
        str(subject).format(**dict.fromkeys(ACTIVITY_FIELDS, ""))
    except (KeyError, IndexError, ValueError) as exc:
        raise FlowError(
            f"{where}: subject {subject!r} uses an unknown placeholder ({exc})"
        ) from None
    return Flow(
        name,
        _names(raw.get("activities"), f"{where}: activities", ACTIVITIES),
        action,
        fields,
        defaults,
        campaign_from,
        str(raw.get("campaign_status", "Responded")),
        str(subject),
        filters,
    )


def parse_flows(raw: Any, source: str = "flows.yml") -> FlowsConfig:
    if not isinstance(raw, dict):
        raise FlowError(f"{source}: expected a mapping with forms, honeypot and flows")
    try:
        forms = {str(k): str(v) for k, v in _mapping(raw.get("forms"), "forms").items()}
        for form_id in forms:
            if not _FORM_ID.match(form_id):
                raise FlowError(f"forms: {form_id!r} is not a form id (letters, digits, - and _)")
        honeypot = raw.get("honeypot")
        if honeypot is not None and not isinstance(honeypot, str):
            raise FlowError("honeypot must be a field name")
        flows_raw = raw.get("flows") or []
        if not isinstance(flows_raw, list):
            raise FlowError("flows must be a list")
        flows = tuple(_flow(item, i) for i, item in enumerate(flows_raw))
        names = [f.name for f in flows]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise FlowError(f"flow {duplicated[0]} is declared twice")
    except FlowError as exc:
        raise FlowError(f"{source}: {exc}") from None
    return FlowsConfig(forms, honeypot, flows)


def load_flows(path: Path = DEFAULT_FLOWS_FILE) -> FlowsConfig:
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise FlowError(f"{path}: no such flows file") from None
    except yaml.YAMLError as exc:
        raise FlowError(f"{path}: not valid YAML ({exc})".replace("\n", " ")) from None
    return parse_flows(raw, str(path))
