"""Salesforce read client: SOQL `query` / `queryAll` pages and sObject describes.

Calls go to `{instance_url}/services/data/v62.0/…`. Auth, by the credentials given: a refresh
token, a JWT bearer assertion (`username` + `private_key`), or client credentials. The real
token endpoint is the login host for refresh/JWT and the org's own host for client credentials.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors.auth import Auth, JWTBearer, OAuth2ClientCredentials, OAuth2RefreshToken
from connectors.client import CredentialsError, VendorClient, require

API_VERSION = "v62.0"
LOGIN_URL = "https://login.salesforce.com"

Page = list[dict[str, Any]]
# One sObject Collections call carries at most this many records.
COLLECTION_LIMIT = 200


class SalesforceClient(VendorClient):
    vendor = "salesforce"
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
        common: dict[str, Any] = {"vendor": cls.vendor, "verify": verify}
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

    def collection_upsert(
        self, sobject: str, external_id_field: str, records: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """`PATCH composite/sobjects/{sobject}/{externalIdField}` with `allOrNone=false`: update
        the record with that external id, or create it (`created` says which)."""
        return self.transport.patch_json(
            f"/services/data/{API_VERSION}/composite/sobjects/{sobject}/{external_id_field}",
            {"allOrNone": False, "records": records},
        )
