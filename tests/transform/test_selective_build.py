"""`roundtrip transform` builds only what changed: nothing after a load that changed nothing, the
models fed by the changed raw tables after `sandbox advance` + load (incremental ones
incrementally) — and those tables equal a full rebuild's from scratch, while the dbt_tests health check still sees a result for every node."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow


def built(database: Path) -> dict[str, list[tuple]]:
    """Every intermediate and marts table's rows, sorted, floats rounded to what summation order
    can change."""

    def cell(value: object) -> object:
        return float(f"{value:.9g}") if isinstance(value, float) else value

    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE' "
                "order by 1"
            ).fetchall()
        ]
        return {
            table: sorted(
                (tuple(cell(v) for v in row) for row in con.sql(f"from {table}").fetchall()),
                key=repr,
            )
            for table in tables
        }


def node_ids(target: Path) -> tuple[set[str], set[str]]:
    """(the unique ids of the last build's run results, every node of its manifest dbt builds)"""
    results = json.loads((target / "run_results.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    buildable = (
        {
            uid
            for uid, node in manifest["nodes"].items()
            if node["resource_type"] in ("model", "test", "seed")
        }
        | set(manifest.get("unit_tests", {}))
        | set(manifest.get("exposures", {}))
    )
    return {n["unique_id"] for n in results["results"]}, buildable


def test_selective_build_equals_a_full_rebuild(transformed_project: Project) -> None:
    project = transformed_project
    target = project.warehouse / "work" / "dbt_target"
    before = (target / "run_results.json").read_text()

    unchanged = project.roundtrip("transform").stdout
    assert "skipped the dbt build: none of" in unchanged, unchanged
    assert "published the read-only warehouse" in unchanged
    assert (target / "run_results.json").read_text() == before

    project.roundtrip("sandbox", "advance", "--days", "1")
    project.roundtrip("load")
    selective = project.roundtrip("transform").stdout
    assert "selective build (" in selective and "earlier results carried forward" in selective
    ran, buildable = node_ids(target)
    assert ran == buildable  # every node has a result: run now or carried forward
    health = project.roundtrip("health", "dbt_tests", check=False, COLUMNS="400")
    assert "results carried forward from earlier builds" in health.stdout, health.stdout
    incremental = built(project.warehouse / "roundtrip.duckdb")

    full = project.roundtrip("transform", "--full").stdout
    assert "full build: asked for with --full" in full
    rebuilt = built(project.warehouse / "roundtrip.duckdb")
    assert incremental.keys() == rebuilt.keys()
    for table in rebuilt:
        assert incremental[table] == rebuilt[table], f"{table} differs from a full rebuild"
