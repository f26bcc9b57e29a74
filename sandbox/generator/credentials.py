"""Sandbox-issued credentials: vendor-looking, deterministic from the seed, always containing "sbx"."""

from __future__ import annotations

import hashlib
from typing import Any


def _token(seed: int, name: str, length: int = 32) -> str:
    digest = hashlib.sha256(f"roundtrip-sandbox:{seed}:{name}".encode()).hexdigest()
    return digest[:length]


def make_credentials(
    seed: int,
    google_customers: list[str],
    meta_accounts: list[str],
    linkedin_accounts: list[str],
    property_id: str,
) -> dict[str, Any]:
    """The credentials.json content for a world; ad account ids come from the generated world."""
    t = lambda name, n=32: _token(seed, name, n)  # noqa: E731
    return {
        "hubspot": {
            "access_token": f"pat-na1-sbx{t('hs-at', 8)}-{t('hs-at2', 4)}-{t('hs-at3', 12)}",
            "client_id": f"sbx-{t('hs-ci', 8)}-{t('hs-ci2', 4)}",
            "client_secret": f"sbx{t('hs-cs')}",
            "refresh_token": f"na1-sbx{t('hs-rt', 4)}-{t('hs-rt2', 12)}",
            "app_id": str(int(t("hs-app", 6), 16) % 9_000_000 + 1_000_000),
            "developer_api_key": f"sbx{t('hs-dk', 8)}-{t('hs-dk2', 4)}-{t('hs-dk3', 12)}",
        },
        # the shared secret the company's website signs form posts with (roundtrip serve)
        "website": {"form_secret": f"sbx{t('web-fs', 40)}"},
        "salesforce": {
            "client_id": f"3MVG9sbx{t('sf-ci', 40)}",
            "client_secret": f"sbx{t('sf-cs', 24).upper()}",
            "refresh_token": f"5Aep861sbx{t('sf-rt', 48)}",
            "username": "integration@sandboxco.example.sbx",
        },
        "google_ads": {
            "developer_token": f"sbx{t('ga-dt', 19)}",
            "client_id": f"{t('ga-ci', 12)}-sbx.apps.googleusercontent.com",
            "client_secret": f"GOCSPX-sbx{t('ga-cs', 24)}",
            "refresh_token": f"1//sbx{t('ga-rt', 40)}",
            "customer_ids": google_customers,
            "login_customer_id": google_customers[0],
        },
        "meta_ads": {"access_token": f"EAAsbx{t('meta-at', 64)}", "account_ids": meta_accounts},
        "linkedin_ads": {
            "client_id": f"sbx{t('li-ci', 11)}",
            "client_secret": f"sbx{t('li-cs', 13)}",
            "refresh_token": f"AQsbx{t('li-rt', 48)}",
            "account_ids": linkedin_accounts,
        },
        "ga4": {
            "client_id": f"{t('ga4-ci', 12)}-sbx.apps.googleusercontent.com",
            "client_secret": f"GOCSPX-sbx{t('ga4-cs', 24)}",
            "refresh_token": f"1//sbx{t('ga4-rt', 40)}",
            "property_id": property_id,
        },
    }
