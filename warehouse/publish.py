"""Publish the working file as the read-only copy: copy to a temp file, verify it, atomic rename.

Readers that hold the old published file open keep reading it (the rename swaps the directory
entry, not their open file), and every new reader sees a complete, consistent copy. The candidate
is verified before the rename (`verify.py`: every block reads back, nothing published is lost),
and the copy it replaces is kept as `roundtrip.duckdb.prev` (a hard link, so readers never see a
gap). `restore` copies the published copy back into a damaged or lost working file, or with
`previous` puts the one before it back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path

import duckdb

from warehouse.location import WarehousePaths
from warehouse.state_store import mirror_state
from warehouse.verify import (
    WarehouseDamaged,
    WarehouseShrank,
    first_line,
    read_every_block,
    verify,
)

STATE_SCHEMAS = ("reverse", "monitor", "events")


class PublishRefused(Exception):
    """The working file was not published (one line: why, and what to do); the published copy
    is unchanged."""


class NotPublished(FileNotFoundError):
    """There is no published warehouse yet."""


def _leftovers(paths: WarehousePaths) -> list[Path]:
    """Temp files of a publish or restore that was killed (only one runs at a time: writer lock)."""
    return sorted(paths.root.glob(f".{paths.published.name}.*.tmp"))


def _temp(paths: WarehousePaths, purpose: str) -> Path:
    return paths.root / f".{paths.published.name}.{os.getpid()}.{purpose}.tmp"


def _keep_previous(paths: WarehousePaths) -> None:
    """Hard-link the published copy as `.prev` (replacing the older one) without unpublishing it."""
    if not paths.published.exists():
        return
    link = _temp(paths, "prev")
    link.unlink(missing_ok=True)
    os.link(paths.published, link)
    os.replace(link, paths.previous)


def publish(
    paths: WarehousePaths, *, allow_loss: bool = False, changed: Collection[str] | None = None
) -> None:
    """Mirror the state files in, checkpoint the working file, verify a copy of it and atomically
    replace the published copy with it. Raises PublishRefused (published copy untouched) when the
    copy is damaged or lacks schemas/marts the published one has (unless `allow_loss`). With
    `changed` (the schemas a load wrote), only those and the mirrored state schemas are read
    back whole: a load that changed little publishes in time proportional to what it changed."""
    with duckdb.connect(str(paths.working)) as con:
        for schema in STATE_SCHEMAS:
            mirror_state(con, paths.state_file(schema), schema)
        con.execute("CHECKPOINT")
    for leftover in _leftovers(paths):
        leftover.unlink(missing_ok=True)
    tmp = _temp(paths, "publish")
    try:
        shutil.copyfile(paths.working, tmp)
        try:
            verify(
                tmp,
                paths.published,
                allow_loss=allow_loss,
                changed=None if changed is None else {*changed, *STATE_SCHEMAS},
            )
        except WarehouseDamaged as exc:
            raise PublishRefused(
                f"the working warehouse {paths.working} is damaged ({exc}); the published copy "
                "was kept. Run `roundtrip restore` to copy it back into the working file, then "
                "load again"
            ) from None
        except WarehouseShrank as exc:
            raise PublishRefused(
                f"{exc}; it was kept. Run `roundtrip restore` to copy it back into the working "
                "file and load again, or `roundtrip load --full-refresh` to publish the smaller one"
            ) from None
        os.chmod(tmp, 0o444)
        _keep_previous(paths)
        os.replace(tmp, paths.published)
    finally:
        tmp.unlink(missing_ok=True)


def _replace_working(paths: WarehousePaths, source: Path) -> None:
    """Make the working file a writable copy of `source` (its stale WAL goes with it)."""
    paths.ensure()
    working = _temp(paths, "work")
    try:
        shutil.copyfile(source, working)
        os.chmod(working, 0o644)
        Path(f"{paths.working}.wal").unlink(missing_ok=True)  # belongs to the replaced file
        os.replace(working, paths.working)
    finally:
        working.unlink(missing_ok=True)


def restore(paths: WarehousePaths, *, previous: bool = False) -> Path:
    """Put a sound published copy back into the working file: the published one, or with
    `previous` the one before it (which then is published again, and the copy it replaces becomes
    `.prev`, so that restore can be undone). Call under the writer lock; returns the source.
    Raises NotPublished when there is no such copy, PublishRefused when it is damaged."""
    source = paths.previous if previous else paths.published
    if not source.exists():
        raise NotPublished(
            f"nothing to restore: no {'previous ' if previous else ''}published warehouse at "
            f"{source}" + (" (one is kept from the second publish on)" if previous else "")
        )
    try:
        read_every_block(source)
    except WarehouseDamaged as exc:
        hint = "" if previous else "; try `roundtrip restore --previous`"
        raise PublishRefused(f"not restoring: {exc}{hint}") from None
    _replace_working(paths, source)
    if previous:
        swap = _temp(paths, "swap")
        swap.unlink(missing_ok=True)
        if paths.published.exists():
            os.link(paths.published, swap)
        os.replace(paths.previous, paths.published)
        if swap.exists():
            os.replace(swap, paths.previous)
    return source


def connect_published(paths: WarehousePaths) -> duckdb.DuckDBPyConnection:
    """Open the published copy read-only (what analysts, health checks and reverse sync use)."""
    if not paths.published.exists():
        raise NotPublished(
            f"no published warehouse at {paths.published}; run `roundtrip load` (or `make load transform`) first"
        )
    try:
        return duckdb.connect(str(paths.published), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseDamaged(
            f"the published warehouse {paths.published} cannot be opened ({first_line(exc)}); "
            "run `roundtrip restore --previous` to put the previous copy back, or "
            "`roundtrip transform` to publish again"
        ) from None
