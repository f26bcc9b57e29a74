"""Reverse sync under failure: refused records and batches, retries until dead, records deleted
in the CRM, null policies, mirror clears, vendor faults and spec validation."""

from __future__ import annotations

import pytest

from tests.reverse.conftest import SyncProject, history_counts, hubspot_spec

pytestmark = pytest.mark.slow

HUBSPOT_ROWS = """
select crm_record_id as id, lead_score as score, lead_tier as tier
from marts.crm_record_scores where crm_system = 'hubspot'
order by cast(crm_record_id as integer) limit {n}
"""


def _hubspot_values(sp: SyncProject, ids: list[str]) -> dict[str, tuple]:
    with sp.world() as world:
        rows = world.execute(
            "select cast(id as varchar), lead_score, lead_tier from hubspot_contacts "
            f"where id in ({', '.join(ids)})"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _rejects(sp: SyncProject, sync: str) -> dict[str, tuple]:
    rows = (
        sp.state()
        .execute("select key, reason, attempts, status from sync_rejects where sync = ?", [sync])
        .fetchall()
    )
    return {r[0]: r[1:] for r in rows}


def test_refused_records_are_isolated_retried_then_dead(sp: SyncProject) -> None:
    sp.add_model(
        "scores",
        f"select id, score, case when row_number() over (order by cast(id as integer)) in (7, 150, 151) "
        f"then 'Z' else tier end as tier from ({HUBSPOT_ROWS.format(n=300)})",
    )
    sp.write_specs(hubspot_spec("refusals", "scores", extra="    max_attempts: 2\n"))
    sp.sync()
    run = sp.last_run("refusals")
    assert (run["planned"], run["accepted"], run["rejected"], run["status"]) == (
        300,
        297,
        3,
        "partial",
    )
    assert run["requests"] > 3  # the two refused batches were split to isolate the bad records
    rejects = _rejects(sp, "refusals")
    assert len(rejects) == 3
    assert all(
        "Z was not one of the allowed options" in r[0] and r[1:] == (1, "retrying")
        for r in rejects.values()
    )
    crm = _hubspot_values(sp, list(rejects))
    assert all(value == (None, None) for value in crm.values())  # nothing half-written

    sp.sync()
    run = sp.last_run("refusals")
    assert (run["planned"], run["retried"], run["rejected"], run["dead"]) == (3, 3, 3, 3)
    assert {r[1:] for r in _rejects(sp, "refusals").values()} == {(2, "dead")}
    sp.sync()
    run = sp.last_run("refusals")
    assert (run["planned"], run["requests"]) == (0, 0)  # dead records are not sent again

    sp.add_model(
        "scores", HUBSPOT_ROWS.format(n=300)
    )  # the model is fixed: new values, new attempts
    sp.sync()
    run = sp.last_run("refusals")
    assert (run["planned"], run["accepted"], run["rejected"]) == (3, 3, 0)
    assert _rejects(sp, "refusals") == {}


def test_records_deleted_in_the_crm_are_rejected_then_retired(sp: SyncProject) -> None:
    sp.add_model("scores", HUBSPOT_ROWS.format(n=120))
    sp.write_specs(hubspot_spec("deleted", "scores"))
    with sp.world_rw() as world:
        gone = world.execute(
            "update hubspot_contacts set archived = true, archived_at = updated_at "
            "where id = (select min(id) + 5 from hubspot_contacts) returning cast(id as varchar)"
        ).fetchone()[0]
        sf_gone = world.execute(
            'update salesforce_lead set "IsDeleted" = true where "Id" = '
            '(select min("Id") from salesforce_lead where not "IsConverted") returning "Id"'
        ).fetchone()[0]
    sp.sync()
    run = sp.last_run("deleted")
    assert (run["accepted"], run["rejected"]) == (119, 1)
    assert "OBJECT_NOT_FOUND" in _rejects(sp, "deleted")[gone][0]

    sp.add_model("scores", f"select * from ({HUBSPOT_ROWS.format(n=120)}) where id != '{gone}'")
    sp.sync()
    assert _rejects(sp, "deleted")[gone][2] == "gone"
    assert sp.last_run("deleted")["planned"] == 0

    sp.add_model(
        "leads",
        "select crm_record_id as id, lead_score as score from marts.crm_record_scores "
        "where crm_object = 'Lead' order by crm_record_id limit 50",
    )
    sp.write_specs(
        """
syncs:
  - name: sf_leads
    model: test.leads
    key: id
    destination: {system: salesforce, object: Lead, match_field: Id}
    mappings: [{from: score, to: Lead_Score__c}]
"""
    )
    sp.sync()
    run = sp.last_run("sf_leads")
    assert (run["accepted"], run["rejected"], run["requests"]) == (49, 1, 1)
    assert _rejects(sp, "sf_leads")[sf_gone][0].startswith("ENTITY_IS_DELETED")


def test_null_policy_keep_never_clears_and_clear_does(sp: SyncProject) -> None:
    sp.add_model("scores", HUBSPOT_ROWS.format(n=40))
    sp.write_specs(hubspot_spec("nulls", "scores"))
    sp.sync()
    ids = [str(r[0]) for r in sp.state().execute("select key from sync_state").fetchall()]
    before = _hubspot_values(sp, ids)
    sp.add_model(
        "scores", f"select id, score + 1 as score, null as tier from ({HUBSPOT_ROWS.format(n=40)})"
    )
    sp.sync()
    after = _hubspot_values(sp, ids)
    assert all(after[i][1] == before[i][1] is not None for i in ids)  # tier kept
    assert all(int(after[i][0]) == int(before[i][0]) + 1 for i in ids)

    sp.write_specs(hubspot_spec("nulls", "scores", extra="    null_policy: clear\n"))
    sp.sync("--full")
    assert all(v[1] is None for v in _hubspot_values(sp, ids).values())


def test_mirror_clears_records_that_left_the_model(sp: SyncProject) -> None:
    sp.add_model("scores", HUBSPOT_ROWS.format(n=50))
    sp.write_specs(hubspot_spec("mirrored", "scores", mode="mirror"))
    sp.sync()
    ids = [r[0] for r in sp.state().execute("select key from sync_state order by key").fetchall()]
    sp.add_model("scores", HUBSPOT_ROWS.format(n=40))
    sp.sync()
    run = sp.last_run("mirrored")
    assert (run["clears"], run["updates"], run["accepted"]) == (10, 0, 10)
    kept = {r[0] for r in sp.state().execute("select key from sync_state").fetchall()}
    cleared = [i for i in ids if i not in kept]
    assert len(kept) == 40 and len(cleared) == 10
    assert all(v == (None, None) for v in _hubspot_values(sp, cleared).values())
    assert all(v[0] is not None for v in _hubspot_values(sp, sorted(kept)).values())


def test_vendor_faults_are_retried_until_every_record_is_accepted(sp: SyncProject) -> None:
    sp.add_model("scores", HUBSPOT_ROWS.format(n=1000))
    sp.add_model(
        "leads",
        "select crm_record_id as id, lead_score as score from marts.crm_record_scores "
        "where crm_object = 'Lead' order by crm_record_id limit 1000",
    )
    sp.write_specs(
        hubspot_spec("storm", "scores")
        + """
  - name: sf_expiring
    model: test.leads
    key: id
    batch_size: 50
    destination: {system: salesforce, object: Lead, match_field: Id}
    mappings: [{from: score, to: Lead_Score__c}]
"""
    )
    sp.faults(
        "hubspot",
        "burst_429=4",
        "retry_after=1",
        "error_rate=0.25",
        "error_retry_after=0",
        "seed=3",
    )
    sp.faults("salesforce", "token_ttl=1", "latency_ms=150")
    sp.sync()
    storm, expiring = sp.last_run("storm"), sp.last_run("sf_expiring")
    assert (storm["accepted"], storm["rejected"], storm["status"]) == (1000, 0, "succeeded")
    assert storm["http_retries"] > 0  # 429s and 5xx were retried, none reached a record
    assert (expiring["accepted"], expiring["rejected"], expiring["status"]) == (
        1000,
        0,
        "succeeded",
    )
    assert expiring["seconds"] > 2  # long enough for the 1-second tokens to expire mid-sync


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("model: test.nope", "model test.nope does not exist"),
        ("key: nope", "column 'nope' is not in test.scores"),
        (
            "destination: {system: marketo, object: leads, match_field: id}",
            "'marketo' is not supported",
        ),
        ("mappings: [{from: score, to: no_such_property}]", "has no field 'no_such_property'"),
        (
            "mappings: [{from: score, to: hs_object_id}]",
            "match field hs_object_id cannot be mapped",
        ),
        ("mode: sometimes", "`mode` must be one of update, upsert, mirror"),
    ],
)
def test_invalid_specs_fail_before_anything_is_sent(
    sp: SyncProject, change: str, message: str
) -> None:
    sp.add_model("scores", HUBSPOT_ROWS.format(n=10))
    sp.write_specs(_with_change(change))
    result = sp.sync(check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    with sp.world() as world:
        assert history_counts(world) == {}


def _with_change(change: str) -> str:
    """A valid sync followed by one whose setting `change` replaces the valid one."""
    key = change.split(":")[0]
    lines = {
        "model": "model: test.scores",
        "key": "key: id",
        "destination": "destination: {system: hubspot, object: contacts, match_field: hs_object_id}",
        "mode": "mode: update",
        "mappings": "mappings: [{from: score, to: lead_score}]",
    }
    lines[key] = change
    bad = "\n".join(f"    {line}" for line in lines.values())
    return hubspot_spec("good", "scores") + f"  - name: bad\n{bad}\n"
