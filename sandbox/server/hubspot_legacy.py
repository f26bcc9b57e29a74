"""HubSpot's legacy CRM endpoints that maintained taps still call (singer-io `tap-hubspot`):

- `GET /companies/v2/properties`, `GET /properties/v1/{objectType}/properties`: property
  definitions (the v2 list shape);
- `GET /companies/v2/companies/paged` (`limit` ≤ 250, `offset`, `properties`) →
  `{"companies", "has-more", "offset"}`; `GET /companies/v2/companies/{companyId}` (every property);
- `GET /deals/v1/deal/paged` (`limit` ≤ 250, `offset`, `properties`, `includeAllProperties`,
  `includeAssociations`) → `{"deals", "hasMore", "offset"}`;
- `GET /companies/v2/companies/recent/modified`, `GET /deals/v1/deal/recent/modified` (`count`
  ≤ 100, `offset`, `since` in ms) → `{"results", "hasMore", "offset", "total"}`, newest first.

Records carry each property as `{"value", "timestamp", "source", "sourceId", "versions"}`, values
as strings (dates in epoch milliseconds), as the v1/v2 APIs did. Offsets are positions in id
order. Archived records are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.common import Endpoint, VendorError, json_response
from sandbox.server.hubspot_errors import error_body

if TYPE_CHECKING:
    from sandbox.server.hubspot_crm import Crm, ObjectType

PORTAL_ID = 1  # the sandbox's single HubSpot account
PAGE_MAX = 250
RECENT_MAX = 100
_KEYS = {"companies": "companyId", "deals": "dealId"}


def legacy_properties(obj: ObjectType, row: tuple, props: list[str]) -> dict[str, Any]:
    """`{name: {"value", "timestamp", "source", "sourceId", "versions"}}` for the set ones."""
    record_id, created_ms, updated_ms, _archived, _archived_ms, *values = row
    head = (record_id, created_ms, updated_ms)
    stored = iter(values)
    out = {}
    for name in props:
        derived = obj.props[name].derived
        value = next(stored) if derived is None else head[derived]
        if value is None:
            continue
        version = {"name": name, "value": str(value), "timestamp": updated_ms, "source": "API",
                   "sourceVid": []}  # fmt: skip
        out[name] = {"value": str(value), "timestamp": updated_ms, "source": "API",
                     "sourceId": None, "versions": [version]}  # fmt: skip
    return out


def endpoints(crm: Crm) -> list[Endpoint]:
    def rows(
        obj: ObjectType, props: list[str], where: str, order: str, limit: int, offset: int,
        args: list[Any],
    ) -> list[tuple]:  # fmt: skip
        return crm.ctx.db.execute(
            f"{crm.select(obj, props)} WHERE NOT archived{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, limit + 1, offset],
        ).fetchall()

    def requested(obj: ObjectType, request: Request) -> list[str]:
        query = request.query_params
        if query.get("includeAllProperties", "").lower() == "true":
            return list(obj.props)
        return crm.wanted(obj, query.getlist("properties") + query.getlist("property"))

    def record(obj: ObjectType, row: tuple, props: list[str], associations: bool) -> dict:
        out: dict[str, Any] = {
            "portalId": PORTAL_ID,
            _KEYS[obj.name]: row[0],
            "isDeleted": False,
            "properties": legacy_properties(obj, row, props),
        }
        if associations:
            out["associations"] = {"associatedVids": [], "associatedCompanyIds": [],
                                   "associatedDealIds": [], "associatedTicketIds": []}  # fmt: skip
        return out

    def paged(object_type: str, list_key: str, more_key: str):
        async def handler(request: Request) -> Response:
            obj = crm.object_type(object_type)
            query = request.query_params
            limit = crm.int_param(query.get("limit"), "limit", 100, PAGE_MAX)
            offset = crm.int_param(query.get("offset"), "offset", 0, 2**62)
            props = requested(obj, request)
            found = rows(obj, props, "", "id", limit, offset, [])
            include = query.get("includeAssociations", "").lower() == "true"
            body = {
                list_key: [record(obj, row, props, include) for row in found[:limit]],
                more_key: len(found) > limit,
                "offset": offset + min(len(found), limit),
            }
            return crm.ctx.page(body)

        return handler

    def recent(object_type: str):
        async def handler(request: Request) -> Response:
            obj = crm.object_type(object_type)
            query = request.query_params
            count = crm.int_param(query.get("count"), "count", 20, RECENT_MAX)
            offset = crm.int_param(query.get("offset"), "offset", 0, 2**62)
            since = crm.int_param(query.get("since"), "since", 0, 2**62)
            props = list(obj.props)
            where, args = " AND epoch_ms(updated_at) >= ?", [since]
            found = rows(obj, props, where, "updated_at DESC, id", count, offset, args)
            (total,) = crm.ctx.db.execute(
                f"SELECT count(*) FROM {obj.table} WHERE NOT archived{where}", args
            ).fetchone()
            body = {
                "results": [record(obj, row, props, False) for row in found[:count]],
                "hasMore": len(found) > count,
                "offset": offset + min(len(found), count),
                "total": total,
            }
            return crm.ctx.page(body)

        return handler

    async def company(request: Request) -> Response:
        obj = crm.object_type("companies")
        key = request.path_params["companyId"]
        found = (
            rows(obj, list(obj.props), " AND id = ?", "id", 1, 0, [int(key)])
            if key.isdigit()
            else []
        )
        if not found:
            raise VendorError(
                json_response(error_body("resource not found", "OBJECT_NOT_FOUND"), 404)
            )
        return json_response(record(obj, found[0], list(obj.props), False))

    async def company_properties(request: Request) -> Response:
        request.path_params["objectType"] = "companies"
        return await crm.legacy_properties(request)

    return [
        Endpoint("/companies/v2/properties", company_properties),
        Endpoint("/properties/v1/{objectType}/properties", crm.legacy_properties),
        Endpoint("/companies/v2/companies/paged", paged("companies", "companies", "has-more")),
        Endpoint("/companies/v2/companies/recent/modified", recent("companies")),
        Endpoint("/companies/v2/companies/{companyId}", company),
        Endpoint("/deals/v1/deal/paged", paged("deals", "deals", "hasMore")),
        Endpoint("/deals/v1/deal/recent/modified", recent("deals")),
    ]
