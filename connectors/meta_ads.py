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

import httpx

from connectors.api_versions import spoken
from connectors.client import VendorClient, date_windows, id_list, require
from connectors.http.auth import ApiKey, Auth
from connectors.http.deprecation import VersionSignal
from connectors.http.policy import ErrorInfo, Limiters, VendorPolicy, json_body
from connectors.http.status import Disposition
from connectors.http.transport import Transport
from connectors.vendor import AdSpend, Table, Vendor

API_VERSION = spoken("meta_ads")

Page = list[dict[str, Any]]


class MetaPolicy(VendorPolicy):
    """Meta Graph/Marketing API: rate limits arrive as HTTP 400 with error codes, and the usage
    headers say how long until access returns (`estimated_time_to_regain_access`, minutes).
    """

    name = "meta_ads"
    RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
    TRANSIENT_CODES = frozenset({1, 2})
    AUTH_CODES = frozenset({102, 190})
    PERMISSION_CODES = frozenset({10, *range(200, 300)})

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return super().parse_error(response)
        code = str(error.get("code", ""))
        if error.get("error_subcode"):
            code += f"/{error['error_subcode']}"
        if error.get("is_transient"):
            code += "/transient"
        return ErrorInfo(str(error.get("message", "")), code)

    def version_refused(self, status: int, info: ErrorInfo) -> bool:
        """(#2635) "You are calling a deprecated version of the Ads API"."""
        return info.code.split("/")[0] == "2635"

    def version_signals(self, response: httpx.Response, info: ErrorInfo) -> list[VersionSignal]:
        """Plus Meta's auto-upgrade notice: a call to an expired version was served by the
        next one, with `X-Ad-Api-Version-Warning` saying so."""
        signals = super().version_signals(response, info)
        if warning := response.headers.get("X-Ad-Api-Version-Warning"):
            signals.append(VersionSignal("auto_upgraded", warning))
        return signals

    def classify(self, status: int, info: ErrorInfo) -> Disposition:
        if status >= 400 and info.code:
            main = int(info.code.split("/")[0]) if info.code.split("/")[0].isdigit() else None
            if main in self.RATE_LIMIT_CODES:
                return Disposition.RATE_LIMITED
            if main in self.TRANSIENT_CODES or info.code.endswith("/transient"):
                return Disposition.UNAVAILABLE
            if main in self.AUTH_CODES:
                return Disposition.AUTH
            if main in self.PERMISSION_CODES:
                return Disposition.PERMISSION
        return super().classify(status, info)

    def retry_after(self, response: httpx.Response) -> float | None:
        minutes = [
            float(entry.get("estimated_time_to_regain_access") or 0)
            for entry in self._business_usage(response)
        ]
        regain = max(minutes, default=0.0) * 60
        return regain or super().retry_after(response)

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        regain = self.retry_after(response)
        if regain:
            limiters("default").pause(regain)

    @staticmethod
    def _business_usage(response: httpx.Response) -> list[dict[str, Any]]:
        try:
            usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", "{}"))
        except ValueError:
            return []
        if not isinstance(usage, dict):
            return []
        return [e for entries in usage.values() if isinstance(entries, list) for e in entries]


class MetaAdsClient(VendorClient):
    vendor = "meta_ads"
    policy = MetaPolicy
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


VENDOR = Vendor(
    name="meta_ads",
    title="Meta Ads",
    role="ads",
    client=MetaAdsClient,
    credentials=(("access_token", "account_ids"),),
    api_version=API_VERSION,
    sandbox_token_path=None,  # long-lived or system-user tokens, no refresh
    tables=(
        Table("campaigns", ("id",), disposition="replace"),
        Table("adset_daily", ("account_id", "adset_id", "date"), cursor="date", as_of="date"),
    ),
    loads="campaigns, daily ad-set insights",
    method="Marketing API insights",
    freshness_hours=36,  # daily metrics, loaded once a day
    ad_spend=AdSpend("adset_daily", "account_id", "campaigns", "status", ("ACTIVE",)),
)
