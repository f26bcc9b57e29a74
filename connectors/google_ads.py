"""Google Ads read client (REST): GAQL over `googleAds:searchStream`, one customer at a time.

The official `google-ads` SDK speaks only gRPC, so this uses the REST form. Requests carry the
OAuth bearer token, the `developer-token` and, for manager access, `login-customer-id`. A stream
answers one JSON array of batches; each batch's `results` is yielded as one page. int64 values
(ids, `costMicros`, clicks) arrive as strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from connectors.api_versions import spoken
from connectors.client import VendorClient, id_list, require
from connectors.google import GooglePolicy
from connectors.http.ratelimit import RateLimit
from connectors.http.redaction import REDACTOR
from connectors.http.transport import Transport
from connectors.vendor import AdSpend, Table, Vendor

API_VERSION = spoken("google_ads")

Page = list[dict[str, Any]]


def customer_id(value: str) -> str:
    """Google shows customer ids as 123-456-7890; the API wants the digits."""
    return value.replace("-", "").strip()


class GoogleAdsPolicy(GooglePolicy):
    """Basic access: 15,000 operations a day per developer token (override for Standard)."""

    name = "google_ads"
    default_limits: ClassVar[Mapping[str, RateLimit | None]] = {
        "default": RateLimit(15_000, 86_400.0)
    }


class GoogleAdsClient(VendorClient):
    vendor = "google_ads"
    policy = GoogleAdsPolicy
    default_base_url = "https://googleads.googleapis.com"
    default_token_url = "https://oauth2.googleapis.com/token"

    def __init__(self, transport: Transport, credentials: Mapping[str, Any]) -> None:
        super().__init__(transport, credentials)
        require(self.vendor, credentials, "customer_ids")
        self.customer_ids = [customer_id(c) for c in id_list(credentials["customer_ids"])]

    @classmethod
    def headers(cls, credentials: Mapping[str, Any]) -> dict[str, str]:
        require(cls.vendor, credentials, "developer_token")
        REDACTOR.register(str(credentials["developer_token"]))
        headers = {"developer-token": str(credentials["developer_token"])}
        if credentials.get("login_customer_id"):
            headers["login-customer-id"] = customer_id(str(credentials["login_customer_id"]))
        return headers

    def search_stream(self, customer: str, gaql: str) -> Iterator[Page]:
        """The rows of one GAQL query for one customer, a batch at a time."""
        path = f"/{API_VERSION}/customers/{customer_id(customer)}/googleAds:searchStream"
        batches = self.transport.post_json(path, {"query": gaql})
        for batch in batches if isinstance(batches, list) else [batches]:
            if batch.get("results"):
                yield batch["results"]


VENDOR = Vendor(
    name="google_ads",
    title="Google Ads",
    role="ads",
    client=GoogleAdsClient,
    credentials=(
        ("developer_token", "client_id", "client_secret", "refresh_token", "customer_ids"),
    ),
    api_version=API_VERSION,
    sandbox_token_path="/token",
    tables=(
        Table("campaigns", ("customer_id", "campaign_id"), disposition="replace"),
        Table("ad_groups", ("customer_id", "ad_group_id"), disposition="replace"),
        Table(
            "ad_group_daily", ("customer_id", "ad_group_id", "date"), cursor="date", as_of="date"
        ),
    ),
    loads="campaigns, ad groups, daily ad-group metrics",
    method="GAQL searchStream",
    freshness_hours=36,  # daily metrics are complete at midnight and loaded once a day
    ad_spend=AdSpend("ad_group_daily", "customer_id", "campaigns", "campaign_status", ("ENABLED",)),
)
