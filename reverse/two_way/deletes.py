"""`propagate_deletes: true`: when a record is deleted or merged on one side, its link is retired
(as always) and its counterpart is removed too — the Salesforce Lead/Contact moved to the recycle
bin (sObject Collections `DELETE composite/sobjects?ids=…`, up to 200 per request), the HubSpot
contact archived (`POST /crm/v3/objects/contacts/batch/archive`, up to 100). Without it the other
side is left alone. The retired link's reason says what was done with the counterpart.

Sources: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-delete.html
(≤ 200 ids of any types, `allOrNone` default false, one DeleteResult per id in order);
https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/delete-contacts
(204 without a body; archived contacts can be restored for 90 days).
"""

from __future__ import annotations

from typing import Any

from connectors.http.errors import VendorError
from connectors.salesforce import API_VERSION
from reverse.two_way.spec import CRM_SYSTEM, MAP_OBJECT, MAP_SYSTEM
from reverse.two_way.state import Link
from reverse.writers import DestinationWriter

HUBSPOT_BATCH, SALESFORCE_BATCH = 100, 200
GONE_ON_HUBSPOT = "HubSpot"  # retirement reasons start with the side whose record went


def propagate_deletes(
    writers: dict[str, DestinationWriter[Any]],
    retired: list[tuple[str, str]],
    links: dict[str, Link],
) -> list[tuple[str, str]]:
    """Remove the counterpart of each retired link (`links`: map id → the link as it was); the
    (map id, reason) pairs with what happened appended to each reason."""
    archive = [m for m, reason in retired if not reason.startswith(GONE_ON_HUBSPOT) and m in links]
    delete = [links[m].crm_id for m, reason in retired
              if reason.startswith(GONE_ON_HUBSPOT) and m in links]  # fmt: skip
    outcome: dict[str, str] = {}
    try:
        client = writers[MAP_SYSTEM].client
        for start in range(0, len(archive), HUBSPOT_BATCH):
            chunk = archive[start : start + HUBSPOT_BATCH]
            client.transport.request(
                "POST", f"/crm/v3/objects/{MAP_OBJECT}/batch/archive",
                json={"inputs": [{"id": m} for m in chunk]},
            )  # fmt: skip
            outcome.update(dict.fromkeys(chunk, "HubSpot contact archived (propagate_deletes)"))
        sf = writers[CRM_SYSTEM].client
        by_crm = {links[m].crm_id: m for m, _ in retired if m in links}
        for start in range(0, len(delete), SALESFORCE_BATCH):
            chunk = delete[start : start + SALESFORCE_BATCH]
            results = sf.transport.request(
                "DELETE", f"/services/data/{API_VERSION}/composite/sobjects",
                params={"ids": ",".join(chunk), "allOrNone": "false"},
            ).json()  # fmt: skip
            for crm_id, result in zip(chunk, results, strict=True):
                obj = links[by_crm[crm_id]].crm_object
                if result.get("success"):
                    text = f"Salesforce {obj} {crm_id} deleted (propagate_deletes)"
                else:
                    errors = "; ".join(str(e.get("message")) for e in result.get("errors") or [])
                    text = f"Salesforce {obj} {crm_id} not deleted: {errors}"
                outcome[by_crm[crm_id]] = text
    except VendorError as exc:
        for m, _ in retired:
            outcome.setdefault(m, f"counterpart not removed: {exc}")
    return [(m, f"{reason}; {outcome[m]}" if m in outcome else reason) for m, reason in retired]
