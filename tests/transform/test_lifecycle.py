"""Lifecycle stages of marts.customers against the sandbox truth (truth.person_stage): each person's
stage, and the mix of stages (more marketing- than sales-qualified people)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def con(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"attach '{transformed.warehouse / 'roundtrip.duckdb'}' as wh (read_only)")
    con.execute(f"attach '{transformed.sandbox.truth_db}' as truth (read_only)")
    yield con
    con.close()


def test_each_persons_stage_follows_the_truth(con) -> None:
    total, agree = con.execute(
        "with person as ("
        " select m.customer_id, min(r.person_id) as person_id from wh.marts.customer_identity_map m"
        " join truth.record_person r on r.system = m.source_system and r.object = m.source_object"
        " and r.record_id = m.source_record_id group by 1 having count(distinct r.person_id) = 1)"
        " select count(*), count(*) filter (where c.lifecycle_stage = s.stage)"
        " from wh.marts.customers c join person using (customer_id)"
        " join truth.person_stage s using (person_id)"
    ).fetchone()
    assert total > 1000
    assert agree / total >= 0.97, (agree, total)


def test_stage_mix_matches_the_truth(con) -> None:
    ours = dict(
        con.execute(
            "select lifecycle_stage, count(*) from wh.marts.customers group by 1"
        ).fetchall()
    )
    truth = dict(
        con.execute("select stage, count(*) from truth.person_stage group by 1").fetchall()
    )
    assert ours["marketingqualifiedlead"] > ours["salesqualifiedlead"]
    for stage, want in truth.items():
        assert abs(ours.get(stage, 0) - want) <= max(10, want * 0.07), (
            stage,
            ours.get(stage),
            want,
        )


def test_stage_dates_are_in_order(con) -> None:
    out_of_order = con.execute(
        "select count(*) from wh.marts.customers where mql_at < lead_at or sql_at < mql_at"
    ).fetchone()[0]
    assert out_of_order == 0
