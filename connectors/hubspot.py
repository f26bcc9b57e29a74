"""HubSpot read client: CRM v3 list and search, v4 associations, email events, forms.

Every iterator yields one page (a list of raw records) at a time. Search is how incremental
loads find changed records; it caps every query at 10,000 results (paging past it is a 400), and
month-end bulk updates put more than that on one timestamp. So when a query reaches the cap,
the rest of the last timestamp is read by `hs_object_id` (itself restarted at each cap), then
the query resumes strictly after that timestamp: no loop, no gap, no duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.client import VendorClient

# The modified-date property search filters on: `lastmodifieddate` for contacts,
# `hs_lastmodifieddate` for the other objects.
CURSOR_PROPERTY = {"contacts": "lastmodifieddate"}
DEFAULT_CURSOR_PROPERTY = "hs_lastmodifieddate"
ID_PROPERTY = "hs_object_id"

Page = list[dict[str, Any]]


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def record_ms(record: Mapping[str, Any], prop: str) -> int:
    """A record's value of `prop` as epoch ms (HubSpot sends ISO strings or ms strings)."""
    value = (record.get("properties") or {}).get(prop) or record.get("updatedAt")
    text = str(value)
    if text.isdigit():
        return int(text)
    return epoch_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


class HubSpotClient(VendorClient):
    vendor = "hubspot"
    default_base_url = "https://api.hubapi.com"
    default_token_url = "https://api.hubapi.com/oauth/v1/token"
    list_limit = 100  # the API's maximum
    search_limit = 200  # the API's maximum
    search_cap = 10_000  # results one search query can page through
    association_batch = 100
    email_events_limit = 1000
    submissions_limit = 50
    batch_limit = 100  # inputs per batch read/update/upsert

    # ------------------------------------------------------------------ definitions
    def properties(self, object_type: str) -> list[dict[str, Any]]:
        """Property definitions (name, type, …): where column types come from."""
        return self.transport.get_json(f"/crm/v3/properties/{object_type}")["results"]

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
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
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
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return False
            if int(after) >= self.search_cap:
                return True
            body["after"] = str(after)

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
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
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
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after or len(kept) < len(results):
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
