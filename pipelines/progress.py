"""Progress of a load: a live rich display on a terminal, plain log lines otherwise, and the summary."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.run_log import ResourceStats

log = logging.getLogger("pipelines.progress")

PLAIN_EVERY_SECONDS = 5.0


class LoadProgress:
    """Shows per-resource records, pages, rate and retries while a load runs."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.live = self.console.is_terminal
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._last_line: dict[str, float] = {}

    def __enter__(self) -> LoadProgress:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]{task.description:<32}"),
                TextColumn("{task.fields[records]:>10,} records"),
                TextColumn("{task.fields[pages]:>7,} pages"),
                TextColumn("{task.fields[rate]:>9,.0f} rec/s"),
                TextColumn("{task.fields[retries]:>4} retries"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, system: str, stats: ResourceStats, started: float, done: bool = False) -> None:
        """Report the current counters of one resource (cheap; call it once per page)."""
        name = f"{system}.{stats.resource}"
        elapsed = max(time.monotonic() - started, 1e-6)
        fields = {
            "records": stats.records,
            "pages": stats.pages,
            "rate": stats.records / elapsed,
            "retries": stats.retries,
        }
        if self._progress is not None:
            if name not in self._tasks:
                self._tasks[name] = self._progress.add_task(name, total=None, **fields)
            self._progress.update(self._tasks[name], **fields)
            return
        now = time.monotonic()
        if done or now - self._last_line.get(name, 0.0) >= PLAIN_EVERY_SECONDS:
            self._last_line[name] = now
            log.info(
                "%s: %s records, %s pages, %.0f rec/s, %s retries%s",
                name,
                stats.records,
                stats.pages,
                fields["rate"],
                stats.retries,
                " (done)" if done else "",
            )


def summary_table(rows: Iterable[tuple[str, ResourceStats]]) -> Table:
    """The closing table: one row per system and resource."""
    table = Table(title="Load summary")
    for column in (
        "system",
        "resource",
        "new",
        "updated",
        "deleted",
        "requests",
        "retries",
        "rejects",
        "seconds",
    ):
        table.add_column(column, justify="left" if column in ("system", "resource") else "right")
    for system, s in rows:
        table.add_row(
            system,
            s.resource,
            f"{s.new:,}",
            f"{s.updated:,}",
            f"{s.deleted:,}",
            f"{s.requests:,}",
            f"{s.retries:,}",
            f"{len(s.rejects):,}",
            f"{s.seconds:.1f}",
        )
    return table
