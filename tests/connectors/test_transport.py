"""Retries, waits, budgets and throttling of the transport against a real loopback server."""

from __future__ import annotations

import itertools
import json
import logging

import pytest

from connectors.http.errors import BadRequest, QuotaExhausted, RateLimited, VendorUnavailable
from connectors.http.ratelimit import RateLimit
from connectors.http.transport import NOTICEABLE_WAIT_SECONDS, RetryEvent
from tests.connectors.conftest import Reply


def gaps(arrivals) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(arrivals)]


def test_429_waits_retry_after_seconds_then_succeeds(stub, make_transport):
    stub.script(
        "/x", Reply(429, headers={"Retry-After": "0.3"}), Reply(429, headers={"Retry-After": "0.2"})
    )
    transport = make_transport()
    assert transport.get_json("/x") == {"ok": True}
    hits = stub.hits("/x")
    assert len(hits) == 3
    assert gaps(hits)[0] >= 0.3 and gaps(hits)[1] >= 0.2
    assert transport.stats.retries == 2
    assert transport.stats.throttle_waits == 2 and transport.stats.throttle_seconds >= 0.45


def test_429_without_retry_after_backs_off_and_retries(stub, make_transport):
    stub.script("/x", *[Reply(429)] * 3)
    transport = make_transport()
    transport.get_json("/x")
    assert len(stub.hits("/x")) == 4
    assert transport.stats.retries == 3


def test_5xx_burst_is_retried_with_progress_callbacks(stub, make_transport):
    events: list[RetryEvent] = []
    stub.script("/x", Reply(503), Reply(500), Reply(502))
    transport = make_transport(on_retry=events.append)
    assert transport.request("GET", "/x").status_code == 200
    assert [e.attempt for e in events] == [1, 2, 3]
    assert [e.reason for e in events] == ["HTTP 503", "HTTP 500", "HTTP 502"]
    assert all(e.request == "GET /x" and e.vendor == "hubspot" for e in events)
    assert transport.stats.requests == 4 and transport.stats.failed_requests == 0


def test_retry_count_budget_then_vendor_unavailable(stub, make_transport):
    stub.script("/crm/v3/objects/contacts", *[Reply(500)] * 10)
    transport = make_transport(max_retries=2)
    with pytest.raises(VendorUnavailable) as caught:
        transport.get_json("/crm/v3/objects/contacts", params={"limit": 100})
    assert len(stub.hits("/crm/v3/objects/contacts")) == 3
    error = caught.value
    assert error.retryable and error.status == 500 and error.vendor == "hubspot"
    assert error.request == "GET /crm/v3/objects/contacts?limit=100"
    assert "GET /crm/v3/objects/contacts?limit=100" in str(error) and "HTTP 500" in str(error)
    assert transport.stats.failed_requests == 1


def test_retry_seconds_budget_refuses_a_wait_beyond_it(stub, make_transport):
    stub.script("/x", Reply(429, headers={"Retry-After": "30"}))
    transport = make_transport(max_retry_seconds=1)
    with pytest.raises(RateLimited) as caught:
        transport.get_json("/x")
    assert len(stub.hits("/x")) == 1
    assert "30.0 s" in str(caught.value) and caught.value.retryable


def test_dropped_connection_is_retried(stub, make_transport):
    stub.script("/x", Reply(drop=True), Reply(drop=True))
    transport = make_transport()
    assert transport.get_json("/x") == {"ok": True}
    assert len(stub.hits("/x")) == 3 and transport.stats.retries == 2


def test_a_page_cut_short_is_retried_then_reported(stub, make_transport):
    stub.script("/page", Reply(raw=b'{"results": [{"id": "1"'))
    transport = make_transport()
    assert transport.get_json("/page") == {"ok": True}
    assert len(stub.hits("/page")) == 2

    stub.script("/page", *[Reply(raw=b"<html>oops")] * 3)
    with pytest.raises(VendorUnavailable, match="not valid JSON"):
        make_transport(max_retries=2).get_json("/page")


def test_timeouts_are_retried_then_reported(stub, make_transport):
    stub.script("/slow", Reply(delay=0.5), Reply())
    transport = make_transport(timeout=0.2)
    assert transport.get_json("/slow") == {"ok": True}

    stub.script("/slow", *[Reply(delay=0.5)] * 3)
    with pytest.raises(VendorUnavailable) as caught:
        make_transport(timeout=0.2, max_retries=1).get_json("/slow")
    assert caught.value.status is None
    assert "ReadTimeout" in str(caught.value) and "GET /slow" in str(caught.value)


def test_connection_refused_is_unavailable(make_transport):
    transport = make_transport(max_retries=1)
    with pytest.raises(VendorUnavailable, match="ConnectError"):
        transport.get_json("http://127.0.0.1:9/x")


def test_meta_rate_limit_code_17_on_http_400_is_retried(stub, make_transport):
    body = {
        "error": {"message": "User request limit reached", "type": "OAuthException", "code": 17}
    }
    stub.script("/insights", Reply(400, body), Reply(400, body))
    transport = make_transport("meta_ads")
    assert transport.get_json("/insights") == {"ok": True}
    assert len(stub.hits("/insights")) == 3


def test_meta_usage_header_wait_beyond_budget_fails_fast(stub, make_transport):
    usage = {
        "123": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 5}]
    }
    body = {"error": {"message": "too many calls", "code": 80000, "error_subcode": 2446079}}
    stub.script("/insights", Reply(400, body, {"X-Business-Use-Case-Usage": json.dumps(usage)}))
    transport = make_transport("meta_ads", max_retry_seconds=60)
    with pytest.raises(RateLimited) as caught:
        transport.get_json("/insights")
    assert "300.0 s" in str(caught.value) and "too many calls" in str(caught.value)
    assert len(stub.hits("/insights")) == 1


def test_google_resource_exhausted_is_retried(stub, make_transport):
    body = {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}
    stub.script("/v1beta/properties/1:runReport", Reply(429, body))
    transport = make_transport("ga4")
    assert transport.post_json("/v1beta/properties/1:runReport", {}) == {"ok": True}
    assert len(stub.hits("/v1beta/properties/1:runReport")) == 2


def test_salesforce_daily_cap_fails_without_retrying(stub, make_transport):
    body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    stub.script("/services/data/v62.0/query", Reply(403, body))
    with pytest.raises(QuotaExhausted) as caught:
        make_transport("salesforce").get_json(
            "/services/data/v62.0/query", params={"q": "SELECT Id FROM Lead"}
        )
    assert len(stub.hits("/services/data/v62.0/query")) == 1
    assert not caught.value.retryable
    assert "GET /services/data/v62.0/query?q=SELECT Id FROM Lead" in str(caught.value)
    assert "TotalRequests Limit exceeded." in str(caught.value)


def test_hubspot_daily_limit_is_quota_exhausted(stub, make_transport):
    body = {
        "status": "error",
        "message": "You have reached your daily limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "DAILY",
    }
    stub.script("/x", Reply(429, body))
    with pytest.raises(QuotaExhausted, match="daily limit"):
        make_transport().get_json("/x")
    assert len(stub.hits("/x")) == 1


def test_414_suggests_fewer_fields(stub, make_transport):
    stub.script("/x", Reply(414, {"message": "URI Too Long"}))
    with pytest.raises(BadRequest, match="request fewer fields"):
        make_transport().get_json("/x")


def test_limiter_keeps_under_n_per_window_across_transports_of_one_account(stub, make_transport):
    limits = {"default": RateLimit(5, 1.0)}
    first = make_transport(limits=limits)
    second = make_transport(limits=limits)  # same account key: shares the allowance
    for i in range(16):
        (first if i % 2 else second).get_json("/x")
    hits = stub.hits("/x")
    assert len(hits) == 16
    # Server side: any 6 consecutive arrivals span at least the window (5 allowed per 1 s).
    tolerance = 0.1  # loopback jitter between send and arrival on a loaded 2-core machine
    assert min(hits[i + 5].at - hits[i].at for i in range(len(hits) - 5)) >= 1.0 - tolerance
    assert first.stats.throttle_waits + second.stats.throttle_waits >= 2


def test_pacing_waits_are_logged_only_at_debug_and_long_pauses_at_info(
    stub, make_transport, caplog
):
    transport = make_transport(limits={"default": RateLimit(2, 0.2)})
    with caplog.at_level(logging.DEBUG, logger="connectors"):
        for _ in range(6):
            transport.get_json("/x")
        transport.limiter("default").pause(NOTICEABLE_WAIT_SECONDS + 0.2)
        transport.get_json("/x")
    waits = [r for r in caplog.records if "for the 'default' rate limit" in r.getMessage()]
    assert transport.stats.throttle_waits == len(waits) >= 3  # every wait counted and logged
    assert [r.levelno for r in waits].count(logging.INFO) == 1  # only the long pause at INFO
    assert waits[-1].levelno == logging.INFO


def test_hubspot_search_has_its_own_tighter_limit(stub, make_transport):
    transport = make_transport(limits={"search": RateLimit(2, 0.3)})
    for _ in range(5):
        transport.post_json("/crm/v3/objects/contacts/search", {})
    hits = stub.hits("/crm/v3/objects/contacts/search")
    assert min(hits[i + 2].at - hits[i].at for i in range(3)) >= 0.3 - 0.02


def test_hubspot_remaining_zero_header_pauses_for_the_interval(stub, make_transport):
    headers = {
        "X-HubSpot-RateLimit-Remaining": "0",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "400",
    }
    stub.script("/x", Reply(headers=headers))
    transport = make_transport()
    transport.get_json("/x")
    transport.get_json("/x")
    assert gaps(stub.hits("/x"))[0] >= 0.4 - 0.02
    assert transport.stats.throttle_waits == 1


def test_hubspot_paces_to_the_limit_its_headers_advertise(stub, make_transport):
    headers = {
        "X-HubSpot-RateLimit-Max": "5",
        "X-HubSpot-RateLimit-Remaining": "4",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "500",
    }
    stub.script("/x", Reply(headers=headers))
    transport = make_transport(limits={"default": None, "search": None})
    for _ in range(12):
        transport.get_json("/x")
    hits = stub.hits("/x")
    # learned after the first answer: from then on no 6 starts within one advertised window
    assert min(hits[i + 5].at - hits[i].at for i in range(1, len(hits) - 5)) >= 0.5 - 0.02
    assert transport.limiter("default").learned


def test_stats_count_bytes(stub, make_transport):
    transport = make_transport()
    transport.get_json("/x")
    assert transport.stats.bytes_received == len(b'{"ok":true}')
    assert transport.stats.as_dict()["requests"] == 1
