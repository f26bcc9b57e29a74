"""Every example analysis in warehouse/queries/ runs against the published warehouse and returns rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, Project

pytestmark = pytest.mark.slow

QUERIES = sorted((REPO / "warehouse" / "queries").glob("*.sql"))


def test_there_are_example_queries() -> None:
    assert len(QUERIES) >= 4


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_query_runs_on_published_warehouse(transformed: Project, query: Path) -> None:
    with duckdb.connect(str(transformed.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        cursor = con.execute(query.read_text())
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    assert rows, f"{query.name} returned no rows"
    assert len(columns) == len(set(columns)), f"{query.name} has duplicate column names"
