"""What vendors say about the API version spoken reaches `on_version_signal`, and a refused
version fails with one line naming the version and the one to move to (loopback stub)."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.api_versions import spoken, upgrade_target
from connectors.http.deprecation import VersionSignal
from connectors.http.errors import VersionRefused
from tests.connectors.conftest import Reply

REFUSALS = {
    # each vendor's own refusal of a retired version (status, body), see connectors/api_versions.yml
    "linkedin_ads": Reply(
        426,
        {
            "status": 426,
            "code": "NONEXISTENT_VERSION",
            "message": "Requested version 20251001 is not active",
        },
    ),
    "google_ads": Reply(
        400,
        {
            "error": {
                "code": 400,
                "message": "Request contains an invalid argument.",
                "status": "INVALID_ARGUMENT",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
                        "errors": [
                            {
                                "errorCode": {"requestError": "UNSUPPORTED_VERSION"},
                                "message": "Version v21 is deprecated. Requests to this version "
                                "will be blocked.",
                            }
                        ],
                    }
                ],
            }
        },
    ),
    "meta_ads": Reply(
        400,
        {
            "error": {
                "message": "(#2635) You are calling a deprecated version of the Ads API. "
                "Please update to the latest version: v26.0.",
                "type": "OAuthException",
                "code": 2635,
                "fbtrace_id": "A1",
            }
        },
    ),
    "salesforce": Reply(
        410, [{"errorCode": "GONE", "message": "The requested resource is no longer available."}]
    ),
}


def heard(transport) -> list[VersionSignal]:
    signals: list[VersionSignal] = []
    transport.on_version_signal = signals.append
    return signals


@pytest.mark.parametrize("vendor", sorted(REFUSALS))
def test_a_refused_version_fails_once_naming_version_and_fix(stub, make_transport, vendor):
    stub.script("/x", REFUSALS[vendor])
    transport = make_transport(vendor)
    transport.api_version, transport.upgrade_to = "OLD", "NEW"
    signals = heard(transport)
    with pytest.raises(VersionRefused) as raised:
        transport.get_json("/x")
    message = str(raised.value)
    assert "\n" not in message and len(stub.hits("/x")) == 1
    assert f"API version OLD is retired or unknown to {vendor}: move to NEW" in message
    assert "README, 'Upgrading a vendor API version'" in message
    assert [s.kind for s in signals] == ["refused"]


def test_an_ordinary_bad_request_is_no_version_refusal(stub, make_transport):
    stub.script("/x", Reply(400, {"status": 400, "code": "INVALID", "message": "bad field"}))
    transport = make_transport("linkedin_ads")
    signals = heard(transport)
    with pytest.raises(Exception) as raised:
        transport.get_json("/x")
    assert not isinstance(raised.value, VersionRefused) and signals == []


def test_sunset_and_deprecation_headers_are_heard_once(stub, make_transport):
    headers = {"Sunset": "Wed, 11 Nov 2026 23:59:59 GMT", "Deprecation": "@1767225600"}
    stub.script("/x", Reply(headers=headers), Reply(headers=headers))
    transport = make_transport("hubspot")
    signals = heard(transport)
    transport.get_json("/x")
    transport.get_json("/x")
    assert [(s.kind, s.sunset) for s in signals] == [
        ("sunset", date(2026, 11, 11)),
        ("deprecated", None),
    ]


def test_meta_auto_upgrade_warning_is_heard(stub, make_transport):
    warning = "Your request was auto-upgraded from v21.0 to v26.0"
    stub.script("/x", Reply(headers={"X-Ad-Api-Version-Warning": warning}))
    transport = make_transport("meta_ads")
    signals = heard(transport)
    assert transport.get_json("/x") == {"ok": True}
    assert signals == [VersionSignal("auto_upgraded", warning)]


def test_clients_carry_the_spoken_version_and_its_successor() -> None:
    from connectors.linkedin_ads import LinkedInAdsClient

    client = LinkedInAdsClient.from_credentials(
        {"access_token": "t", "account_ids": "1"}, base_url="http://127.0.0.1:9"
    )
    assert client.transport.api_version == spoken("linkedin_ads") == "202607"
    assert client.transport.upgrade_to == upgrade_target("linkedin_ads") == ""
    client.close()


@pytest.mark.parametrize(("served", "heard_refusal"), [(["61.0", "62.0", "63.0"], False),
                                                       (["63.0", "64.0"], True)])  # fmt: skip
def test_salesforce_version_list_says_whether_ours_is_served(stub, make_transport, served,
                                                             heard_refusal):  # fmt: skip
    from connectors.salesforce import API_VERSION

    body = [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in served]
    stub.script("/services/data/", Reply(200, body))
    transport = make_transport("salesforce")
    signals = heard(transport)
    transport.get_json("/services/data/")
    assert [s.kind for s in signals] == (["refused"] if heard_refusal else [])
    if heard_refusal:
        assert signals[0].detail == f"GET /services/data/ lists v63.0…v64.0, not {API_VERSION}"
