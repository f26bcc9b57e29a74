"""Run one sync: diff, then batch writes whose per-record answers update the state.

Per batch (two in flight): send (the transport handles limits, Retry-After, backoff and token refresh), split a
batch the vendor refuses whole until the record at fault stands alone, then record every
record's outcome in one state transaction. A crash before that commit leaves the batch
unaccepted, so the next run re-sends it: at most one extra write per record, never a state
that claims a write the destination did not accept.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from connectors.http.errors import BadRequest, VendorError
from reverse.plan import PlanCounts, Planner
from reverse.reconcile import Reconciliation, reconcile
from reverse.specs import SyncSpec
from reverse.state import (
    CLEAR_HASH,
    Accepted,
    Rejected,
    record_outcomes,
    retire_rejects,
    start_run,
    update_run,
    utcnow,
)
from reverse.writers import Change, DestinationWriter, WriteResult, writable

log = logging.getLogger("roundtrip.reverse")

SUCCEEDED, PARTIAL, FAILED, PLANNED = "succeeded", "partial", "failed", "planned"
# Batches sent concurrently: one waits on the network while the other is answered, so the
# vendor's rate limit, not the round trip, bounds throughput. Outcomes are stored in order.
IN_FLIGHT_BATCHES = 2
PROGRESS_EVERY = 10_000  # records between progress log lines


@dataclass
class SyncReport:
    sync: str
    run_id: str | None
    counts: PlanCounts
    reconciliation: Reconciliation = field(default_factory=Reconciliation)
    status: str = PLANNED
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    dead: int = 0
    requests: int = 0
    http_retries: int = 0
    diff_seconds: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    rejections: list[WriteResult] = field(default_factory=list)  # a sample, for the summary

    def as_run_columns(self) -> dict[str, object]:
        c, r = self.counts, self.reconciliation
        return {
            "checked": r.checked, "mismatched": r.mismatched,
            "planned": c.planned, "inserts": c.inserts, "updates": c.updates, "clears": c.clears,
            "skipped_null": c.skipped_null, "invalid": c.invalid, "retried": c.retried,
            "sent": self.sent, "accepted": self.accepted, "rejected": self.rejected,
            "dead": self.dead, "requests": self.requests, "http_retries": self.http_retries,
            "diff_seconds": round(self.diff_seconds, 3), "seconds": round(self.seconds, 3),
        }  # fmt: skip


def write_isolating(
    writer: DestinationWriter[Any], spec: SyncSpec, changes: list[Change]
) -> list[WriteResult]:
    """Write a batch; when the vendor refuses it whole (400), halve it until each refused
    record stands alone with the vendor's reason."""
    try:
        return writer.write(spec, changes)
    except BadRequest as exc:
        if len(changes) == 1:
            reason = exc.vendor_message or str(exc)
            return [WriteResult(changes[0].key, False, reason=f"refused: {reason}")]
        middle = len(changes) // 2
        return write_isolating(writer, spec, changes[:middle]) + write_isolating(
            writer, spec, changes[middle:]
        )


def _record(
    state: sqlite3.Connection,
    spec: SyncSpec,
    run_id: str,
    batch: list[Change],
    outcomes: list[WriteResult],
) -> tuple[int, int, int, list[WriteResult]]:
    """Store one batch's outcomes; (accepted, rejected, dead, rejected outcomes)."""
    by_key = {c.key: c for c in batch}
    accepted = [
        Accepted(o.key, o.record_id, by_key[o.key].fields_hash, by_key[o.key].payload)
        for o in outcomes
        if o.accepted
    ]
    refused = [o for o in outcomes if not o.accepted]
    rejected = [
        Rejected(o.key, by_key[o.key].fields_hash or CLEAR_HASH, by_key[o.key].payload, o.reason)
        for o in refused
    ]
    dead = record_outcomes(state, spec.name, run_id, spec.max_attempts, accepted, rejected)
    return len(accepted), len(rejected), dead, refused


def run_sync(
    spec: SyncSpec,
    planner: Planner,
    state: sqlite3.Connection,
    writer: DestinationWriter[Any],
    *,
    full: bool = False,
    dry_run: bool = False,
) -> SyncReport:
    """Plan the sync and, unless `dry_run`, send it; the run is logged in `sync_runs`."""
    started = time.monotonic()
    reconciliation = reconcile(spec, planner, state, fix=not dry_run)
    # a dry run leaves the state alone, so it forgets the overwritten records only in its plan
    counts = planner.prepare(spec, state, full=full, forget=reconciliation.keys)
    report = SyncReport(
        spec.name, None, counts, reconciliation, diff_seconds=time.monotonic() - started
    )
    if dry_run:
        return report
    report.run_id = f"{spec.name}-{utcnow()[:19].replace(':', '')}-{uuid.uuid4().hex[:6]}"
    start_run(state, report.run_id, spec.name, full)
    duplicates = planner.duplicate_keys()
    non_finite = planner.non_finite_keys()
    unsendable = [
        *(Rejected(key, "duplicate", "{}", f"key appears {n} times in {spec.model}: not sent")
          for key, n in duplicates),
        *(Rejected(key, "non_finite", "{}", f"{fields} is NaN or Infinity in {spec.model}: not sent")
          for key, fields in non_finite),
    ]  # fmt: skip
    if unsendable:
        record_outcomes(state, spec.name, report.run_id, spec.max_attempts, [], unsendable)
    for found, what in ((duplicates, "appear more than once"), (non_finite, "hold NaN/Infinity")):
        if found:
            log.warning("%s: %d key(s) %s in %s", spec.name, len(found), what, spec.model)
    retire_rejects(state, spec.name, planner.left_model())
    base_requests, base_retries = writer.requests()
    max_batch = writable(writer.vendor, spec.destination.object, f"sync {spec.name}").max_batch
    batch_size = min(spec.batch_size or max_batch, max_batch)
    run_id = report.run_id

    def handle(batch: list[Change], outcomes: list[WriteResult]) -> None:
        accepted, rejected, dead, refused = _record(state, spec, run_id, batch, outcomes)
        report.sent += len(batch)
        report.accepted += accepted
        report.rejected += rejected
        report.dead += dead
        report.rejections.extend(refused[: max(0, 5 - len(report.rejections))])
        requests, retries = writer.requests()
        report.requests, report.http_retries = requests - base_requests, retries - base_retries
        if report.sent % PROGRESS_EVERY < len(batch):
            log.info(
                "%s: %d of %d sent, %d accepted, %d rejected, %d requests",
                spec.name, report.sent, counts.planned, report.accepted, report.rejected,
                report.requests,
            )  # fmt: skip

    in_flight: deque[tuple[list[Change], Future[list[WriteResult]]]] = deque()
    try:
        with ThreadPoolExecutor(IN_FLIGHT_BATCHES, thread_name_prefix=spec.name) as pool:
            try:
                for batch in planner.changes(spec, batch_size):
                    in_flight.append((batch, pool.submit(write_isolating, writer, spec, batch)))
                    if len(in_flight) >= IN_FLIGHT_BATCHES:
                        batch, future = in_flight.popleft()
                        handle(batch, future.result())
                while in_flight:
                    batch, future = in_flight.popleft()
                    handle(batch, future.result())
            finally:
                # a failed batch stops the run, but answers already received are kept
                for batch, future in in_flight:
                    if not future.cancel() and future.exception() is None:
                        handle(batch, future.result())
        report.status = PARTIAL if report.rejected else SUCCEEDED
    except VendorError as exc:
        report.status, report.error = FAILED, str(exc)
        log.error("%s: stopped: %s", spec.name, exc)
    finally:
        requests, retries = writer.requests()
        report.requests, report.http_retries = requests - base_requests, retries - base_retries
        report.seconds = time.monotonic() - started
        update_run(
            state,
            report.run_id,
            finished_at=utcnow(),
            status=report.status if report.status != PLANNED else FAILED,
            error=report.error,
            **report.as_run_columns(),
        )
    return report
