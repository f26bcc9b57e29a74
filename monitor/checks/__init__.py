"""Health checks: one module per kind, each measuring the published warehouse (and the state
files) into `Observation`s that `base.grade` turns into `CheckResult`s."""

from __future__ import annotations

from monitor.checks import (
    api_versions,
    audit,
    completeness,
    dbt_tests,
    event_latency,
    freshness,
    latency,
    load_status,
    load_success,
    record_count,
    rejected_values,
    rejects,
    schema_changes,
    sync_roundtrip,
    sync_success,
)
from monitor.checks.base import CheckKind

KINDS: dict[str, CheckKind] = {
    module.KIND.name: module.KIND
    for module in (
        record_count,
        completeness,
        latency,
        event_latency,
        load_success,
        load_status,
        sync_success,
        sync_roundtrip,
        freshness,
        dbt_tests,
        schema_changes,
        rejects,
        rejected_values,
        audit,
        api_versions,
    )
}
