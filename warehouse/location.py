"""Where the warehouse lives: one folder is one self-contained deployment.

| path (inside the warehouse folder) | what |
|---|---|
| `roundtrip.duckdb` | the published, read-only copy analysts, health checks and the reverse sync open |
| `roundtrip.duckdb.prev` | the copy it replaced, kept for `roundtrip restore` |
| `work/roundtrip.duckdb` | the working file; only the writer holding the lock opens it |
| `work/writer.lock` | the cross-process writer lock shared by load and transform |
| `work/dlt/` | dlt's pipeline working state (not the home folder) |
| `state/<schema>.sqlite` | state written at any time: reverse sync (`reverse`), health checks (`monitor`), the real-time event inbox (`events`); mirrored into the warehouse on publish (see `state_store.py`) |
| `queries/` | example analyses for analysts (plain SQL) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PUBLISHED_NAME = "roundtrip.duckdb"


@dataclass(frozen=True)
class WarehousePaths:
    root: Path

    @classmethod
    def from_env(cls, default: Path | None = None) -> WarehousePaths:
        root = os.environ.get("ROUNDTRIP_WAREHOUSE_DIR") or default or Path("warehouse")
        return cls(Path(root).resolve())

    @property
    def published(self) -> Path:
        return self.root / PUBLISHED_NAME

    @property
    def previous(self) -> Path:
        return self.root / f"{PUBLISHED_NAME}.prev"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def working(self) -> Path:
        return self.work_dir / PUBLISHED_NAME

    @property
    def lock_file(self) -> Path:
        return self.work_dir / "writer.lock"

    @property
    def dlt_dir(self) -> Path:
        return self.work_dir / "dlt"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    def state_file(self, schema: str) -> Path:
        """The SQLite state file mirrored into the warehouse schema `schema` on publish."""
        return self.state_dir / f"{schema}.sqlite"

    def ensure(self) -> WarehousePaths:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self
