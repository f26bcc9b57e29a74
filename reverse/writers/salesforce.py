"""Salesforce writer: sObject Collections update (by Id) and upsert (by an External ID field),
`allOrNone=false`, so each record succeeds or fails alone."""

from __future__ import annotations

from typing import Any

from connectors.salesforce import VENDOR, SalesforceClient
from reverse.specs import SyncSpec
from reverse.writers import Change, DestinationWriter, FieldInfo, WriteResult, results_by_key


class Writer(DestinationWriter[SalesforceClient]):
    """Salesforce Lead / Contact by sObject Collections update (Id) or upsert (External ID)."""

    vendor = VENDOR

    def fields(self, object_name: str) -> dict[str, FieldInfo]:
        return {
            f["name"]: FieldInfo(
                writable=bool(f.get("updateable")),
                unique=bool(f.get("externalId")),
                type=str(f.get("type", "")),
                options=tuple(
                    str(v.get("value"))
                    for v in f.get("picklistValues") or ()
                    if v.get("active", True)
                ),
            )
            for f in self.client.describe(object_name)["fields"]
        }

    def write(self, spec: SyncSpec, changes: list[Change]) -> list[WriteResult]:
        dest = spec.destination
        attributes = {"type": dest.object}
        if spec.mode == "upsert":
            records = [
                {"attributes": attributes, dest.match_field: c.key, **c.values} for c in changes
            ]
            results = self.client.collection_upsert(dest.object, dest.match_field, records)
        else:
            records = [{"attributes": attributes, "id": c.key, **c.values} for c in changes]
            results = self.client.collection_update(records)
        accepted: dict[str, str] = {}
        errors: dict[str, str] = {}
        for change, result in zip(changes, results, strict=False):
            if result.get("success"):
                accepted[change.key] = str(result.get("id") or change.key)
            else:
                errors[change.key] = "; ".join(
                    _salesforce_reason(e) for e in result.get("errors", [])
                )
        return results_by_key(changes, accepted, errors)


def _salesforce_reason(error: dict[str, Any]) -> str:
    fields = error.get("fields") or []
    where = f" (fields: {', '.join(fields)})" if fields else ""
    return f"{error.get('statusCode', 'ERROR')}: {error.get('message', '')}{where}"
