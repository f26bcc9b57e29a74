"""GA4 Data API read client: `runReport` with offset paging until `rowCount`.

Each row is yielded as a dict keyed by the dimension and metric names (`{"date": "20260101",
"sessionSource": "google", "sessions": "12", …}`); values stay the strings GA4 sends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from connectors.api_versions import spoken
from connectors.client import VendorClient, require
from connectors.google import GooglePolicy
from connectors.http.transport import Transport
from connectors.vendor import Table, Vendor

API_VERSION = spoken("ga4")

Page = list[dict[str, Any]]


class GA4Policy(GooglePolicy):
    name = "ga4"


class GA4Client(VendorClient):
    vendor = "ga4"
    policy = GA4Policy
    default_base_url = "https://analyticsdata.googleapis.com"
    default_token_url = "https://oauth2.googleapis.com/token"
    page_limit = 100_000  # the API's maximum rows per response

    def __init__(self, transport: Transport, credentials: Mapping[str, Any]) -> None:
        super().__init__(transport, credentials)
        require(self.vendor, credentials, "property_id")
        self.property_id = str(credentials["property_id"]).removeprefix("properties/")

    def run_report(
        self, start: date, end: date, dimensions: Sequence[str], metrics: Sequence[str]
    ) -> Iterator[Page]:
        """Every row of one report over [start, end], a response at a time."""
        body: dict[str, Any] = {
            "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
            "dimensions": [{"name": d} for d in dimensions],
            "metrics": [{"name": m} for m in metrics],
            "limit": self.page_limit,
            "offset": 0,
        }
        path = f"/{API_VERSION}/properties/{self.property_id}:runReport"
        while True:
            data = self.transport.post_json(path, body)
            rows = data.get("rows") or []
            names = [h["name"] for h in data.get("dimensionHeaders") or []]
            names += [h["name"] for h in data.get("metricHeaders") or []]
            if rows:
                yield [
                    dict(zip(names, [v.get("value") for v in _values(row)], strict=False))
                    for row in rows
                ]
            body["offset"] += len(rows)
            if not rows or body["offset"] >= int(data.get("rowCount") or 0):
                return


def _values(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [*(row.get("dimensionValues") or []), *(row.get("metricValues") or [])]


VENDOR = Vendor(
    name="ga4",
    title="Google Analytics 4",
    role="analytics",
    client=GA4Client,
    credentials=(("property_id", "client_id", "client_secret", "refresh_token"),),
    api_version=API_VERSION,
    sandbox_token_path="/token",
    tables=(
        Table(
            "traffic_daily",
            ("property_id", "date", "session_source", "session_medium", "session_campaign_name"),
            cursor="date",
            as_of="date",
        ),
    ),
    loads="daily sessions, users, engaged sessions, key events by source/medium/campaign",
    method="Data API runReport",
    freshness_hours=36,  # daily reports, loaded once a day
)
