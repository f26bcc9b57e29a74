"""LinkedIn Marketing API read client: campaign groups, campaigns and daily adAnalytics.

Requests carry `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`, so parameters use
Rest.li 2.0 syntax (`dateRange=(start:(year:…))`, `accounts=List(urn%3Ali%3A…)`) and are sent
unencoded apart from the URNs. `adAnalytics` has no pagination and caps the elements of one
response, so the date range is split into windows (`analytics_window_days`). A LinkedIn
"campaign group" is our campaign, a LinkedIn "campaign" our ad group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from connectors.api_versions import spoken
from connectors.client import VendorClient, date_windows, id_list, require
from connectors.http.policy import ErrorInfo, VendorPolicy, json_body
from connectors.http.transport import Transport
from connectors.vendor import AdSpend, Table, Vendor

API_VERSION = spoken("linkedin_ads")

Page = list[dict[str, Any]]


def restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


class LinkedInPolicy(VendorPolicy):
    """LinkedIn: `{"status","serviceErrorCode","code","message"}`; daily per-app and per-member
    limits that vary by endpoint (shown in the developer portal), so no default per-second limit.
    """

    name = "linkedin_ads"

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        info = super().parse_error(response)
        body = json_body(response)
        if isinstance(body, dict) and "serviceErrorCode" in body:
            code = str(body.get("code") or body["serviceErrorCode"])
            missing: tuple[str, ...] = ()
            if code == "ACCESS_DENIED" and ":" in info.message:
                missing = (info.message.split(":", 1)[1].strip(),)
            return ErrorInfo(info.message, code, missing)
        return info

    def version_refused(self, status: int, info: ErrorInfo) -> bool:
        """A sunset or unknown `LinkedIn-Version`: 426 NONEXISTENT_VERSION."""
        return status == 426 or info.code == "NONEXISTENT_VERSION"


class LinkedInAdsClient(VendorClient):
    vendor = "linkedin_ads"
    policy = LinkedInPolicy
    default_base_url = "https://api.linkedin.com"
    default_token_url = "https://www.linkedin.com/oauth/v2/accessToken"
    page_size = 100
    analytics_window_days = 30

    def __init__(self, transport: Transport, credentials: Mapping[str, Any]) -> None:
        super().__init__(transport, credentials)
        require(self.vendor, credentials, "account_ids")
        prefix = "urn:li:sponsoredAccount:"
        self.account_ids = [a.removeprefix(prefix) for a in id_list(credentials["account_ids"])]

    @classmethod
    def headers(cls, credentials: Mapping[str, Any]) -> dict[str, str]:
        return {"LinkedIn-Version": API_VERSION, "X-Restli-Protocol-Version": "2.0.0"}

    def campaign_groups(self, account: str) -> Iterator[Page]:
        return self._search(f"/rest/adAccounts/{account}/adCampaignGroups")

    def campaigns(self, account: str) -> Iterator[Page]:
        return self._search(f"/rest/adAccounts/{account}/adCampaigns")

    def ad_analytics(
        self, account: str, start: date, end: date, fields: Sequence[str]
    ) -> Iterator[Page]:
        """Daily elements pivoted by campaign for [start, end], one page per date window."""
        wanted = ",".join(dict.fromkeys([*fields, "dateRange", "pivotValues"]))
        accounts = f"List({quote(f'urn:li:sponsoredAccount:{account}', safe='')})"
        for since, until in date_windows(start, end, self.analytics_window_days):
            query = (
                f"q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
                f"&dateRange=(start:{restli_date(since)},end:{restli_date(until)})"
                f"&accounts={accounts}&fields={wanted}"
            )
            data = self.transport.get_json(f"/rest/adAnalytics?{query}")
            if data.get("elements"):
                yield data["elements"]

    def _search(self, path: str) -> Iterator[Page]:
        params: dict[str, Any] = {"q": "search", "pageSize": self.page_size}
        while True:
            data = self.transport.get_json(path, params=params)
            if data.get("elements"):
                yield data["elements"]
            token = (data.get("metadata") or {}).get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token


VENDOR = Vendor(
    name="linkedin_ads",
    title="LinkedIn Ads",
    role="ads",
    client=LinkedInAdsClient,
    credentials=(
        ("access_token", "account_ids"),
        ("client_id", "client_secret", "refresh_token", "account_ids"),
    ),
    api_version=API_VERSION,
    sandbox_token_path="/oauth/v2/accessToken",
    tables=(
        Table("campaign_groups", ("id",), disposition="replace"),
        Table("campaigns", ("id",), disposition="replace"),
        Table(
            "campaign_daily", ("account_id", "campaign_urn", "date"), cursor="date", as_of="date"
        ),
    ),
    loads="campaign groups, campaigns, daily analytics",
    method="adAnalytics by date range",
    freshness_hours=36,  # daily metrics, loaded once a day
    ad_spend=AdSpend("campaign_daily", "account_id", "campaign_groups", "status", ("ACTIVE",)),
)
