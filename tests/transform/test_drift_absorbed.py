"""Drift absorbed where it can be: Meta retypes `spend` (numbers where it sent numeric text) and
the marts still build from the coerced values; a value that does not parse is a reject with the
reason; a build that fails alerts at once, naming the model and the test."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from monitor.alerts.state import open_alerts
from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow

DRIFTED = "from raw_meta_ads.adset_daily where spend__v_text is not null"


def _published(paths: WarehousePaths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.published), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_retyped_spend_is_coerced_and_a_value_that_does_not_parse_is_rejected(
    transformed_project: Project,
) -> None:
    p = transformed_project
    paths = WarehousePaths(p.warehouse)
    p.roundtrip("sandbox", "faults", "meta_ads", "retype_field=spend")
    p.roundtrip("load", "meta_ads")
    with duckdb.connect(str(paths.working)) as con:
        drifted, expected = con.execute(
            f"select count(*), sum(cast(spend__v_text as decimal(18, 6))) {DRIFTED}"
        ).fetchone()
        assert drifted > 1 and con.execute(f"select count(spend) {DRIFTED}").fetchone() == (0,)
        (key,) = con.execute(
            f"select concat_ws('|', account_id, adset_id, cast(date as varchar)) {DRIFTED} "
            "order by all limit 1"
        ).fetchone()
        bad_spend = con.execute(
            "update raw_meta_ads.adset_daily set spend__v_text = 'n/a' "
            "where concat_ws('|', account_id, adset_id, cast(date as varchar)) = ? "
            "returning cast(spend__v_text as varchar)",
            [key],
        ).fetchall()
        assert bad_spend == [("n/a",)]

    p.roundtrip("transform")

    staged = (
        "select count(*), count(spend), sum(spend) from staging.stg_meta_ads__adset_daily s "
        "where exists (select 1 from raw_meta_ads.adset_daily r where r.adset_id = s.ad_group_id "
        "and r.date = s.date_day and r.spend__v_text is not null)"
    )
    ((rows, with_spend, total),) = _published(paths, staged)
    assert rows == with_spend == drifted - 1  # coerced from the text variant, one row left out
    assert total > 0 and total < expected
    ((marts,),) = _published(
        paths, "select count(*) from marts.campaign_performance_daily where platform = 'meta_ads'"
    )
    assert marts > 0
    assert _published(
        paths,
        "select system, source_table, record_key, column_name, value, reason "
        "from staging.stg_drift__rejected_values",
    ) == [("meta_ads", "adset_daily", key, "spend", "n/a", '"n/a" is not a decimal(18, 6)')]
    assert ("adset_daily", "spend", "type_change") in _published(
        paths, "select resource, column_name, kind from monitor.schema_changes"
    )
    health = p.roundtrip("health", "rejected_values", check=False)
    assert health.returncode == 1, health.stdout  # medium
    assert "do not parse" in health.stdout

    # a build that fails (a row whose campaign Meta never listed) publishes nothing and alerts
    before = paths.published.read_bytes()
    with duckdb.connect(str(paths.working)) as con:
        con.execute(
            "insert into raw_meta_ads.adset_daily by name select * replace "
            "('no-such-campaign' as campaign_id, 'orphan' as adset_id) "
            "from raw_meta_ads.adset_daily limit 1"
        )
    failed = p.roundtrip("transform", check=False)
    assert failed.returncode != 0
    assert paths.published.read_bytes() == before
    with sqlite3.connect(paths.state_file("monitor")) as con:
        alerts = {a.check: a for a in open_alerts(con)}
    assert "relationships_stg_meta_ads__adset_daily_campaign_id" in alerts["dbt_tests"].message
    assert "(test of stg_meta_ads__adset_daily)" in alerts["dbt_tests"].message
