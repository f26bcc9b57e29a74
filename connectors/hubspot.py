"""HubSpot read client: CRM v3 list and search, v4 associations, email events, forms.

Every iterator yields one page (a list of raw records) at a time; cursor-paged endpoints follow
`next_after` (`paging.next.after`) until it is gone. Search is how incremental loads find changed
records; it caps every query at 10,000 results (paging past it is a 400), and month-end bulk
updates put more than that on one timestamp. So when a query reaches the cap, the rest of the
last timestamp is read by `hs_object_id` (itself restarted at each cap), then the query resumes
strictly after that timestamp: no loop, no gap, no duplicate.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Generator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from connectors.api_versions import spoken
from connectors.client import VendorClient
from connectors.http.policy import ErrorInfo, Limiters, VendorPolicy, json_body
from connectors.http.ratelimit import RateLimit
from connectors.http.status import Disposition
from connectors.vendor import Table, Vendor, WritableObject

# The modified-date property search filters on: `lastmodifieddate` for contacts,
# `hs_lastmodifieddate` for the other objects.
CURSOR_PROPERTY = {"contacts": "lastmodifieddate"}
DEFAULT_CURSOR_PROPERTY = "hs_lastmodifieddate"
ID_PROPERTY = "hs_object_id"
# The Communication Preferences API is date-versioned (2026-03; v3/v4 are its legacy paths), like
# the OAuth token endpoint: the version is in the path, not in connectors/api_versions.yml's CRM v3.
PREFERENCES_VERSION = "2026-03"
# Read-only contact properties (`readOnlyValue`) that only the preferences API sets: property →
# the channel whose unsubscribe-all makes it true. Opting back in needs the contact's own consent.
OPT_OUT_CHANNELS = {"hs_email_optout": "EMAIL"}

Page = list[dict[str, Any]]


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def next_after(data: Mapping[str, Any]) -> str | None:
    """The cursor of the page after `data` (`paging.next.after`, on every CRM v3, marketing v3
    and form-integrations list), None on the last page."""
    after = ((data.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after else None


def record_ms(record: Mapping[str, Any], prop: str) -> int:
    """A record's value of `prop` as epoch ms (HubSpot sends ISO strings or ms strings)."""
    value = (record.get("properties") or {}).get(prop) or record.get("updatedAt")
    text = str(value)
    if text.isdigit():
        return int(text)
    return epoch_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


# A learned rolling window is this much longer than the advertised one.
LEARNED_WINDOW_MARGIN = 1.02


class HubSpotPolicy(VendorPolicy):
    """100 requests per rolling 10 s (Free/Starter; 190 on Pro/Enterprise: override "default"),
    search endpoints about 4 per second; the advertised limit is learned from the headers (`adapt`).
    """

    name = "hubspot"
    default_limits: ClassVar[Mapping[str, RateLimit | None]] = {
        "default": RateLimit(100, 10.0),
        "search": RateLimit(4, 1.0),
    }

    def limit_names(self, method: str, path: str) -> tuple[str, ...]:
        return ("default", "search") if path.rstrip("/").endswith("/search") else ("default",)

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = json_body(response)
        if not isinstance(body, dict) or "message" not in body:
            return super().parse_error(response)
        code = str(body.get("category") or body.get("errorType") or "")
        policy = body.get("policyName")
        if policy:
            code = f"{code}:{policy}"
        scopes: list[str] = []
        for error in body.get("errors") or []:
            context = (error.get("context") or {}) if isinstance(error, dict) else {}
            scopes += context.get("requiredGranularScopes") or context.get("requiredScopes") or []
        return ErrorInfo(str(body["message"]), code, tuple(dict.fromkeys(scopes)))

    def classify(self, status: int, info: ErrorInfo) -> Disposition:
        if status == 429 and info.code.endswith(":DAILY"):
            return Disposition.QUOTA
        return super().classify(status, info)

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        """Once the headers show the account's window being used (Remaining < Max) and no limit
        is configured, pace to the advertised one; otherwise `Remaining: 0` pauses one interval
        (a configured limit may be looser than the account's, e.g. shared with other apps)."""
        headers = response.headers
        maximum = headers.get("X-HubSpot-RateLimit-Max")
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if remaining is None or interval is None:
            return
        limiter = limiters("default")
        with contextlib.suppress(ValueError):
            seconds = float(interval) / 1000
            if maximum is not None and int(remaining) < int(maximum):
                # the vendor counts arrivals, we count starts: keep a margin for network jitter
                limit = RateLimit(int(maximum), seconds * LEARNED_WINDOW_MARGIN)
                limiter.learn(limit, used=int(maximum) - int(remaining))
            if int(remaining) == 0 and not limiter.learned:
                limiter.pause(seconds)


class HubSpotClient(VendorClient):
    vendor = "hubspot"
    policy = HubSpotPolicy
    default_base_url = "https://api.hubapi.com"
    # OAuth v1 is deprecated from 2027-02-16 (connectors/api_versions.yml, hubspot)
    default_token_url = "https://api.hubapi.com/oauth/2026-03/token"
    list_limit = 100  # the API's maximum
    search_limit = 200  # the API's maximum
    search_cap = 10_000  # results one search query can page through
    association_batch = 100
    email_events_limit = 1000
    submissions_limit = 50
    batch_limit = 100  # inputs per batch read/update/upsert
    # inputs per batch read asking for property histories: "The maximum number of inputs
    # supported in a batch request for property histories is 50" (HubSpot's 400; seen in
    # https://github.com/PipedreamHQ/pipedream/pull/8462)
    history_batch_limit = 50

    # ------------------------------------------------------------------ definitions
    def properties(self, object_type: str) -> list[dict[str, Any]]:
        """Property definitions (name, type, …): where column types come from."""
        return self.transport.get_json(f"/crm/v3/properties/{object_type}")["results"]

    def batch_read(
        self,
        object_type: str,
        ids: Sequence[str],
        properties: Sequence[str],
        with_history: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """`POST /crm/v3/objects/{type}/batch/read` (at most 100 ids, 50 `with_history`): the
        records found, each `{"id", "properties"}` and, for `with_history`,
        `"propertiesWithHistory": {name: [{value, timestamp, sourceType}, …newest first]}`; ids
        HubSpot does not have are left out."""
        body: dict[str, Any] = {"inputs": [{"id": i} for i in ids], "properties": list(properties)}
        if with_history:
            body["propertiesWithHistory"] = list(with_history)
        data = self.transport.post_json(f"/crm/v3/objects/{object_type}/batch/read", body)
        return list(data.get("results", []))

    def set_webhook_target(self, app_id: str, developer_api_key: str, target_url: str) -> None:
        """`PUT /webhooks/v3/{appId}/settings`: where HubSpot sends the app's webhook events
        (authenticated with the developer account's API key, not the portal's token)."""
        self.transport.request(
            "PUT",
            f"/webhooks/v3/{app_id}/settings",
            params={"hapikey": developer_api_key},
            json={"targetUrl": target_url, "throttling": {"period": "SECONDLY",
                                                          "maxConcurrentRequests": 10}},
        )  # fmt: skip

    def subscribe_webhooks(
        self, app_id: str, developer_api_key: str, subscriptions: Sequence[tuple[str, str | None]]
    ) -> None:
        """`POST /webhooks/v3/{appId}/subscriptions` for each (eventType, propertyName or None)."""
        for event_type, prop in subscriptions:
            body: dict[str, Any] = {"eventType": event_type, "active": True}
            if prop:
                body["propertyName"] = prop
            self.transport.request(
                "POST", f"/webhooks/v3/{app_id}/subscriptions",
                params={"hapikey": developer_api_key}, json=body,
            )  # fmt: skip

    # ------------------------------------------------------------------ owners
    def owners(self) -> list[dict[str, Any]]:
        """`GET /crm/v3/owners`: every owner (`id`, `email`, `userId`, …), paged by `after`.
        https://developers.hubspot.com/docs/api-reference/crm-crm-owners-v3/guide (scope crm.objects.owners.read)"""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 500}
        while True:
            data = self.transport.get_json("/crm/v3/owners", params=params)
            found += data.get("results") or []
            after = next_after(data)
            if after is None:
                return found
            params["after"] = after

    # ------------------------------------------------------------------ communication preferences
    def unsubscribe_all(self, email: str, channel: str = "EMAIL") -> dict[str, Any]:
        """Unsubscribe the contact with this address from all `channel` communication (no body;
        `verbose=true` makes HubSpot list the statuses it changed). The opt-out properties are
        read-only: this is the only way to set them (`OPT_OUT_CHANNELS`).
        https://developers.hubspot.com/docs/api-reference/2026-03/communication-preferences/guide"""
        return self.transport.post_json(
            f"/communication-preferences/{PREFERENCES_VERSION}/statuses/{quote(email, safe='@')}"
            "/unsubscribe-all",
            None,
            params={"channel": channel, "verbose": "true"},
        )

    # ------------------------------------------------------------------ batch writes
    def batch_update(self, object_type: str, inputs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """`POST /crm/v3/objects/{type}/batch/update` with at most `batch_limit` inputs
        `{"id", "properties"}`: 200 when all were written, 207 with `errors` (e.g. OBJECT_NOT_FOUND
        naming the ids) when some were not; a 400 (one invalid value) rejects the whole batch."""
        return self.transport.post_json(
            f"/crm/v3/objects/{object_type}/batch/update", {"inputs": list(inputs)}
        )

    def batch_upsert(self, object_type: str, inputs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """`POST /crm/v3/objects/{type}/batch/upsert`: inputs `{"id", "idProperty", "properties"}`
        update the record whose unique `idProperty` equals `id`, or create it."""
        return self.transport.post_json(
            f"/crm/v3/objects/{object_type}/batch/upsert", {"inputs": list(inputs)}
        )

    # ------------------------------------------------------------------ list
    def list_objects(
        self, object_type: str, properties: Sequence[str], *, archived: bool = False
    ) -> Iterator[Page]:
        """Every record (or every archived one: archiving does not bump the modified date)."""
        params: dict[str, Any] = {
            "limit": self.list_limit,
            "properties": ",".join(properties),
            "archived": str(archived).lower(),
        }
        while True:
            data = self.transport.get_json(f"/crm/v3/objects/{object_type}", params=params)
            if data.get("results"):
                yield data["results"]
            after = next_after(data)
            if after is None:
                return
            params["after"] = after

    # ------------------------------------------------------------------ search
    def search_modified_since(
        self, object_type: str, properties: Sequence[str], since: datetime
    ) -> Iterator[Page]:
        """Records modified at or after `since`, oldest first, across the 10k-per-query cap."""
        cursor = CURSOR_PROPERTY.get(object_type, DEFAULT_CURSOR_PROPERTY)
        props = list(dict.fromkeys([*properties, cursor, ID_PROPERTY]))
        floor, operator = epoch_ms(since), "GTE"
        while True:
            last = _LastTimestamp(cursor)
            capped = yield from self._search(
                object_type, [_filter(cursor, operator, floor)], cursor, props, on_page=last.track
            )
            if not capped or last.value is None:
                return
            yield from self._rest_of_timestamp(object_type, cursor, last.value, last.ids, props)
            floor, operator = last.value, "GT"

    def _rest_of_timestamp(
        self, object_type: str, cursor: str, moment: int, seen: set[str], props: list[str]
    ) -> Iterator[Page]:
        """Records on exactly `moment` not yet seen, by ascending id, restarting at each cap."""
        floor_id = "0"
        last_ids: list[str] = []
        while True:
            filters = [_filter(cursor, "EQ", moment), _filter(ID_PROPERTY, "GT", floor_id)]
            capped = yield from self._search(
                object_type,
                filters,
                ID_PROPERTY,
                props,
                on_page=lambda page: last_ids.append(str(page[-1]["id"])),
                skip_ids=seen,
            )
            if not capped or not last_ids:
                return
            floor_id = last_ids[-1]

    def _search(
        self,
        object_type: str,
        filters: list[dict[str, str]],
        sort_property: str,
        props: list[str],
        *,
        on_page: Callable[[Page], None],
        skip_ids: Collection[str] = (),
    ) -> Generator[Page, None, bool]:
        """Page through one search query; return True when it stopped at the 10k cap."""
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort_property, "direction": "ASCENDING"}],
            "properties": props,
            "limit": self.search_limit,
        }
        path = f"/crm/v3/objects/{object_type}/search"
        while True:
            data = self.transport.post_json(path, body)
            results = data.get("results") or []
            if results:
                on_page(results)
                fresh = [r for r in results if str(r.get("id")) not in skip_ids]
                if fresh:
                    yield fresh
            after = next_after(data)
            if after is None:
                return False
            if int(after) >= self.search_cap:
                return True
            body["after"] = after

    # ------------------------------------------------------------------ associations
    def associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> Iterator[Page]:
        """Rows {from_id, to_id, association_type_id} for the given records (v4 batch read)."""
        path = f"/crm/v4/associations/{from_type}/{to_type}/batch/read"
        for start in range(0, len(ids), self.association_batch):
            chunk = ids[start : start + self.association_batch]
            data = self.transport.post_json(path, {"inputs": [{"id": str(i)} for i in chunk]})
            rows = [
                {
                    "from_id": result["from"]["id"],
                    "to_id": target["toObjectId"],
                    "association_type_id": kind.get("typeId"),
                }
                for result in data.get("results") or []
                for target in result.get("to") or []
                for kind in target.get("associationTypes") or [{}]
            ]
            if rows:
                yield rows

    # ------------------------------------------------------------------ marketing
    def email_events(self, start: datetime, end: datetime) -> Iterator[Page]:
        """Email events created in [start, end] (offset paging)."""
        params: dict[str, Any] = {
            "startTimestamp": epoch_ms(start),
            "endTimestamp": epoch_ms(end),
            "limit": self.email_events_limit,
        }
        while True:
            data = self.transport.get_json("/email/public/v1/events", params=params)
            if data.get("events"):
                yield data["events"]
            if not data.get("hasMore") or not data.get("offset"):
                return
            params["offset"] = data["offset"]

    def forms(self) -> Iterator[dict[str, Any]]:
        """Every form, each with its `guid` (the v3 API calls it `id`)."""
        params: dict[str, Any] = {"limit": 100}
        while True:
            data = self.transport.get_json("/marketing/v3/forms", params=params)
            for form in data.get("results") or []:
                yield {**form, "guid": form.get("guid") or form.get("id")}
            after = next_after(data)
            if after is None:
                return
            params["after"] = after

    def form_submissions(self, guid: str, *, since: datetime | None = None) -> Iterator[Page]:
        """A form's submissions, newest first, stopping at the first one before `since`."""
        floor = epoch_ms(since) if since is not None else None
        params: dict[str, Any] = {"limit": self.submissions_limit}
        path = f"/form-integrations/v1/submissions/forms/{guid}"
        while True:
            data = self.transport.get_json(path, params=params)
            results = data.get("results") or []
            kept = [r for r in results if floor is None or int(r.get("submittedAt", 0)) >= floor]
            if kept:
                yield kept
            after = next_after(data)
            if after is None or len(kept) < len(results):
                return
            params["after"] = after


def _filter(prop: str, operator: str, value: object) -> dict[str, str]:
    return {"propertyName": prop, "operator": operator, "value": str(value)}


class _LastTimestamp:
    """Tracks the newest cursor value seen and the ids of the records carrying it."""

    def __init__(self, cursor: str) -> None:
        self.cursor = cursor
        self.value: int | None = None
        self.ids: set[str] = set()

    def track(self, page: Page) -> None:
        for record in page:
            moment = record_ms(record, self.cursor)
            if moment != self.value:
                self.value, self.ids = moment, set()
            self.ids.add(str(record["id"]))


# the CRM objects loaded, and the association pairs loaded for the records of each load
CRM_OBJECTS = ("contacts", "companies", "deals")
ASSOCIATIONS = (("contacts", "companies"), ("deals", "contacts"), ("deals", "companies"))


def association_table(from_type: str, to_type: str) -> str:
    """`contact_companies` for (contacts, companies)."""
    return f"{from_type[:-1]}_{to_type}"


VENDOR = Vendor(
    name="hubspot",
    title="HubSpot",
    role="map",
    client=HubSpotClient,
    credentials=(("access_token",), ("client_id", "client_secret", "refresh_token")),
    api_version=spoken("hubspot"),
    sandbox_token_path="/oauth/2026-03/token",
    tables=(
        *(Table(name, ("id",), cursor="changed_at", as_of="updated_at") for name in CRM_OBJECTS),
        *(
            Table(association_table(*pair), ("from_id", "to_id"), follows=pair[0])
            for pair in ASSOCIATIONS
        ),
        Table("email_events", ("id",), cursor="created", as_of="created"),
        Table("form_submissions", ("conversion_id",), cursor="submitted_at", as_of="submitted_at"),
    ),
    loads="contacts, companies, deals, associations, marketing email events, form submissions",
    method="CRM v3 list + search on lastmodifieddate, email events API, form submissions API",
    freshness_hours=2,  # hourly loads
    writes=(
        WritableObject(
            "contacts",
            id_field="hs_object_id",
            max_batch=HubSpotClient.batch_limit,
            read_back="staging.stg_hubspot__contacts",
            read_back_id="contact_id",
            read_back_fields={
                "lead_score": "synced_lead_score",
                "lead_tier": "synced_lead_tier",
                "fit_score": "synced_fit_score",
                "engagement_score": "synced_engagement_score",
                "last_engagement_date": "synced_last_engagement_date",
            },
        ),
    ),
)
