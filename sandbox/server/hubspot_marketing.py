"""HubSpot marketing: email events (legacy v1), forms (v3 and legacy v2), form submissions.

Email events page by an opaque `offset` (a keyset on created time and id); form submissions come
newest first and page with `after` (limit ≤ 50), like HubSpot's form-integrations API.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import duckdb
import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.common import Endpoint, VendorContext, VendorError, VendorPolicy, json_response
from sandbox.server.scan_cache import ScanCache

EVENTS_MAX = 1000
SUBMISSIONS_MAX = 50
EVENT_TYPES = ("SENT", "DELIVERED", "OPEN", "CLICK", "BOUNCE", "UNSUBSCRIBED", "PROCESSED",
               "DROPPED", "DEFERRED", "SPAMREPORT", "STATUSCHANGE")  # fmt: skip


def encode_cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(parts)).decode().rstrip("=")


def decode_cursor(text: str) -> list[Any]:
    return orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def limit_clause(rows: int | None) -> str:
    return "" if rows is None else f" LIMIT {int(rows)}"


def _from_ms(value: str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC).replace(tzinfo=None)


class Marketing:
    def __init__(self, ctx: VendorContext, policy: VendorPolicy) -> None:
        self.ctx = ctx
        self.policy = policy
        self.scans = ScanCache()  # email events and submissions never change while serving

    def bad(self, message: str, status: int = 400) -> VendorError:
        return VendorError(self.policy.error(status, message))

    def limit(self, value: str | None, default: int, maximum: int) -> int:
        try:
            limit = int(value) if value else default
        except ValueError:
            raise self.bad(f"limit must be an integer, got {value!r}") from None
        if not 1 <= limit <= maximum:
            raise self.bad(f"limit must be between 1 and {maximum}, got {limit}")
        return limit

    def cursor(self, value: str | None, name: str) -> list[Any] | None:
        if not value:
            return None
        try:
            return decode_cursor(value)
        except ValueError:
            raise self.bad(f"Invalid {name} value {value!r}") from None

    async def email_events(self, request: Request) -> Response:
        query = request.query_params
        limit = self.limit(query.get("limit"), 100, EVENTS_MAX)
        where, params = ["true"], []
        for name, op in (("startTimestamp", ">="), ("endTimestamp", "<=")):
            if query.get(name):
                try:
                    params.append(_from_ms(query[name]))
                except ValueError:
                    raise self.bad(
                        f"{name} must be epoch milliseconds, got {query[name]!r}"
                    ) from None
                where.append(f"e.created {op} ?")
        if query.get("eventType"):
            event_type = query["eventType"].upper()
            if event_type not in EVENT_TYPES:
                raise self.bad(
                    f"eventType {query['eventType']!r} is not one of {list(EVENT_TYPES)}"
                )
            where.append("e.type = ?")
            params.append(event_type)
        for name, column in (("campaignId", "e.email_campaign_id"), ("recipient", "e.recipient")):
            if query.get(name):
                where.append(f"{column} = ?")
                params.append(int(query[name]) if name == "campaignId" else query[name])
        after = self.cursor(query.get("offset"), "offset")

        def read(n: int | None) -> duckdb.DuckDBPyConnection:
            conditions, values = list(where), list(params)
            if after is not None:
                # keyset on (created, id) written on the bare column so DuckDB can skip row groups
                # (an expression such as epoch_ms(created) forces a full scan per page)
                conditions.append(
                    "e.created >= make_timestamp(?) AND (e.created > make_timestamp(?) OR e.id > ?)"
                )
                values.extend([after[0], after[0], after[1]])
            return self.ctx.db.cursor().execute(
                "SELECT e.id, e.type, e.recipient, epoch_ms(e.created), e.email_campaign_id, "
                "e.url, epoch_us(e.created) FROM hubspot_email_events e "
                f"WHERE {' AND '.join(conditions)} ORDER BY e.created, e.id{limit_clause(n)}",
                values,
            )

        rows = self.scans.page(
            ("email_events", *where, *params),
            None if after is None else tuple(after),
            limit,
            read,
            lambda row: (row[6], row[0]),
        )
        more = len(rows) > limit
        events = []
        for event_id, kind, recipient, created, campaign_id, url, _us in rows[:limit]:
            event = {"id": event_id, "type": kind, "recipient": recipient, "created": created,
                     "emailCampaignId": campaign_id, "appName": "BatchEmail", "portalId": 1,
                     "sentBy": {"id": f"sent-{campaign_id}", "created": created}}  # fmt: skip
            if url:
                event["url"] = url
            events.append(self.ctx.faults.drift(event))
        body: dict[str, Any] = {"events": events, "hasMore": more}
        if events:
            last = rows[limit - 1] if more else rows[-1]
            body["offset"] = encode_cursor(last[6], last[0])
        return self.ctx.page(body)

    def forms(self) -> list[tuple[str, str, int]]:
        return self.ctx.db.execute(
            "SELECT guid, name, epoch_ms(created_at) FROM hubspot_forms ORDER BY created_at, guid"
        ).fetchall()

    async def forms_v3(self, request: Request) -> Response:
        iso = lambda ms: datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
        results = [
            {"id": guid, "name": name, "formType": "hubspot", "createdAt": iso(ms),
             "updatedAt": iso(ms), "archived": False, "fieldGroups": []}
            for guid, name, ms in self.forms()
        ]  # fmt: skip
        return json_response({"results": results})

    async def forms_v2(self, request: Request) -> Response:
        return json_response(
            [
                {"guid": guid, "name": name, "createdAt": ms, "updatedAt": ms,
                 "formFieldGroups": [], "portalId": 1}
                for guid, name, ms in self.forms()
            ]
        )  # fmt: skip

    async def submissions(self, request: Request) -> Response:
        guid = request.path_params["formGuid"]
        if not self.ctx.db.execute("SELECT 1 FROM hubspot_forms WHERE guid = ?", [guid]).fetchone():
            raise self.bad(f"Form {guid!r} not found", 404)
        query = request.query_params
        limit = self.limit(query.get("limit"), 20, SUBMISSIONS_MAX)
        after = self.cursor(query.get("after"), "after")

        def read(n: int | None) -> duckdb.DuckDBPyConnection:
            where, params = "form_guid = ?", [guid]
            if after is not None:  # keyset on the bare column (see email_events)
                where += (
                    " AND submitted_at <= make_timestamp(?)"
                    " AND (submitted_at < make_timestamp(?) OR conversion_id < ?)"
                )
                params.extend([after[0], after[0], after[1]])
            return self.ctx.db.cursor().execute(
                'SELECT conversion_id, epoch_ms(submitted_at), page_url, "values", '
                f"epoch_us(submitted_at) FROM hubspot_form_submissions WHERE {where} "
                f"ORDER BY submitted_at DESC, conversion_id DESC{limit_clause(n)}",
                params,
            )

        rows = self.scans.page(
            ("form_submissions", guid),
            None if after is None else tuple(after),
            limit,
            read,
            lambda row: (row[4], row[0]),
        )
        more = len(rows) > limit
        results = [
            self.ctx.faults.drift(
                {"conversionId": cid, "submittedAt": ms, "values": orjson.loads(values),
                 "pageUrl": page_url}
            )
            for cid, ms, page_url, values, _us in rows[:limit]
        ]  # fmt: skip
        body: dict[str, Any] = {"results": results}
        if more:
            last = rows[limit - 1]
            cursor = encode_cursor(last[4], last[0])
            params_ = [(k, v) for k, v in query.multi_items() if k != "after"]
            link = (
                f"{self.ctx.base_url}{request.url.path}?{urlencode([*params_, ('after', cursor)])}"
            )
            body["paging"] = {"next": {"after": cursor, "link": link}}
        return self.ctx.page(body)


def endpoints(ctx: VendorContext, policy: VendorPolicy) -> list[Endpoint]:
    marketing = Marketing(ctx, policy)
    return [
        Endpoint("/email/public/v1/events", marketing.email_events),
        Endpoint("/marketing/v3/forms", marketing.forms_v3),
        Endpoint("/marketing/v3/forms/", marketing.forms_v3),
        Endpoint("/forms/v2/forms", marketing.forms_v2),
        Endpoint("/form-integrations/v1/submissions/forms/{formGuid}", marketing.submissions),
    ]
