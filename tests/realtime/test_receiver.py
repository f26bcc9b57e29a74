"""The receiver over real loopback HTTP: a delivery is durable before its 2xx; every refusal
leaves the inbox untouched and is counted."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from realtime.flows import load_flows
from realtime.inbox import Inbox
from realtime.receiver import MAX_FORM_BYTES, IpRateLimit, create_app
from realtime.signatures import ReceiverSecrets
from sandbox.server.hubspot_webhooks import sign as hubspot_sign
from sandbox.simulate import sign as website_sign

APP_SECRET = "sbx-app-secret"
FORM_SECRET = "sbx-form-secret"


class Receiver:
    def __init__(self, url: str, inbox_path: Path) -> None:
        self.url = url
        self.inbox = Inbox(inbox_path)
        self.http = httpx.Client(base_url=url, timeout=10)

    def hubspot(self, events: list[dict], *, secret: str = APP_SECRET, age_ms: int = 0,
                body: bytes | None = None) -> httpx.Response:  # fmt: skip
        data = body if body is not None else json.dumps(events).encode()
        stamp = str(int(time.time() * 1000) - age_ms)
        headers = hubspot_sign(secret, "POST", f"{self.url}/webhooks/hubspot", data, stamp)
        return self.http.post("/webhooks/hubspot", content=data, headers=headers)

    def form(self, form_id: str, fields: dict | None = None, *, encoded: bytes | None = None,
             secret: str = FORM_SECRET, ip: str = "203.0.113.9") -> httpx.Response:  # fmt: skip
        body = encoded if encoded is not None else json.dumps(fields).encode()
        kind = "application/x-www-form-urlencoded" if encoded is not None else "application/json"
        headers = {"Content-Type": kind, "X-Forwarded-For": ip,
                   **website_sign(secret, body, int(time.time()))}  # fmt: skip
        return self.http.post(f"/forms/{form_id}", content=body, headers=headers)

    def stored(self) -> int:
        return sum(self.inbox.counts().values())

    def refused(self) -> dict[tuple[str, str], int]:
        return self.inbox.refusal_counts()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    path = tmp_path / "events.sqlite"
    Inbox(path).close()
    app = create_app(path, ReceiverSecrets(APP_SECRET, FORM_SECRET), load_flows(),
                     rate_limit=IpRateLimit(rate=1.0, burst=3))  # fmt: skip
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield Receiver(f"http://127.0.0.1:{sock.getsockname()[1]}", path)
    server.should_exit = True
    thread.join()


def contact_event(event_id: int, **extra: object) -> dict:
    return {"eventId": event_id, "subscriptionId": 1, "portalId": 1, "appId": 7,
            "occurredAt": int(time.time() * 1000), "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0, "objectId": 42, "propertyName": "hs_email_last_click_date",
            "propertyValue": "1", **extra}  # fmt: skip


def test_a_signed_batch_is_stored_once_even_when_hubspot_sends_it_again(receiver: Receiver) -> None:
    events = [contact_event(1), contact_event(2, objectId=43)]
    first = receiver.hubspot(events)
    assert first.status_code == 200 and first.json() == {"accepted": 2, "duplicates": 0}
    again = receiver.hubspot([{**e, "attemptNumber": 1} for e in events])
    assert again.json() == {"accepted": 0, "duplicates": 2}
    stored = receiver.inbox.events()
    assert {e.record_key for e in stored} == {"hubspot:contact:42", "hubspot:contact:43"}


@pytest.mark.parametrize(
    ("send", "status", "reason"),
    [
        (lambda r: r.hubspot([contact_event(1)], secret="forged"), 401, "signature: signature does not match"),
        (lambda r: r.hubspot([contact_event(1)], age_ms=360_000), 401, "signature: timestamp is"),
        (lambda r: r.hubspot([], body=b"{not json"), 400, "body is not JSON"),
        (lambda r: r.hubspot([{"eventId": 1}]), 400, "an event lacks one of"),
        (lambda r: r.hubspot([], body=b"[" + b" " * 1_000_001 + b"]"), 413, "body over"),
    ],
)  # fmt: skip
def test_a_bad_hubspot_delivery_is_refused_with_no_side_effect(
    receiver: Receiver, send, status: int, reason: str
) -> None:
    response = send(receiver)
    assert response.status_code == status
    assert receiver.stored() == 0
    ((source, why), count), *_ = receiver.refused().items()
    assert source == "hubspot" and why.startswith(reason) and count == 1


def test_website_forms_json_and_form_encoded(receiver: Receiver) -> None:
    ok = receiver.form("demo-request", {"email": "  Ada@Example.COM ", "firstname": "Ada",
                                        "utm_campaign": "q4-demo", "submission_id": "s-1"})  # fmt: skip
    assert ok.status_code == 202 and ok.json()["event_id"] == "s-1"
    encoded = receiver.form("newsletter", encoded=b"email=grace%40example.com&firstname=Grace")
    assert encoded.status_code == 202
    stored = {e.event_id: e for e in receiver.inbox.events()}
    assert stored["s-1"].record_key == "email:ada@example.com"
    assert stored["s-1"].payload["fields"]["email"] == "ada@example.com"
    assert stored["s-1"].payload["form_name"] == "Demo request"
    assert (
        receiver.form(
            "demo-request", {"email": "ada@example.com", "submission_id": "s-1"}
        ).status_code
        == 202
    )
    assert receiver.stored() == 2  # the repeated submission id is the same event


@pytest.mark.parametrize(
    ("form_id", "fields", "status", "reason"),
    [
        ("no-such-form", {"email": "a@b.example"}, 404, "unknown form"),
        ("demo-request", {"firstname": "No e-mail"}, 422, "field 'email' is not an e-mail address"),
        (
            "demo-request",
            {"email": "not-an-address"},
            422,
            "field 'email' is not an e-mail address",
        ),
        ("demo-request", {"email": "a@b.example", "notes": "x" * MAX_FORM_BYTES}, 413, "body over"),
        ("demo-request", {"email": ["a@b.example"]}, 400, "field 'email' is not a single value"),
    ],
)
def test_a_bad_form_post_is_refused_with_no_side_effect(
    receiver: Receiver, form_id: str, fields: dict, status: int, reason: str
) -> None:
    response = receiver.form(form_id, fields)
    assert response.status_code == status, response.text
    assert receiver.stored() == 0
    assert next(why for (_, why) in receiver.refused()).startswith(reason)


def test_forged_forms_honeypots_and_floods_are_refused(receiver: Receiver) -> None:
    forged = receiver.form("demo-request", {"email": "a@b.example"}, secret="guess")
    assert forged.status_code == 401
    bot = receiver.form("demo-request", {"email": "bot@spam.example", "website": "http://spam"})
    assert bot.status_code == 202  # the bot learns nothing
    flood = [receiver.form("demo-request", {"email": f"p{i}@b.example"}, ip="198.51.100.7")
             for i in range(5)]  # fmt: skip
    assert [r.status_code for r in flood] == [202, 202, 202, 429, 429]
    assert flood[-1].headers["Retry-After"] == "1"
    assert receiver.stored() == 3
    reasons = {why: n for (_, why), n in receiver.refused().items()}
    assert reasons["honeypot field 'website' filled"] == 1
    assert reasons["too many posts from this address"] == 2
