"""Score syncs write only what matters: one sandbox day later (scores decay daily), the shipped
HubSpot score sync rewrites a small share of the contacts, and its dry run plans exactly what
the real run then sends."""

from __future__ import annotations

import re

import duckdb
import pytest
import yaml

from reverse.specs import DEFAULT_SPECS
from tests.conftest import Project
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "hubspot_contact_scores"


def _planned_updates(stdout: str) -> int:
    """The `updates` cell of the sync's row in the dry run's summary table."""
    row = next(line for line in stdout.splitlines() if SYNC in line and "│" in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    return int(re.sub(r"[^0-9]", "", cells[2]))


def test_a_day_later_only_material_score_changes_are_written(sp: SyncProject) -> None:
    shipped = yaml.safe_load(DEFAULT_SPECS.read_text())
    sp.write_specs(DEFAULT_SPECS.read_text())
    every_change = {**shipped, "syncs": [{**s, "min_change": None} for s in shipped["syncs"]]}
    unthresholded = sp.project.root / "every-change.yml"
    unthresholded.write_text(yaml.safe_dump(every_change))

    sp.sync(SYNC)
    contacts = sp.last_run(SYNC)["accepted"]
    sp.project.roundtrip("sandbox", "advance", "--days", "1")
    sp.project.roundtrip("load")
    sp.project.roundtrip("transform")

    # without thresholds every decayed score is a change (the behaviour before min_change)
    without = _planned_updates(
        sp.sync("--dry-run", SYNC, ROUNDTRIP_SYNCS=str(unthresholded)).stdout
    )
    dry = _planned_updates(sp.sync("--dry-run", SYNC).stdout)
    sp.sync(SYNC)
    run = sp.last_run(SYNC)
    print(f"\n{SYNC} one day later: {run['sent']:,} of {contacts:,} contacts rewritten "
          f"({without:,} without min_change)")  # fmt: skip
    assert run["status"] == "succeeded"
    assert dry == run["planned"] == run["sent"]
    assert without > contacts // 2  # the daily decay moves most scores a little
    assert run["sent"] * 5 < without  # most of those moves are below the thresholds
    sp.sync(SYNC)
    assert sp.last_run(SYNC)["sent"] == 0


def test_lead_score_is_an_integer_from_0_to_100(transformed: Project) -> None:
    published = transformed.warehouse / "roundtrip.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        types = con.execute(
            "select table_name, data_type from information_schema.columns "
            "where column_name = 'lead_score' and table_schema = 'marts'"
        ).fetchall()
        low, high = con.execute(
            "select min(lead_score), max(lead_score) from marts.crm_record_scores"
        ).fetchone()
    assert dict(types) == {
        "lead_scores": "INTEGER", "customers": "INTEGER", "crm_record_scores": "INTEGER"
    }  # fmt: skip
    assert 0 <= low < high <= 100
