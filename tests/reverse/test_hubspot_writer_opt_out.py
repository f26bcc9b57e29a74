"""The HubSpot writer sends an email opt-out as an unsubscribe (Communication Preferences API),
never as a write of the read-only `hs_email_optout`; it never opts a contact back in; a refusal
of the unsubscribe is that record's reject, not the batch's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from connectors.http.errors import BadRequest
from reverse.writers import Change
from reverse.writers.hubspot import Writer

UPDATE = SimpleNamespace(
    mode="update", destination=SimpleNamespace(object="contacts", match_field="hs_object_id")
)


class Client:
    """Records the calls; contact 3 has no address, nobody@ is unknown to the preferences API."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.emails = {"1": "one@example.com", "2": "nobody@example.com", "3": "", "4": "four@x.io"}

    def batch_update(self, object_type: str, inputs: list[dict]) -> dict:
        self.calls.append(("update", inputs))
        return {"results": [{"id": i["id"]} for i in inputs]}

    def batch_read(self, object_type: str, ids: list[str], properties: list[str]) -> list[dict]:
        self.calls.append(("read", list(ids)))
        return [{"id": i, "properties": {"email": self.emails[i]}} for i in ids]

    def unsubscribe_all(self, email: str, channel: str = "EMAIL") -> dict:
        self.calls.append(("unsubscribe", (email, channel)))
        if email.startswith("nobody"):
            raise BadRequest("hubspot", "POST /communication-preferences/…", 404,
                             f"No contact with email address {email} exists")  # fmt: skip
        return {"status": "COMPLETE", "results": []}


def change(key: str, **values: Any) -> Change:
    return Change(key, "update", values, "h", "{}")


def test_opt_out_goes_through_the_preferences_api() -> None:
    client = Client()
    changes = [
        change("1", hs_email_optout="true", phone="+1 555"),
        change("2", hs_email_optout="true"),
        change("3", hs_email_optout="true"),
        change("4", hs_email_optout="false"),
        change("5", phone="+1 556"),
    ]
    results = {r.key: r for r in Writer(client).write(UPDATE, changes)}  # type: ignore[arg-type]
    updates = [c for kind, c in client.calls if kind == "update"]
    assert updates == [[{"id": "1", "properties": {"phone": "+1 555"}},
                        {"id": "5", "properties": {"phone": "+1 556"}}]]  # fmt: skip
    assert [c for kind, c in client.calls if kind == "read"] == [["1", "2", "3"]]  # one read
    assert [c for kind, c in client.calls if kind == "unsubscribe"] == [
        ("one@example.com", "EMAIL"), ("nobody@example.com", "EMAIL")
    ]  # fmt: skip
    assert results["1"].accepted and results["5"].accepted
    assert not results["2"].accepted and "No contact with email address" in results["2"].reason
    assert not results["3"].accepted and "no email address" in results["3"].reason
    assert not results["4"].accepted and "own consent" in results["4"].reason


def test_without_an_opt_out_nothing_changes() -> None:
    client = Client()
    results = Writer(client).write(UPDATE, [change("1", phone="+1")])  # type: ignore[arg-type]
    assert [kind for kind, _ in client.calls] == ["update"] and results[0].accepted


def test_upsert_unsubscribes_by_the_upsert_key() -> None:
    class Upserts(Client):
        def batch_upsert(self, object_type: str, inputs: list[dict]) -> dict:
            return {"results": [{"id": "9", "properties": {"email": i["id"]}} for i in inputs]}

    client = Upserts()
    spec = SimpleNamespace(
        mode="upsert", destination=SimpleNamespace(object="contacts", match_field="email")
    )
    new = Change(
        "new@example.com", "insert", {"firstname": "N", "hs_email_optout": True}, "h", "{}"
    )
    (result,) = Writer(client).write(spec, [new])  # type: ignore[arg-type]
    assert result.accepted and result.record_id == "9"
    assert client.calls == [("unsubscribe", ("new@example.com", "EMAIL"))]
