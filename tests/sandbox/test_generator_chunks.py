"""The generator writes each table in chunks of rows (writer.CHUNK_ROWS, a checkpoint every
writer.CHECKPOINT_ROWS) and makes e-mail events in chunks (email.ID_CHUNK_ROWS, staged until the
end), to bound its peak memory at scale L: the world it writes for a seed must not change."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sandbox.generator import email, forms, generate, writer
from sandbox.state import SandboxPaths
from tests.conftest import TEST_SEED


def table_hashes(database: Path) -> dict[str, tuple[int, str]]:
    """table → (rows, sum of its rows' hashes) for every table of `database`."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables order by 1"
            ).fetchall()
        ]
        return {
            table: con.execute(
                f"select count(*), coalesce(sum(hash(*columns(*)))::hugeint, 0)::varchar "
                f'from "{table}"'
            ).fetchone()
            for table in tables
        }


def test_chunked_writes_give_the_same_world(
    tmp_path: Path, world_template: SandboxPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "CHUNK_ROWS", 997)  # tens of chunks for the larger tables
    monkeypatch.setattr(writer, "CHECKPOINT_ROWS", 5 * 997)
    monkeypatch.setattr(forms, "CHECKPOINT_ROWS", 5 * 997)
    monkeypatch.setattr(email, "ID_CHUNK_ROWS", 9_973)  # tens of chunks of e-mail events
    chunked = SandboxPaths(tmp_path / "chunked")
    generate(chunked, seed=TEST_SEED, scale="S")
    for name in ("world_db", "truth_db"):
        expected = table_hashes(getattr(world_template, name))
        assert max(rows for rows, _ in expected.values()) > 10 * 997
        assert table_hashes(getattr(chunked, name)) == expected, name
