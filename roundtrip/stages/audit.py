"""`roundtrip audit [systems]`: the periodic audit against missed updates (pipelines/audit.py).

Lists ids and modification stamps at each audited vendor (Salesforce, HubSpot), compares them
with the published warehouse, refetches what differs through the normal load (`run_load`, merge,
publish) and records what it found and refetched in `state/monitor.sqlite` (`audit_runs`, read
by the `audit` health check). Scheduled weekly by `[schedule] audit` in roundtrip.toml."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pipelines.audit import AUDITED, TableAudit, audit_system, refetch_source
from pipelines.runner import LoadResult, run_load
from roundtrip.clock import now
from roundtrip.endpoints import open_endpoints, sandbox_identity
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.audit_log import AuditRow, record_audit
from warehouse.location import WarehousePaths
from warehouse.publish import connect_published

SHOWN_IDS = 5


@dataclass(frozen=True)
class AuditResult:
    audits: list[TableAudit]
    rows: list[AuditRow]
    load: LoadResult | None  # the refetch (None when nothing differed)

    @property
    def ok(self) -> bool:
        return self.load is None or self.load.ok


def audited_systems(settings: Settings, systems: list[str]) -> list[str]:
    """`systems` (default: every enabled one the audit covers); one that it does not cover, or
    that is switched off, is a setting to fix."""
    if not systems:
        return [s.name for s in settings.enabled_systems() if s.name in AUDITED]
    unknown = [s for s in systems if s not in AUDITED]
    if unknown:
        raise UserError(
            f"the audit covers {', '.join(AUDITED)}, not {', '.join(unknown)} (their loads "
            "re-read recent days on every run)"
        )
    return systems


def audit(settings: Settings, systems: list[str]) -> AuditResult:
    """Audit `systems`, refetch what differs, record the counts."""
    paths = WarehousePaths(settings.warehouse_dir)
    chosen = audited_systems(settings, systems)
    if not chosen:
        raise UserError("no enabled system the audit covers (salesforce, hubspot)")
    audit_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    with open_endpoints(settings, chosen) as endpoints:
        with connect_published(paths) as con:
            audits = [a for endpoint in endpoints for a in audit_system(endpoint, con)]
        stale = {a.system for a in audits if a.differing}
        load = None
        if stale:
            load = run_load(
                [e for e in endpoints if e.system in stale],
                paths,
                now=now(settings),
                identity=sandbox_identity(settings),
                build=refetch_source(audits),
            )
    rows = [_row(audit_id, a, load) for a in audits]
    record_audit(paths, rows)
    return AuditResult(audits, rows, load)


def _row(audit_id: str, audit: TableAudit, load: LoadResult | None) -> AuditRow:
    refetched, error = 0, None
    if audit.differing and load is not None:
        (system,) = [s for s in load.systems if s.system == audit.system]
        stats = system.stats.get(audit.table)
        refetched = stats.records if stats and system.status == "succeeded" else 0
        error = system.error
    return AuditRow(
        audit_id,
        audit.system,
        audit.table,
        datetime.now(UTC),
        audit.vendor_records,
        audit.warehouse_records,
        len(audit.differing),
        refetched,
        ",".join(audit.differing[:SHOWN_IDS]),
        error,
    )


def summary_lines(result: AuditResult) -> list[str]:
    """One line per audited table."""
    lines = []
    for row in result.rows:
        line = (
            f"{row.system}.{row.table_name}: {row.vendor_records:,} at the vendor, "
            f"{row.warehouse_records:,} in the warehouse; {row.found:,} missed "
        )
        if row.found:
            line += f"(e.g. {row.example_ids}), {row.refetched:,} refetched"
            line += f"; refetch failed: {row.error}" if row.error else ""
        lines.append(line.rstrip())
    return lines
