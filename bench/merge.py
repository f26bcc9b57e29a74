"""The merge step of a first load: staged rows into an empty raw table, one row per primary key.

dlt's stock dedup (ROW_NUMBER() over every staged row) against `pipelines.destination.RawMergeJob`
(numbers only the keys staged twice) on the same synthetic email events, as many as the sandbox
world of each scale holds, 0.1 % of them staged twice. Each merge runs in a fresh process with the
load's DuckDB settings; peak RSS is that of the INSERT alone (the staging table is built first).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from dlt.destinations.sql_jobs import SqlMergeFollowupJob

from pipelines.destination import RawMergeJob
from pipelines.runner import DUCKDB_SETTINGS

ROWS = {"S": 230_000, "M": 2_300_000, "L": 23_000_000}
DUPLICATED_SHARE = 0.001
JOBS = {"dlt": SqlMergeFollowupJob, "roundtrip": RawMergeJob}
COLUMNS = ["id", "type", "recipient", "created", "email_campaign_id", "url", "_dlt_load_id"]


def _stage(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    first_duplicate = int(rows * (1 - DUPLICATED_SHARE))
    con.execute(
        f"""
        create table staged as select
            (case when i >= {first_duplicate} then i - {first_duplicate} else i end)::varchar as id,
            ['SENT', 'DELIVERED', 'OPEN', 'CLICK', 'BOUNCE'][i % 5 + 1] as type,
            'person' || (i % 100000) || '@example.com' as recipient,
            timestamptz '2026-01-01' + to_seconds(i) as created,
            i % 500 as email_campaign_id,
            'https://example.com/landing/' || (i % 1000) as url,
            '1795467221.031946' as _dlt_load_id
        from range({rows}) as r(i)
        """
    )
    con.execute("create table merged as select * from staged limit 0")


def _peak_rss_mib() -> float:
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmHWM"].split()[0]) / 1024


def _merge_in_this_process(job: str, rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect(f"{tmp}/bench.duckdb") as con:
        for name, value in DUCKDB_SETTINGS.items():
            con.execute(f"set {name} = '{value}'")
        _stage(con, rows)
        columns = [f'"{c}"' for c in COLUMNS]
        select = JOBS[job].gen_select_from_dedup_sql("staged", ['"id"'], columns)
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here on
        started = time.perf_counter()
        con.execute(f"insert into merged({', '.join(columns)}) {select}")
        seconds = time.perf_counter() - started
        peak = _peak_rss_mib()
        merged, keys = con.execute("select count(*), count(distinct id) from merged").fetchone()
    if merged != keys:
        raise AssertionError(f"{job}: {merged} rows merged for {keys} keys")
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(peak), "rows_merged": merged}


def run(scale: str) -> dict[str, object]:
    figures: dict[str, object] = {"staged_rows": ROWS[scale]}
    for job in JOBS:
        child = subprocess.run(
            [sys.executable, "-m", "bench.merge", job, str(ROWS[scale])],
            capture_output=True,
            text=True,
            check=True,
        )
        for key, value in json.loads(child.stdout).items():
            figures[f"{job}_{key}"] = value
    figures["speedup"] = round(figures["dlt_seconds"] / figures["roundtrip_seconds"], 1)
    return figures


if __name__ == "__main__":
    print(json.dumps(_merge_in_this_process(sys.argv[1], int(sys.argv[2]))))
