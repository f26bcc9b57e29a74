"""Faults whose refusals say how long to wait: Meta's regain estimate shortened by
`regain_seconds`, and `Retry-After` on the injected 5xx (`error_retry_after`)."""

from __future__ import annotations

import json

import httpx
import pytest

from sandbox.faults import Faults, set_faults
from sandbox.server import meta_ads
from tests.sandbox.fixture_ads_world import (
    CREDENTIALS,
    LIVE_VERSIONS,
    META_ACCOUNT,
    build_ads_world,
    serve,
)

URL = f"/{LIVE_VERSIONS['meta_ads']}/act_{META_ACCOUNT}/insights"
TOKEN = {"access_token": CREDENTIALS["meta_ads"]["access_token"]}


@pytest.fixture(scope="module")
def meta(tmp_path_factory):
    state = tmp_path_factory.mktemp("meta-hints")
    build_ads_world(state / "world.duckdb")
    with serve("meta_ads", meta_ads.create_app, state) as ctx:
        yield ctx


def _regain(response: httpx.Response) -> float:
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    return usage[META_ACCOUNT][0]["estimated_time_to_regain_access"]


def test_meta_regain_estimate_is_whole_minutes_unless_the_fault_shortens_it(meta) -> None:
    set_faults(meta.paths, "meta_ads", burst_429=1, retry_after=1)
    assert _regain(httpx.get(meta.base_url + URL, params=TOKEN)) == 1  # one minute, as Meta says
    set_faults(meta.paths, "meta_ads", burst_429=1, retry_after=1, regain_seconds=3)
    refused = httpx.get(meta.base_url + URL, params=TOKEN)
    assert refused.json()["error"]["code"] == 80000
    assert _regain(refused) == pytest.approx(3 / 60)
    set_faults(meta.paths, "meta_ads")


def test_injected_5xx_carry_retry_after_when_asked(meta) -> None:
    set_faults(meta.paths, "meta_ads", error_rate=1.0)
    assert "Retry-After" not in httpx.get(meta.base_url + URL, params=TOKEN).headers
    set_faults(meta.paths, "meta_ads", error_rate=1.0, error_retry_after=0)
    failed = httpx.get(meta.base_url + URL, params=TOKEN)
    assert (failed.status_code, failed.headers["Retry-After"]) == (500, "0")
    set_faults(meta.paths, "meta_ads")
    assert Faults(error_retry_after=0).active() == {"error_retry_after": 0}
