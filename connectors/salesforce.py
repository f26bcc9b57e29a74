"""Salesforce read client: SOQL `query` / `queryAll` pages and sObject describes.

Calls go to `{instance_url}/services/data/v62.0/…`. Auth, by the credentials given: a refresh
token, a JWT bearer assertion (`username` + `private_key`), or client credentials. The real
token endpoint is the login host for refresh/JWT and the org's own host for client credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from connectors.api_versions import spoken
from connectors.client import CredentialsError, VendorClient, require
from connectors.http.auth import Auth, JWTBearer, OAuth2ClientCredentials, OAuth2RefreshToken
from connectors.http.deprecation import VersionSignal
from connectors.http.policy import ErrorInfo, Limiters, VendorPolicy, json_body
from connectors.http.ratelimit import RateLimit
from connectors.http.status import Disposition
from connectors.vendor import Table, Vendor, WritableObject

API_VERSION = spoken("salesforce")
LOGIN_URL = "https://login.salesforce.com"

Page = list[dict[str, Any]]
# One sObject Collections call carries at most this many records.
COLLECTION_LIMIT = 200


class SalesforcePolicy(VendorPolicy):
    """Salesforce never sends 429. Its two request limits both answer 403 REQUEST_LIMIT_EXCEEDED:
    the rolling 24-hour allowance per org ("TotalRequests Limit exceeded.": final for today) and
    the concurrent long-running requests (25 per production org, 5 for developer/trial;
    "ConcurrentRequests (Concurrent API Requests) Limit exceeded": over in a moment, retried with
    backoff). `Sforce-Limit-Info: api-usage=18/5000` on every response lets us warn before the
    allowance runs out. Sources: help.salesforce.com article 000389067 (concurrent API requests),
    and the API request limits page of the Salesforce Developer Limits guide.
    """

    name = "salesforce"
    warn_at = 0.9

    def __init__(self, limits: Mapping[str, RateLimit | None] | None = None) -> None:
        super().__init__(limits)
        self.api_usage: tuple[int, int] | None = None
        self._warned = False

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = json_body(response)
        if isinstance(body, list) and body and isinstance(body[0], dict):
            messages = "; ".join(str(e.get("message", "")) for e in body)
            codes = [str(e.get("errorCode", "")) for e in body]
            fields = [f for e in body for f in e.get("fields") or []]
            missing = tuple(fields) if "INSUFFICIENT_ACCESS" in ",".join(codes) else ()
            return ErrorInfo(messages, ",".join(codes), missing)
        return super().parse_error(response)

    def version_refused(self, status: int, info: ErrorInfo) -> bool:
        """A retired API version: REST answers 410 GONE."""
        return status == 410

    def version_signals(self, response: httpx.Response, info: ErrorInfo) -> list[VersionSignal]:
        """Plus the org's own list (`GET /services/data/`): a version missing from it is
        retired there."""
        signals = super().version_signals(response, info)
        body = json_body(response) if response.is_success else None
        if response.url.path.rstrip("/") == "/services/data" and isinstance(body, list):
            served = [f"v{v.get('version')}" for v in body if isinstance(v, dict)]
            if served and API_VERSION not in served:
                detail = f"GET /services/data/ lists {served[0]}…{served[-1]}, not {API_VERSION}"
                signals.append(VersionSignal("refused", detail))
        return signals

    def classify(self, status: int, info: ErrorInfo) -> Disposition:
        if "REQUEST_LIMIT_EXCEEDED" in info.code:
            concurrent = "Concurrent" in info.message
            return Disposition.RATE_LIMITED if concurrent else Disposition.QUOTA
        if status == 414:
            return Disposition.BAD_REQUEST
        return super().classify(status, info)

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        match = re.search(r"api-usage=(\d+)/(\d+)", response.headers.get("Sforce-Limit-Info", ""))
        if not match:
            return
        used, allowed = int(match[1]), int(match[2])
        self.api_usage = (used, allowed)
        if allowed and used >= self.warn_at * allowed and not self._warned:
            self._warned = True
            self.log.warning("salesforce: %d of %d daily API requests used", used, allowed)


class SalesforceClient(VendorClient):
    vendor = "salesforce"
    policy = SalesforcePolicy
    default_base_url = ""  # always the org's instance_url
    default_token_url = f"{LOGIN_URL}/services/oauth2/token"

    @classmethod
    def api_base(cls, credentials: Mapping[str, Any], base_url: str | None) -> str:
        instance = base_url or credentials.get("instance_url")
        if not instance:
            raise CredentialsError("salesforce: credentials lack instance_url")
        return str(instance).rstrip("/")

    @classmethod
    def make_auth(
        cls, credentials: Mapping[str, Any], token_url: str | None, verify: bool | str | Path
    ) -> Auth:
        common: dict[str, Any] = {"policy": cls.policy(), "verify": verify}
        require(cls.vendor, credentials, "client_id")
        client_id = str(credentials["client_id"])
        if credentials.get("refresh_token"):
            require(cls.vendor, credentials, "client_secret")
            return OAuth2RefreshToken(
                str(token_url),
                client_id,
                str(credentials["client_secret"]),
                str(credentials["refresh_token"]),
                **common,
            )
        if credentials.get("private_key"):
            require(cls.vendor, credentials, "username")
            return JWTBearer(
                str(token_url),
                client_id,
                str(credentials["username"]),
                str(credentials["private_key"]),
                str(credentials.get("audience") or LOGIN_URL),
                **common,
            )
        require(cls.vendor, credentials, "client_secret", "instance_url")
        own = f"{str(credentials['instance_url']).rstrip('/')}/services/oauth2/token"
        return OAuth2ClientCredentials(
            own if token_url == cls.default_token_url else str(token_url),
            client_id,
            str(credentials["client_secret"]),
            **common,
        )

    def versions(self) -> list[str]:
        """`/services/data/`: the API versions this org serves (the policy hears whether the one
        spoken is among them)."""
        return [f"v{v['version']}" for v in self.transport.get_json("/services/data/")]

    def describe(self, sobject: str) -> dict[str, Any]:
        """`/sobjects/{sobject}/describe`: fields with name, type, custom, …"""
        return self.transport.get_json(f"/services/data/{API_VERSION}/sobjects/{sobject}/describe")

    def query(self, soql: str) -> Iterator[Page]:
        """Pages of live records matching `soql` (follows `nextRecordsUrl`)."""
        return self._pages("query", soql)

    def query_all(self, soql: str) -> Iterator[Page]:
        """Like `query`, deleted (`IsDeleted = true`) and archived records included."""
        return self._pages("queryAll", soql)

    def _pages(self, resource: str, soql: str) -> Iterator[Page]:
        data = self.transport.get_json(
            f"/services/data/{API_VERSION}/{resource}", params={"q": soql}
        )
        while True:
            if data.get("records"):
                yield data["records"]
            if data.get("done", True) or not data.get("nextRecordsUrl"):
                return
            data = self.transport.get_json(data["nextRecordsUrl"])

    def collection_update(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`PATCH composite/sobjects` with `allOrNone=false`: records carry `attributes.type` and
        `id`; one `{"id","success","errors"}` per record, in order."""
        return self.transport.patch_json(
            f"/services/data/{API_VERSION}/composite/sobjects",
            {"allOrNone": False, "records": records},
        )

    def collection_create(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`POST composite/sobjects` with `allOrNone=false`: create records (each carries
        `attributes.type`); one `{"id","success","errors"}` per record, in order."""
        return self.transport.post_json(
            f"/services/data/{API_VERSION}/composite/sobjects",
            {"allOrNone": False, "records": records},
        )

    def collection_upsert(
        self, sobject: str, external_id_field: str, records: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """`PATCH composite/sobjects/{sobject}/{externalIdField}` with `allOrNone=false`: update
        the record with that external id, or create it (`created` says which)."""
        return self.transport.patch_json(
            f"/services/data/{API_VERSION}/composite/sobjects/{sobject}/{external_id_field}",
            {"allOrNone": False, "records": records},
        )


# sObject → table of raw_salesforce, and whether its modified stamp says how current the data is
SOBJECTS: dict[str, tuple[str, bool]] = {
    "Lead": ("leads", True),
    "Contact": ("contacts", True),
    "Account": ("accounts", True),
    "Opportunity": ("opportunities", True),
    "OpportunityContactRole": ("opportunity_contact_roles", False),
    "Campaign": ("campaigns", False),
    "CampaignMember": ("campaign_members", True),
}
# the score fields reverse syncs write, and the staging columns they are read back as
SCORE_FIELDS = {
    "Lead_Score__c": "synced_lead_score",
    "Lead_Tier__c": "synced_lead_tier",
    "Fit_Score__c": "synced_fit_score",
    "Engagement_Score__c": "synced_engagement_score",
    "Last_Engagement_Date__c": "synced_last_engagement_date",
}

VENDOR = Vendor(
    name="salesforce",
    title="Salesforce",
    role="crm",
    client=SalesforceClient,
    credentials=(
        ("instance_url", "client_id", "client_secret", "refresh_token"),
        ("instance_url", "client_id", "client_secret"),
        ("instance_url", "client_id", "username", "private_key"),
    ),
    api_version=API_VERSION,
    sandbox_token_path="/services/oauth2/token",
    tables=tuple(
        Table(
            table,
            ("Id",),
            cursor="SystemModstamp",
            as_of="system_modstamp" if judged else None,
            vendor_object=sobject,
        )
        for sobject, (table, judged) in SOBJECTS.items()
    ),
    loads="leads, contacts, accounts, opportunities, contact roles, campaigns, campaign members",
    method="SOQL queryAll on SystemModstamp",
    freshness_hours=2,  # hourly loads
    writes=tuple(
        WritableObject(
            sobject,
            id_field="Id",
            max_batch=COLLECTION_LIMIT,
            read_back=f"staging.stg_salesforce__{table}",
            read_back_id=id_column,
            read_back_fields=SCORE_FIELDS,
        )
        for sobject, table, id_column in (
            ("Lead", "leads", "lead_id"),
            ("Contact", "contacts", "contact_id"),
        )
    ),
)
