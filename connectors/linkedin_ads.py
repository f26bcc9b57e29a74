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

from connectors.client import VendorClient, date_windows, id_list, require
from connectors.transport import Transport

API_VERSION = "202510"

Page = list[dict[str, Any]]


def restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


class LinkedInAdsClient(VendorClient):
    vendor = "linkedin_ads"
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
