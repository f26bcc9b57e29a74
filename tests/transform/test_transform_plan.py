"""What `roundtrip transform` decides to build (transform_plan) and how a selective build's
run results keep every node's last result (dbt_results), without dbt."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from roundtrip.stages.dbt_results import carry_forward, read_results
from roundtrip.stages.transform_plan import (
    MANIFEST_DIR,
    Fingerprint,
    fingerprint,
    plan,
    project_fingerprint,
    raw_fingerprint,
)
from warehouse.location import WarehousePaths


def test_raw_fingerprint_sees_content_not_dlt_bookkeeping(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw_crm; create schema raw_crm_staging")
        con.execute("create table raw_crm.contacts (id int, email text, _dlt_load_id text)")
        con.execute("insert into raw_crm.contacts values (1, 'a@x.io', '1'), (2, 'b@x.io', '1')")
        con.execute("create table raw_crm._dlt_loads (load_id text)")
        con.execute("create table raw_crm_staging.contacts (id int)")
    before = raw_fingerprint(database)
    assert list(before) == ["raw_crm.contacts"] and before["raw_crm.contacts"][0] == 2

    with duckdb.connect(str(database)) as con:  # a load re-merging the same rows
        con.execute("update raw_crm.contacts set _dlt_load_id = '2'")
        con.execute("insert into raw_crm._dlt_loads values ('2')")
        con.execute("insert into raw_crm_staging.contacts values (9)")
    assert raw_fingerprint(database) == before

    with duckdb.connect(str(database)) as con:
        con.execute("update raw_crm.contacts set email = 'c@x.io' where id = 2")
    assert raw_fingerprint(database) != before

    with duckdb.connect(str(database)) as con:  # the load runner's records are a source too
        con.execute("create schema monitor; create table monitor.load_runs (status text)")
        con.execute("create table monitor.check_results (status text)")
    assert list(raw_fingerprint(database)) == ["monitor.load_runs", "raw_crm.contacts"]


def _paths(tmp_path: Path) -> WarehousePaths:
    """A warehouse whose last build's manifest declares source crm.contacts (raw_crm.contacts)."""
    paths = WarehousePaths(tmp_path)
    (paths.work_dir / MANIFEST_DIR).mkdir(parents=True)
    source = {
        "schema": "raw_crm",
        "identifier": "contacts",
        "source_name": "crm",
        "name": "contacts",
    }
    (paths.work_dir / MANIFEST_DIR / "manifest.json").write_text(
        json.dumps({"sources": {"source.roundtrip.crm.contacts": source}})
    )
    return paths


CLOCK = "2026-03-10T06:00:00+00:00"
BUILT = Fingerprint({"raw_crm.contacts": [2, "7"], "raw_crm.notes": [5, "9"]}, "p1", "{}", CLOCK)


@pytest.mark.parametrize(
    ("current", "select", "reason"),
    [
        (BUILT, [], "skipped the dbt build: none of 2 raw tables and no dbt file changed"),
        (
            Fingerprint({**BUILT.raw, "raw_crm.contacts": [3, "8"]}, "p1", "{}", CLOCK),
            ["source:crm.contacts+"],
            "selective build (1 of 2 raw tables changed): source:crm.contacts+",
        ),
        (
            Fingerprint({**BUILT.raw, "raw_crm.notes": [6, "1"]}, "p1", "{}", CLOCK),
            [],
            "skipped the dbt build: 1 of 2 raw tables changed, 1 of them read by no model",
        ),
        (
            Fingerprint(BUILT.raw, "p2", "{}", CLOCK),
            ["state:modified+"],
            "selective build (dbt files changed): state:modified+",
        ),
        (
            Fingerprint(BUILT.raw, "p1", "{}", "2026-03-10T07:00:00+00:00"),
            ["tag:reads_clock+"],
            "selective build (the clock moved): tag:reads_clock+",
        ),
        (
            Fingerprint(BUILT.raw, "p1", "{}", None),  # the wall clock always moves
            ["tag:reads_clock+"],
            "selective build (the clock moved): tag:reads_clock+",
        ),
        (Fingerprint(BUILT.raw, "p1", '{"crm_enabled": false}'), None, "full build: the dbt vars"),
    ],
)
def test_plan(tmp_path: Path, current: Fingerprint, select: list[str] | None, reason: str) -> None:
    built = plan(_paths(tmp_path), BUILT, current)
    assert built.select == select
    assert built.reason.startswith(reason)


def test_plan_without_an_earlier_build_builds_everything(tmp_path: Path) -> None:
    assert plan(_paths(tmp_path), None, BUILT).select is None


def test_project_fingerprint_follows_model_files(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1")
    before = project_fingerprint(tmp_path)
    assert project_fingerprint(tmp_path) == before
    (tmp_path / "models" / "a.sql").write_text("select 2")
    assert project_fingerprint(tmp_path) != before


def test_carry_forward_keeps_the_last_result_of_every_node_not_run(tmp_path: Path) -> None:
    nodes = ("model.r.a", "test.r.b", "test.r.c")
    (tmp_path / "manifest.json").write_text(
        json.dumps({"nodes": {n: {} for n in nodes}, "unit_tests": {"unit_test.r.u": {}}})
    )

    def results(at: str, *ran: dict) -> dict:
        return {"metadata": {"generated_at": at}, "args": {"which": "build"}, "results": list(ran)}

    previous = results(
        "T1",
        {"unique_id": "model.r.a", "status": "success"},
        {"unique_id": "test.r.b", "status": "fail"},
        {"unique_id": "test.r.c", "status": "pass", "carried_from": "T0"},
        {"unique_id": "unit_test.r.u", "status": "pass"},
        {"unique_id": "test.r.gone", "status": "pass"},  # no longer in the project
    )
    (tmp_path / "run_results.json").write_text(
        json.dumps(results("T2", {"unique_id": "model.r.a", "status": "success"}))
    )
    assert carry_forward(tmp_path, previous) == 3
    merged = read_results(tmp_path)
    assert merged is not None
    assert {n["unique_id"]: (n["status"], n.get("carried_from")) for n in merged["results"]} == {
        "model.r.a": ("success", None),
        "test.r.b": ("fail", "T1"),  # a failure stays visible until its test runs again
        "test.r.c": ("pass", "T0"),
        "unit_test.r.u": ("pass", "T1"),
    }


def _empty_project(tmp_path: Path) -> tuple[Path, WarehousePaths]:
    """A dbt project without models and an empty warehouse beside it."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    paths = _paths(tmp_path / "warehouse")
    duckdb.connect(str(paths.working)).close()
    return project, paths


def test_dbt_project_yml_counts_with_the_vars(tmp_path: Path) -> None:
    """A change to dbt_project.yml (vars, materializations) asks for a full build."""
    project, paths = _empty_project(tmp_path)
    before = fingerprint(paths, project, {"crm_enabled": True})
    (project / "dbt_project.yml").write_text("name: x\nvars: {lookback_days: 30}\n")
    after = fingerprint(paths, project, {"crm_enabled": True})
    assert before.project == after.project and before.vars != after.vars
    assert plan(paths, before, after).select is None


def test_the_sandbox_clock_is_not_a_setting(tmp_path: Path) -> None:
    """Moving the sandbox clock rebuilds what reads the clock, not the whole project."""
    project, paths = _empty_project(tmp_path)
    before = fingerprint(paths, project, {"crm_enabled": True, "data_clock": CLOCK})
    after = fingerprint(paths, project, {"crm_enabled": True, "data_clock": "2026-03-11T06:00:00"})
    assert (before.vars, before.clock) == (after.vars, CLOCK)
    assert plan(paths, before, after).select == ["tag:reads_clock+"]


def test_every_model_reading_the_clock_is_tagged() -> None:
    """A model reading `data_clock` or the database's clock must be rebuilt when it moves."""
    models = Path(__file__).parents[2] / "dbt_project" / "models"
    clocked = re.compile(r"var\(\s*['\"]data_clock|current_timestamp|\bnow\(\)", re.IGNORECASE)
    readers = [p for p in models.rglob("*.sql") if clocked.search(p.read_text())]
    assert readers
    for model in readers:
        assert "tags=['reads_clock']" in model.read_text(), model.name
