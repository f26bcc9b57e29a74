"""`roundtrip events` and `roundtrip serve --check` as an operator uses them, and the inbox's
mirror in the published warehouse."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from realtime.inbox import Event, Inbox
from warehouse.location import WarehousePaths
from warehouse.publish import publish


def roundtrip(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"ROUNDTRIP_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
           "ROUNDTRIP_SANDBOX_DIR": str(tmp_path / "sandbox"),
           "ROUNDTRIP_CONFIG": str(tmp_path / "roundtrip.toml"), "PATH": "/usr/bin:/bin"}  # fmt: skip
    (tmp_path / "roundtrip.toml").touch()
    return subprocess.run([sys.executable, "-m", "roundtrip", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def seed_inbox(tmp_path: Path) -> Inbox:
    inbox = Inbox(WarehousePaths(tmp_path / "warehouse").state_file("events"))
    now = datetime.now(UTC)
    inbox.accept([Event("website", f"e{n}", "form.submission", f"email:p{n}@x.example",
                        {"n": n}, now) for n in range(3)])  # fmt: skip
    first, second, _ = inbox.claim(3)
    inbox.complete(first.seq, "form_to_lead: Lead 00Q1 created")
    inbox.fail(second.seq, "HubSpot contact 9 was not found", final=True)
    return inbox


def test_list_retry_and_replay(tmp_path: Path) -> None:
    inbox = seed_inbox(tmp_path)
    dead = roundtrip(tmp_path, "events", "list", "--status", "dead")
    assert dead.returncode == 0, dead.stderr
    assert "dead 1" in dead.stdout and "not found" in dead.stdout
    retried = roundtrip(tmp_path, "events", "retry")
    assert retried.stdout.strip() == "1 dead event(s) queued again"
    assert inbox.counts() == {"done": 1, "pending": 2}
    replayed = roundtrip(tmp_path, "events", "replay", "1")
    assert replayed.stdout.strip() == "1 event(s) queued again"
    assert inbox.counts() == {"pending": 3}


def test_no_inbox_yet_is_one_line(tmp_path: Path) -> None:
    result = roundtrip(tmp_path, "events", "list")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: no event inbox at ") and result.stderr.count("\n") == 1


def test_a_bad_flows_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "flows.yml"
    bad.write_text("flows:\n  - name: f\n    activities: [form.submission]\n    action: upsert_lead\n"
                   "    fields: {Title: job}\n")  # fmt: skip
    result = roundtrip(tmp_path, "serve", "--check", "--flows", str(bad))
    assert result.returncode == 2
    assert result.stderr == (
        f"Error: {bad}: flow f: fields.Title: 'job' is not an activity field; accepted: email, "
        "firstname, lastname, company, jobtitle, phone, country, utm_source, utm_medium, "
        "utm_campaign, gclid, fbclid, li_fat_id, form_id, form_name, detail, source, activity\n"
    )


def test_the_inbox_is_mirrored_into_the_published_warehouse(tmp_path: Path) -> None:
    seed_inbox(tmp_path)
    paths = WarehousePaths(tmp_path / "warehouse").ensure()
    duckdb.connect(str(paths.working)).close()
    publish(paths)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        rows = con.execute(
            "select status, count(*) from events.inbox group by 1 order by 1"
        ).fetchall()
        assert rows == [("dead", 1), ("done", 1), ("pending", 1)]
        assert {"refusals", "heartbeats", "cursors"} <= {
            r[0] for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'events'"
            ).fetchall()
        }  # fmt: skip
