"""Meta Marketing API read client: campaigns and insights per ad account.

The token travels as the `access_token` query parameter (no Authorization header, no refresh;
long-lived or system-user tokens). Pages follow the `after` cursor until `paging.next` is gone,
re-sending our own path and parameters rather than the `next` URL (which embeds the token).
Insights are read in date windows (`insights_window_days`) with `time_increment=1`, small enough
that Meta does not refuse the synchronous call for too many rows (code 100, subcode 1487534).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from connectors.auth import ApiKey, Auth
from connectors.client import VendorClient, date_windows, id_list, require
from connectors.transport import Transport

API_VERSION = "v21.0"

Page = list[dict[str, Any]]


class MetaAdsClient(VendorClient):
    vendor = "meta_ads"
    default_base_url = "https://graph.facebook.com"
    page_limit = 500
    insights_window_days = 31

    def __init__(self, transport: Transport, credentials: Mapping[str, Any]) -> None:
        super().__init__(transport, credentials)
        require(self.vendor, credentials, "account_ids")
        self.account_ids = [a.removeprefix("act_") for a in id_list(credentials["account_ids"])]

    @classmethod
    def make_auth(
        cls, credentials: Mapping[str, Any], token_url: str | None, verify: bool | str | Path
    ) -> Auth:
        require(cls.vendor, credentials, "access_token")
        return ApiKey(str(credentials["access_token"]), query_param="access_token")

    def campaigns(self, account: str, fields: Sequence[str]) -> Iterator[Page]:
        return self._pages(f"act_{account}/campaigns", {"fields": ",".join(fields)})

    def insights(
        self, account: str, level: str, start: date, end: date, fields: Sequence[str]
    ) -> Iterator[Page]:
        """Daily insights rows at `level` (account, campaign, adset, ad) for [start, end]."""
        for since, until in date_windows(start, end, self.insights_window_days):
            params = {
                "level": level,
                "time_increment": 1,
                "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
                "fields": ",".join(fields),
            }
            yield from self._pages(f"act_{account}/insights", params)

    def _pages(self, edge: str, params: dict[str, Any]) -> Iterator[Page]:
        params = {**params, "limit": self.page_limit}
        while True:
            data = self.transport.get_json(f"/{API_VERSION}/{edge}", params=params)
            if data.get("data"):
                yield data["data"]
            paging = data.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params["after"] = after
