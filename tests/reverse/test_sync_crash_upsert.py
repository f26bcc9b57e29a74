"""Crash safety under kill -9 at random points, and upserts that create missing records."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time

import duckdb
import pytest

from tests.reverse.conftest import SyncProject, history_counts, hubspot_spec

pytestmark = pytest.mark.slow

ROWS = """
select crm_record_id as id, lead_score + {bump} as score, lead_tier as tier
from marts.crm_record_scores where crm_system = 'hubspot'
order by cast(crm_record_id as integer) limit 1500
"""


def _crm_scores(sp: SyncProject) -> dict[str, str | None]:
    with sp.world() as world:
        rows = world.execute("select id, lead_score from hubspot_contacts").fetchall()
        return {str(i): v for i, v in rows}


def _model_scores(sp: SyncProject) -> dict[str, int]:
    with duckdb.connect(str(sp.project.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        return dict(con.execute("select id, score from test.scores").fetchall())


def _runs_so_far(sp: SyncProject) -> set[str]:
    path = sp.project.warehouse / "state" / "reverse.sqlite"
    if not path.exists():
        return set()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return {r[0] for r in con.execute("select run_id from sync_runs")}


def _wait_for_first_batch(
    sp: SyncProject, process: subprocess.Popen[bytes], earlier: set[str]
) -> None:
    """Until the new run has a batch accepted (a sync_state row of a run not in `earlier`):
    killing before that tests nothing, and on a loaded machine the start alone can take seconds."""
    path = sp.project.warehouse / "state" / "reverse.sqlite"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:  # finished already (a fast machine): nothing to kill
            return
        if path.exists():
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as con:
                try:
                    runs = {r[0] for r in con.execute("select distinct run_id from sync_state")}
                except sqlite3.OperationalError:  # created, its tables not yet
                    runs = set()
            if runs - earlier:
                return
        time.sleep(0.05)
    raise AssertionError("the sync accepted no batch within 300 s")


def test_kill_9_at_random_points_loses_nothing_and_writes_at_most_twice(sp: SyncProject) -> None:
    rng = random.Random(11)
    sp.write_specs(hubspot_spec("crashy", "scores"))
    sp.faults("hubspot", "latency_ms=150")
    for trial in range(1, 4):
        sp.add_model("scores", ROWS.format(bump=trial))
        with sp.world() as world:
            before = history_counts(world)
        earlier = _runs_so_far(sp)
        process = subprocess.Popen(
            [sys.executable, "-m", "roundtrip", "sync"],
            cwd=sp.project.root,
            env={**sp.project.env, "ROUNDTRIP_SYNCS": str(sp.specs)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_first_batch(sp, process, earlier)
        time.sleep(rng.uniform(0.0, 4.0))  # a random point after the first batch
        process.kill()
        process.wait()
        sp.project.roundtrip("sandbox", "down")  # the stand-ins outlive the killed sync

        crm, wanted = _crm_scores(sp), _model_scores(sp)
        with sp.world() as world:
            written = world.execute(
                "select cast(object_id as varchar), list(cast(value as double)) "
                "from hubspot_property_history where property = 'lead_score' group by 1"
            ).fetchall()
        history = dict(written)
        for key, payload in sp.state().execute("select key, payload from sync_state"):
            # the state never claims a write the destination did not accept: its value was
            # written, and the CRM holds it unless the killed run's in-doubt batch replaced it
            accepted = json.loads(payload)["lead_score"]
            assert accepted in history[key], (trial, key)
            assert float(crm[key]) in (accepted, wanted[key]), (trial, key)

        sp.sync()
        crm = _crm_scores(sp)
        with sp.world() as world:
            after = history_counts(world)
        model = {str(r[0]): r[1] for r in sp.state().execute("select key, payload from sync_state")}
        assert len(model) == 1500
        for key, payload in model.items():
            assert float(crm[key]) == json.loads(payload)["lead_score"]
            assert 1 <= after.get(int(key), 0) - before.get(int(key), 0) <= 2, (trial, key)
        runs = dict(sp.state().execute("select status, count(*) from sync_runs group by 1"))
        assert runs.get("running", 0) == 0


def test_upserts_create_missing_records_and_reject_incomplete_ones(sp: SyncProject) -> None:
    sp.add_model(
        "people",
        "select * from (values ('existing@x.test', 11), ('NEW.Person@Example.test', 42)) "
        "as t(email, score)",
    )
    sp.add_model(
        "customers",
        "select * from (values ('c-1', 'Lovelace', 55), ('c-2', null, 60)) as t(customer, last_name, score)",
    )
    with sp.world_rw() as world:
        world.execute(
            "update hubspot_contacts set email = 'existing@x.test' where id = (select min(id) from hubspot_contacts)"
        )
    sp.write_specs(
        """
syncs:
  - name: hubspot_people
    model: test.people
    key: email
    mode: upsert
    destination: {system: hubspot, object: contacts, match_field: email}
    mappings: [{from: score, to: lead_score}]
  - name: salesforce_customers
    model: test.customers
    key: customer
    mode: upsert
    destination: {system: salesforce, object: Contact, match_field: Roundtrip_Customer_Id__c}
    mappings: [{from: score, to: Lead_Score__c}, {from: last_name, to: LastName}]
"""
    )
    sp.sync()
    hubspot, salesforce = sp.last_run("hubspot_people"), sp.last_run("salesforce_customers")
    assert (hubspot["inserts"], hubspot["accepted"], hubspot["rejected"]) == (2, 2, 0)
    assert (salesforce["accepted"], salesforce["rejected"]) == (1, 1)
    reason = sp.state().execute("select reason from sync_rejects where key = 'c-2'").fetchone()[0]
    assert reason.startswith("REQUIRED_FIELD_MISSING")
    with sp.world() as world:
        contacts = world.execute(
            "select lower(email), lead_score from hubspot_contacts "
            "where lower(email) in ('existing@x.test', 'new.person@example.test') order by 1"
        ).fetchall()
        created = world.execute(
            'select "LastName", "Lead_Score__c" from salesforce_contact '
            """where "Roundtrip_Customer_Id__c" = 'c-1'"""
        ).fetchall()
    assert contacts == [("existing@x.test", "11"), ("new.person@example.test", "42")]
    assert created == [("Lovelace", 55.0)]
    sp.sync("hubspot_people")
    assert sp.last_run("hubspot_people")["requests"] == 0
