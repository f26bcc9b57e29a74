"""Identity resolution against the sandbox truth: pairwise precision and recall, coverage, shared role
addresses, and customer_id stability across an incremental run."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from sandbox.state import SandboxPaths
from tests.conftest import Project

pytestmark = pytest.mark.slow

RECORD_KEY = ("source_system", "source_object", "source_record_id")


def open_with_truth(project: Project) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only, with the sandbox truth attached as `truth`."""
    con = duckdb.connect(str(project.warehouse / "roundtrip.duckdb"), read_only=True)
    con.execute(f"ATTACH '{project.sandbox.truth_db}' AS truth (READ_ONLY)")
    return con


def pairwise_scores(con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """(precision, recall) over record pairs: predicted = same customer_id, true = same person_id."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE resolved AS
        SELECT m.customer_id, t.person_id
        FROM marts.customer_identity_map m
        JOIN truth.record_person t
          ON m.source_system = t.system AND m.source_object = t.object AND m.source_record_id = t.record_id"""
    )

    def pairs(group_by: str) -> int:
        return con.execute(
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "
            f"(SELECT count(*) AS n FROM resolved GROUP BY {group_by})"
        ).fetchone()[0]

    both = pairs("customer_id, person_id")
    return both / pairs("customer_id"), both / pairs("person_id")


def test_pairwise_precision_and_recall(transformed: Project) -> None:
    with open_with_truth(transformed) as con:
        precision, recall = pairwise_scores(con)
    print(f"identity resolution: pairwise precision {precision:.4f}, recall {recall:.4f}")
    # Reached at seed 7: precision 0.9995, recall 0.984 at S; 0.993 / 0.986 at M (goal 0.98 / 0.95).
    assert precision >= 0.995, f"pairwise precision {precision:.4f}"
    assert recall >= 0.975, f"pairwise recall {recall:.4f}"


def test_every_live_record_is_mapped_once(transformed: Project) -> None:
    with open_with_truth(transformed) as con:
        missing = con.execute(
            """SELECT count(*) FROM truth.record_person t
            LEFT JOIN marts.customer_identity_map m
              ON m.source_system = t.system AND m.source_object = t.object AND m.source_record_id = t.record_id
            WHERE m.customer_id IS NULL"""
        ).fetchone()[0]
        rows, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT ({', '.join(RECORD_KEY)})) FROM marts.customer_identity_map"
        ).fetchone()
        customers = con.execute("SELECT count(*) FROM marts.customers").fetchone()[0]
        mapped = con.execute(
            "SELECT count(DISTINCT customer_id) FROM marts.customer_identity_map"
        ).fetchone()[0]
    assert missing == 0
    assert rows == distinct
    assert customers == mapped


def test_shared_role_addresses_do_not_merge_people(transformed: Project) -> None:
    """People sharing info@/sales@/marketing@ keep separate customers."""
    with open_with_truth(transformed) as con:
        merged = con.execute(
            """SELECT m.customer_id, count(DISTINCT t.person_id) AS people
            FROM marts.customer_identity_map m
            JOIN truth.record_person t
              ON m.source_system = t.system AND m.source_object = t.object AND m.source_record_id = t.record_id
            WHERE m.customer_id IN (
                SELECT customer_id FROM marts.customer_identity_map
                WHERE split_part(identifier, '@', 1) IN ('info', 'sales', 'marketing'))
            GROUP BY m.customer_id HAVING people > 1"""
        ).fetchall()
        role_people = con.execute(
            """SELECT count(DISTINCT t.person_id) FROM marts.customer_identity_map m
            JOIN truth.record_person t
              ON m.source_system = t.system AND m.source_object = t.object AND m.source_record_id = t.record_id
            WHERE split_part(m.identifier, '@', 1) IN ('info', 'sales', 'marketing')"""
        ).fetchone()[0]
    assert role_people >= 4, "the fixture world should contain shared role addresses"
    assert merged == []


def identity_snapshot(project: Project) -> dict[tuple[str, str, str], str]:
    with duckdb.connect(str(project.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        rows = con.execute(
            f"SELECT {', '.join(RECORD_KEY)}, customer_id FROM marts.customer_identity_map"
        ).fetchall()
    return {row[:3]: row[3] for row in rows}


def copy_project(source: Project, root: Path) -> Project:
    """A private copy of a loaded and transformed project (world, warehouse, dlt state)."""
    shutil.copytree(
        source.root,
        root,
        ignore=shutil.ignore_patterns("server.json", "*.log", "writer.lock"),
    )
    return Project(
        root, SandboxPaths(root / source.sandbox.root.name), root / source.warehouse.name
    )


def test_customer_id_stable_across_incremental_run(transformed: Project, tmp_path: Path) -> None:
    """After `sandbox advance --days 3` + load + transform, a customer whose records are unchanged
    (same set of live records, still resolved together) keeps its customer_id."""
    project = copy_project(transformed, tmp_path / "project")
    before = identity_snapshot(project)
    try:
        project.roundtrip("sandbox", "advance", "--days", "3")
        project.roundtrip("load")
        project.roundtrip("transform")
    finally:
        from sandbox.control import down

        down(echo=lambda _msg: None, paths=project.sandbox)
    after = identity_snapshot(project)

    def groups(snapshot: dict[tuple[str, str, str], str]) -> dict[str, frozenset]:
        members: dict[str, set] = {}
        for record, customer in snapshot.items():
            members.setdefault(customer, set()).add(record)
        return {customer: frozenset(records) for customer, records in members.items()}

    after_groups = groups(after)
    unchanged = [
        (customer, records)
        for customer, records in groups(before).items()
        if after_groups.get(after.get(next(iter(records)), ""), frozenset()) == records
    ]
    moved = [customer for customer, records in unchanged if after[next(iter(records))] != customer]
    print(
        f"stability: {len(unchanged)} of {len(groups(before))} customers unchanged, "
        f"{len(moved)} of them got a new id; {len(after) - len(before)} records added"
    )
    assert len(after) > len(before), "advance should add records"
    assert len(unchanged) > 0.9 * len(groups(before))
    assert moved == []
