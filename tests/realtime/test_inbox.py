"""The inbox: idempotent on the vendor's event id, ordered per record, retried, dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from realtime.inbox import MAX_ATTEMPTS, Event, Inbox


def event(event_id: str, record: str = "email:a@b.example") -> Event:
    return Event("website", event_id, "form.submission", record, {"n": event_id}, datetime.now(UTC))


def test_a_replayed_delivery_is_a_no_op(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "events.sqlite")
    assert inbox.accept([event("1"), event("2", "email:c@d.example")]) == (2, 0)
    assert inbox.accept([event("1"), event("3", "email:e@f.example")]) == (1, 1)
    assert inbox.counts() == {"pending": 3}


def test_events_of_one_record_are_claimed_one_at_a_time_in_order(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "events.sqlite")
    inbox.accept([event("1"), event("2"), event("3", "email:x@y.example")])
    first = inbox.claim(10)
    assert [e.event_id for e in first] == ["1", "3"]
    inbox.fail(first[0].seq, "Salesforce said no")  # waits with backoff, still blocks "2"
    assert [e.event_id for e in inbox.claim(10, datetime.now(UTC))] == ["3"]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert [e.event_id for e in inbox.claim(10, later)] == ["1", "3"]
    inbox.complete(first[0].seq, "ok")
    assert [e.event_id for e in inbox.claim(10, later)] == ["2", "3"]


def test_an_event_is_dead_lettered_after_the_last_attempt_and_can_be_retried(
    tmp_path: Path,
) -> None:
    inbox = Inbox(tmp_path / "events.sqlite")
    inbox.accept([event("1")])
    seq = inbox.claim(1)[0].seq
    statuses = [inbox.fail(seq, f"try {n}") for n in range(MAX_ATTEMPTS)]
    assert statuses[-1] == "dead" and set(statuses[:-1]) == {"pending"}
    dead = inbox.events("dead")
    assert dead[0].last_error == f"try {MAX_ATTEMPTS - 1}" and dead[0].attempts == MAX_ATTEMPTS
    assert inbox.claim(1, datetime.now(UTC) + timedelta(days=1)) == []
    assert inbox.requeue() == 1
    assert inbox.claim(1)[0].attempts == 0


def test_a_bad_payload_dies_at_once_and_commits_survive_a_new_connection(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    inbox = Inbox(path)
    inbox.accept([event("1")])
    assert inbox.fail(inbox.claim(1)[0].seq, "no e-mail", final=True) == "dead"
    inbox.close()
    assert Inbox(path).counts() == {"dead": 1}
