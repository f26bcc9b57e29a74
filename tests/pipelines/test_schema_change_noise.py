"""`monitor.schema_changes` records what changed: a column the warehouse already holds is not a
new column again on the next load."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def _changes(project: Project) -> dict[str, list[tuple[str, str, str]]]:
    with duckdb.connect(str(WarehousePaths(project.warehouse).published), read_only=True) as con:
        rows = con.execute(
            "select run_id, resource, column_name, kind from monitor.schema_changes order by all"
        ).fetchall()
    found: dict[str, list[tuple[str, str, str]]] = {}
    for run_id, *change in rows:
        found.setdefault(run_id, []).append(tuple(change))
    return found


def test_a_column_the_warehouse_holds_is_not_new_again(project: Project) -> None:
    project.roundtrip("load", "hubspot")
    project.roundtrip("load", "hubspot")
    project.roundtrip("sandbox", "faults", "hubspot", "new_field=favourite_colour")
    project.roundtrip("load", "hubspot")

    # the first load creates the tables (nothing to compare with), the second changes nothing,
    # the third brings one new field on every CRM object
    assert list(_changes(project).values()) == [
        [
            ("companies", "favourite_colour", "new_column"),
            ("contacts", "favourite_colour", "new_column"),
            ("deals", "favourite_colour", "new_column"),
            ("email_events", "favourite_colour", "new_column"),
        ]
    ]
