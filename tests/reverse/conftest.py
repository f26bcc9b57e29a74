"""Helpers for the reverse-sync tests: custom models in the published warehouse, spec files,
and read access to what the sandbox CRM holds (between CLI runs, when its server is down)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pytest

from tests.conftest import Project


class SyncProject:
    """A private loaded+transformed project with sync helpers."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.specs = project.root / "syncs.yml"

    def sync(self, *args: str, check: bool = True, **env: str):
        env.setdefault("ROUNDTRIP_SYNCS", str(self.specs))
        return self.project.roundtrip("sync", *args, check=check, **env)

    def write_specs(self, text: str) -> None:
        self.specs.write_text(text)

    def add_model(self, name: str, sql: str) -> None:
        """Create table `test.<name>` in the published warehouse (as an analyst's model would)."""
        published = self.project.warehouse / "roundtrip.duckdb"
        os.chmod(published, 0o644)
        try:
            with duckdb.connect(str(published)) as con:
                con.execute("CREATE SCHEMA IF NOT EXISTS test")
                con.execute(f"CREATE OR REPLACE TABLE test.{name} AS {sql}")
        finally:
            os.chmod(published, 0o444)

    @contextmanager
    def world(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The sandbox's world file, read-only (the CLI stops the server after each command)."""
        with duckdb.connect(str(self.project.sandbox.world_db), read_only=True) as con:
            yield con

    @contextmanager
    def world_rw(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Change the vendors' side directly, as a CRM user would."""
        with duckdb.connect(str(self.project.sandbox.world_db)) as con:
            yield con

    def state(self) -> sqlite3.Connection:
        return sqlite3.connect(self.project.warehouse / "state" / "reverse.sqlite")

    def last_run(self, sync: str) -> dict:
        con = self.state()
        con.row_factory = sqlite3.Row
        row = con.execute(
            "select * from sync_runs where sync = ? order by started_at desc limit 1", [sync]
        ).fetchone()
        con.close()
        return dict(row)

    def last_two_way_run(self, sync: str) -> dict:
        con = self.state()
        con.row_factory = sqlite3.Row
        row = con.execute(
            "select * from two_way_runs where sync = ? order by started_at desc limit 1", [sync]
        ).fetchone()
        con.close()
        return dict(row)

    def two_way_round(self, sync: str) -> dict:
        """Load both sides, transform, run the two-way sync: its run."""
        self.project.roundtrip("load", "hubspot", "salesforce")
        self.project.roundtrip("transform")
        self.project.roundtrip("sync", sync)
        return self.last_two_way_run(sync)

    def faults(self, vendor: str, *assignments: str) -> None:
        self.project.roundtrip("sandbox", "faults", vendor, *assignments)


@pytest.fixture
def sp(transformed_project: Project) -> SyncProject:
    return SyncProject(transformed_project)


def hubspot_spec(
    name: str, model: str, *, mode: str = "update", extra: str = "", mappings: str = ""
) -> str:
    """A one-sync spec file for HubSpot contacts from `test.<model>` (id, score, tier)."""
    mappings = mappings or (
        "      - {from: score, to: lead_score}\n      - {from: tier, to: lead_tier}\n"
    )
    return f"""
syncs:
  - name: {name}
    model: test.{model}
    key: id
    destination: {{system: hubspot, object: contacts, match_field: hs_object_id}}
    mode: {mode}
{extra}    mappings:
{mappings}"""


def history_counts(world: duckdb.DuckDBPyConnection, prop: str = "lead_score") -> dict[int, int]:
    rows = world.execute(
        "select object_id, count(*) from hubspot_property_history where property = ? group by 1",
        [prop],
    ).fetchall()
    return dict(rows)
