"""HubSpot writer: CRM v3 batch update (by record id) and batch upsert (by a unique property)."""

from __future__ import annotations

import math
from typing import Any

from connectors.hubspot import VENDOR, HubSpotClient
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
