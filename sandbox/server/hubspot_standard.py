"""HubSpot's standard objects beyond the three the world fills, object-type names, owners and
pipelines: what open-source HubSpot connectors ask for on their first requests.

- Object types are accepted as HubSpot accepts them: plural (`contacts`), singular (`contact`)
  or type id (`0-1`), any case. Standard objects the company has no records of (tickets,
  products, line items, quotes, engagements) list and search empty and describe HubSpot's own
  core property definitions (a subset: the ones connectors select and sort by).
- `GET /crm/v3/owners`: the owners the records already reference (`hubspot_owner_id`); the world
  keeps only their ids, so names and e-mail addresses are derived from the id.
- `GET /crm/v3/pipelines/deals`: the `default` pipeline with the stages the deals use, labels
  and probabilities as HubSpot's default sales pipeline has them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.common import Endpoint, VendorContext, json_response

# plural name → (object type id, singular)
STANDARD: dict[str, tuple[str, str]] = {
    "contacts": ("0-1", "contact"), "companies": ("0-2", "company"), "deals": ("0-3", "deal"),
    "tickets": ("0-5", "ticket"), "products": ("0-7", "product"), "line_items": ("0-8", "line_item"),
    "quotes": ("0-14", "quote"), "tasks": ("0-27", "task"), "notes": ("0-46", "note"),
    "meetings": ("0-47", "meeting"), "calls": ("0-48", "call"), "emails": ("0-49", "email"),
    "feedback_submissions": ("0-19", "feedback_submission"), "goal_targets": ("0-74", "goal_target"),
    "leads": ("0-136", "lead"), "deal_splits": ("", "deal_split"), "forms": ("0-28", "form"),
}  # fmt: skip
_ALIASES = {
    alias: plural for plural, (type_id, singular) in STANDARD.items()
    for alias in (plural, singular, type_id) if alias
}  # fmt: skip
_MODIFIED = "hs_lastmodifieddate"
# HubSpot-defined core properties of the objects the world has no records of: name → (label,
# type, fieldType)
_ENGAGEMENT = {
    "hs_timestamp": ("Activity date", "datetime", "date"),
    "hubspot_owner_id": ("Activity assigned to", "enumeration", "select"),
}
CORE_PROPERTIES: dict[str, dict[str, tuple[str, str, str]]] = {
    "tickets": {
        "subject": ("Ticket name", "string", "text"),
        "content": ("Ticket description", "string", "textarea"),
        "hs_pipeline": ("Pipeline", "enumeration", "select"),
        "hs_pipeline_stage": ("Ticket status", "enumeration", "select"),
        "hs_ticket_priority": ("Priority", "enumeration", "select"),
        "hubspot_owner_id": ("Ticket owner", "enumeration", "select"),
    },
    "products": {
        "name": ("Name", "string", "text"),
        "description": ("Description", "string", "textarea"),
        "price": ("Unit price", "number", "number"),
        "hs_sku": ("SKU", "string", "text"),
    },
    "line_items": {
        "name": ("Name", "string", "text"),
        "quantity": ("Quantity", "number", "number"),
        "price": ("Unit price", "number", "number"),
        "amount": ("Net price", "number", "calculation_equation"),
        "hs_product_id": ("Product ID", "number", "number"),
    },
    "quotes": {
        "hs_title": ("Quote name", "string", "text"),
        "hs_expiration_date": ("Quote expiration date", "datetime", "date"),
        "hs_status": ("Quote approval status", "enumeration", "select"),
    },
    "tasks": {**_ENGAGEMENT, "hs_task_subject": ("Task title", "string", "text"),
              "hs_task_status": ("Task status", "enumeration", "select")},
    "notes": {**_ENGAGEMENT, "hs_note_body": ("Note body", "string", "html")},
    "meetings": {**_ENGAGEMENT, "hs_meeting_title": ("Meeting name", "string", "text"),
                 "hs_meeting_start_time": ("Start time", "datetime", "date")},
    "calls": {**_ENGAGEMENT, "hs_call_title": ("Call title", "string", "text"),
              "hs_call_duration": ("Call duration", "number", "number")},
    "emails": {**_ENGAGEMENT, "hs_email_subject": ("Email subject", "string", "text"),
               "hs_email_direction": ("Email direction", "enumeration", "select")},
    "feedback_submissions": {"hs_survey_type": ("Survey type", "enumeration", "select")},
    "goal_targets": {"hs_goal_name": ("Goal name", "string", "text")},
    "leads": {"hs_lead_name": ("Lead name", "string", "text"),
              "hs_pipeline_stage": ("Lead stage", "enumeration", "select")},
    "deal_splits": {"hs_deal_split_percentage": ("Split percentage", "number", "number")},
    "forms": {"hs_form_id": ("Form ID", "string", "text")},
}  # fmt: skip
# HubSpot's default sales pipeline: stage → (label, probability)
DEAL_STAGES: dict[str, tuple[str, str]] = {
    "appointmentscheduled": ("Appointment Scheduled", "0.2"),
    "qualifiedtobuy": ("Qualified To Buy", "0.4"),
    "presentationscheduled": ("Presentation Scheduled", "0.6"),
    "decisionmakerboughtin": ("Decision Maker Bought-In", "0.8"),
    "contractsent": ("Contract Sent", "0.9"),
    "closedwon": ("Closed Won", "1.0"),
    "closedlost": ("Closed Lost", "0.0"),
}
DEFINED_AT = "2020-01-01T00:00:00.000Z"  # when the portal's defaults were created


def canonical(name: str) -> str | None:
    """The plural name of a standard object type given any accepted spelling, else None."""
    return _ALIASES.get(name.strip().lower())


def singular(plural: str) -> str:
    return STANDARD[plural][1]


def owner(owner_id: str) -> dict[str, Any]:
    return {
        "id": owner_id,
        "email": f"owner-{owner_id}@sandbox.invalid",
        "type": "PERSON",
        "firstName": "Owner",
        "lastName": owner_id,
        "userId": int(owner_id),
        "createdAt": DEFINED_AT,
        "updatedAt": DEFINED_AT,
        "archived": False,
        "teams": [],
    }


def endpoints(ctx: VendorContext) -> list[Endpoint]:
    async def owners(request: Request) -> Response:
        """Owners referenced by contacts or deals, by id; `limit`/`after` paging."""
        rows = ctx.db.execute(
            "SELECT DISTINCT hubspot_owner_id FROM (SELECT hubspot_owner_id FROM hubspot_contacts "
            "UNION ALL SELECT hubspot_owner_id FROM hubspot_deals) WHERE hubspot_owner_id IS NOT "
            "NULL ORDER BY 1"
        ).fetchall()
        ids = [str(r[0]) for r in rows]
        after = request.query_params.get("after", "")
        limit = min(int(request.query_params.get("limit") or 100), 500)
        start = ids.index(after) + 1 if after in ids else 0
        page = ids[start : start + limit]
        body: dict[str, Any] = {"results": [owner(i) for i in page]}
        if start + limit < len(ids):
            body["paging"] = {"next": {"after": page[-1]}}
        return json_response(body)

    async def pipelines(request: Request) -> Response:
        """The deal pipeline the deals use (other objects: none in this portal)."""
        if canonical(request.path_params["objectType"]) != "deals":
            return json_response({"results": []})
        used = {
            r[0] for r in ctx.db.execute("SELECT DISTINCT dealstage FROM hubspot_deals").fetchall()
        }
        stages = [
            {
                "id": stage,
                "label": label,
                "displayOrder": order,
                "metadata": {
                    "isClosed": str(stage.startswith("closed")).lower(),
                    "probability": probability,
                },
                "createdAt": DEFINED_AT,
                "updatedAt": DEFINED_AT,
                "archived": False,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            }
            for order, (stage, (label, probability)) in enumerate(DEAL_STAGES.items())
            if stage in used
        ]
        pipeline = {
            "id": "default",
            "label": "Sales Pipeline",
            "displayOrder": 0,
            "stages": stages,
            "createdAt": DEFINED_AT,
            "updatedAt": DEFINED_AT,
            "archived": False,
        }
        return json_response({"results": [pipeline]})

    return [
        Endpoint("/crm/v3/owners", owners),
        Endpoint("/crm/v3/owners/", owners),
        Endpoint("/crm/v3/pipelines/{objectType}", pipelines),
    ]
