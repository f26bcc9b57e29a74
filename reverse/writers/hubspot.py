"""HubSpot writer: CRM v3 batch update (by record id) and batch upsert (by a unique property).

The email opt-out (`hs_email_optout`) is read-only on the contact: a `true` for it is sent as an
unsubscribe through the Communication Preferences API after the property write (one call per
contact, by its email address: the batch endpoint needs Marketing Hub Enterprise); a `false` is
refused per record, because HubSpot resubscribes a contact only with their own consent.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from connectors.http.errors import BadRequest
from connectors.hubspot import OPT_OUT_CHANNELS, VENDOR, HubSpotClient
from reverse.specs import SyncSpec
from reverse.writers import Change, DestinationWriter, FieldInfo, WriteResult, results_by_key


def _hubspot_text(value: Any) -> str:
    """HubSpot property values are strings; "" clears a property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def split_opt_outs(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the properties a CRM write sets, the opt-outs the preferences API sets)."""
    return (
        {k: v for k, v in values.items() if k not in OPT_OUT_CHANNELS},
        {k: v for k, v in values.items() if k in OPT_OUT_CHANNELS},
    )


def unsubscribe(client: HubSpotClient, contact_id: str, email: str, opt_out: dict[str, Any]) -> str:
    """Unsubscribe one contact from each channel whose opt-out is true; the reason it was not
    done ("" when it was)."""
    if any(_hubspot_text(v) != "true" for v in opt_out.values()):
        return (
            f"{', '.join(sorted(opt_out))}: HubSpot resubscribes a contact only with their "
            "own consent; not sent"
        )
    if not email.strip():
        return f"contact {contact_id} has no email address to unsubscribe"
    try:
        for name in sorted(opt_out):
            client.unsubscribe_all(email.strip(), OPT_OUT_CHANNELS[name])
    except BadRequest as exc:
        return f"unsubscribe-all refused for {email.strip()}: {exc.vendor_message or exc}"
    return ""


class Writer(DestinationWriter[HubSpotClient]):
    """HubSpot CRM objects (contacts) by batch update (id) or batch upsert (a unique property)."""

    vendor = VENDOR

    def fields(self, object_name: str) -> dict[str, FieldInfo]:
        return {
            p["name"]: FieldInfo(
                writable=not (p.get("modificationMetadata") or {}).get("readOnlyValue"),
                unique=bool(p.get("hasUniqueValue")),
                type=str(p.get("type", "")),
                options=tuple(str(o.get("value")) for o in p.get("options") or ()),
            )
            for p in self.client.properties(object_name)
        }

    def write(self, spec: SyncSpec, changes: list[Change]) -> list[WriteResult]:
        split = [split_opt_outs(c.values) for c in changes]
        opt_outs = [opt_out for _, opt_out in split]
        if not any(opt_outs):
            return self._write_properties(spec, changes)
        rest = [replace(c, values=values) for c, (values, _) in zip(changes, split, strict=True)]
        properties = [c for c in rest if c.values]
        written = {r.key: r for r in self._write_properties(spec, properties)} if properties else {}
        results = [written.get(c.key, WriteResult(c.key, True, c.key)) for c in changes]
        wanted = [
            r
            for r, o in zip(results, opt_outs, strict=True)
            if r.accepted and o and all(_hubspot_text(v) == "true" for v in o.values())
        ]
        emails = (
            {str(r.record_id): str(r.key) for r in wanted}
            if spec.mode == "upsert"
            else self._emails([str(r.record_id) for r in wanted])
        )
        for n, (result, opt_out) in enumerate(zip(results, opt_outs, strict=True)):
            if result.accepted and opt_out:
                reason = unsubscribe(
                    self.client,
                    str(result.record_id),
                    emails.get(str(result.record_id), ""),
                    opt_out,
                )
                if reason:
                    results[n] = WriteResult(result.key, False, result.record_id, reason)
        return results

    def _emails(self, ids: list[str]) -> dict[str, str]:
        """Contact id → its email address (one batch read: the preferences API goes by address)."""
        found = self.client.batch_read("contacts", ids, ["email"]) if ids else []
        return {str(r["id"]): str((r.get("properties") or {}).get("email") or "") for r in found}

    def _write_properties(self, spec: SyncSpec, changes: list[Change]) -> list[WriteResult]:
        dest = spec.destination
        properties = [{k: _hubspot_text(v) for k, v in c.values.items()} for c in changes]
        if spec.mode == "upsert":
            inputs = [
                {"id": c.key, "idProperty": dest.match_field, "properties": p}
                for c, p in zip(changes, properties, strict=True)
            ]
            response = self.client.batch_upsert(dest.object, inputs)
            by_value = {c.key.strip().lower(): c.key for c in changes}
            accepted = {
                by_value[value]: str(r["id"])
                for r in response.get("results", [])
                if (
                    value := str((r.get("properties") or {}).get(dest.match_field, ""))
                    .strip()
                    .lower()
                )
                in by_value
            }
        else:
            inputs = [
                {"id": c.key, "properties": p} for c, p in zip(changes, properties, strict=True)
            ]
            response = self.client.batch_update(dest.object, inputs)
            accepted = {str(r["id"]): str(r["id"]) for r in response.get("results", [])}
        errors: dict[str, str] = {}
        for error in response.get("errors", []):
            reason = f"{error.get('category', 'ERROR')}: {error.get('message', '')}".strip()
            for key in (error.get("context") or {}).get("ids", []):
                errors[str(key)] = reason
        return results_by_key(changes, accepted, errors)
