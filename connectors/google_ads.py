"""Google Ads read client (REST): GAQL over `googleAds:searchStream`, one customer at a time.

The official `google-ads` SDK speaks only gRPC, so this uses the REST form. Requests carry the
OAuth bearer token, the `developer-token` and, for manager access, `login-customer-id`. A stream
answers one JSON array of batches; each batch's `results` is yielded as one page. int64 values
(ids, `costMicros`, clicks) arrive as strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connectors.client import VendorClient, id_list, require
from connectors.redaction import REDACTOR
from connectors.transport import Transport

API_VERSION = "v21"

Page = list[dict[str, Any]]


def customer_id(value: str) -> str:
    """Google shows customer ids as 123-456-7890; the API wants the digits."""
    return value.replace("-", "").strip()


class GoogleAdsClient(VendorClient):
    vendor = "google_ads"
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
