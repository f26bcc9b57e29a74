"""marts.accounts against the sandbox truth: one row per company known to HubSpot or Salesforce,
closed-won revenue per company as the truth has it, people per company close to the truth."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def con(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, the sandbox world and its truth attached to one in-memory connection."""
    con = duckdb.connect()
    con.execute(f"attach '{transformed.warehouse / 'roundtrip.duckdb'}' as wh (read_only)")
    con.execute(f"attach '{transformed.sandbox.root / 'world.duckdb'}' as world (read_only)")
    con.execute(f"attach '{transformed.sandbox.truth_db}' as truth (read_only)")
    yield con
    con.close()


def test_one_row_per_company_known_to_either_crm(con) -> None:
    ours = con.execute("select domain, account_key from wh.marts.accounts").fetchall()
    assert len({k for _, k in ours}) == len(ours)
    known = {
        d
        for (d,) in con.execute(
            "select c.domain from truth.companies c where c.domain in ("
            " select lower(domain) from world.hubspot_companies where not archived"
            " union select regexp_replace(lower(Website), '^(https?://)?(www\\.)?', '')"
            " from world.salesforce_account where not IsDeleted)"
        ).fetchall()
    }
    assert len(known) > 500
    assert {d for d, _ in ours} == known


def test_closed_won_revenue_per_company_equals_truth(con) -> None:
    truth = dict(
        con.execute(
            "select c.domain, sum(o.amount) from truth.opportunities o"
            " join truth.people p using (person_id) join truth.companies c using (company_id)"
            " where o.closed_won_at is not null group by 1"
        ).fetchall()
    )
    ours = dict(
        con.execute(
            "select domain, closed_won_revenue from wh.marts.accounts where closed_won_revenue <> 0"
        ).fetchall()
    )
    assert sum(truth.values()) > 0
    assert {d: Decimal(v) for d, v in ours.items()} == {d: Decimal(v) for d, v in truth.items()}


def test_people_per_company_follow_the_truth(con) -> None:
    rows = con.execute(
        "select a.domain, a.people, t.people from wh.marts.accounts a join ("
        " select c.domain, count(*) as people from truth.people p"
        " join truth.companies c using (company_id) group by 1) t on t.domain = a.domain"
    ).fetchall()
    close = [d for d, ours, truth in rows if abs(ours - truth) <= max(1, truth // 10)]
    assert len(close) / len(rows) >= 0.9, (len(close), len(rows))
