"""Rate-limit waits follow the vendor's window on their own budget: a burst of 429s cannot
exhaust the budget meant for errors, and the per-run budget still ends an endless throttle."""

from __future__ import annotations

import json

import pytest

from connectors.http.errors import RateLimited, VendorUnavailable
from tests.connectors.conftest import Reply


def test_a_five_request_429_burst_rides_on_the_vendors_window(stub, make_transport):
    # each wait fits one error budget (1 s), all five together do not: before, the burst failed
    stub.script("/x", *[Reply(429, headers={"Retry-After": "0.3"})] * 5)
    transport = make_transport(max_retry_seconds=1)
    assert transport.get_json("/x") == {"ok": True}
    assert len(stub.hits("/x")) == 6
    assert transport.stats.retries == 5 and transport.stats.throttle_waits == 5


def test_meta_business_use_case_estimates_are_waited_on(stub, make_transport):
    usage = {
        "123": [
            {"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 0.01}
        ]
    }
    body = {"error": {"message": "too many calls", "code": 80000, "error_subcode": 2446079}}
    reply = Reply(400, body, {"X-Business-Use-Case-Usage": json.dumps(usage)})
    stub.script("/insights", *[reply] * 5)  # 0.6 s each, 3 s in all: beyond one error budget
    transport = make_transport("meta_ads", max_retry_seconds=1)
    assert transport.get_json("/insights") == {"ok": True}
    assert len(stub.hits("/insights")) == 6


def test_the_runs_rate_limit_budget_ends_an_endless_throttle(stub, make_transport):
    stub.script("/x", *[Reply(429, headers={"Retry-After": "0.2"})] * 20)
    transport = make_transport(max_rate_limit_seconds=0.5)
    with pytest.raises(RateLimited) as caught:
        transport.get_json("/x")
    assert len(stub.hits("/x")) == 3  # two waits of 0.2 s fit 0.5 s, the third does not
    assert "max_rate_limit_seconds=0.5 in all (0.4 s waited)" in str(caught.value)
    stub.script("/y", Reply(429, headers={"Retry-After": "0.2"}))
    with pytest.raises(RateLimited):  # the budget is the run's, not one request's
        transport.get_json("/y")


def test_errors_keep_their_own_budget_beside_rate_limits(stub, make_transport):
    stub.script(
        "/x",
        Reply(429, headers={"Retry-After": "0.1"}),
        Reply(429, headers={"Retry-After": "0.1"}),
        Reply(500),
        Reply(500),
        Reply(500),
    )
    with pytest.raises(VendorUnavailable) as caught:
        make_transport(max_retries=2).get_json("/x")
    assert len(stub.hits("/x")) == 5  # 2 rate-limited retries + 2 error retries + the last
    assert "max_retries=2" in str(caught.value)


def test_salesforce_concurrent_limit_is_retried_its_allowance_is_final(stub, make_transport):
    concurrent = [
        {
            "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    path = "/services/data/v62.0/query"
    stub.script(path, Reply(403, concurrent), Reply(403, concurrent))
    transport = make_transport("salesforce")
    assert transport.get_json(path, params={"q": "SELECT Id FROM Lead"}) == {"ok": True}
    assert len(stub.hits(path)) == 3 and transport.stats.retries == 2
