"""What `roundtrip transform` must build: nothing when no raw table, dbt file, dbt var or data
clock changed since the last successful build; else only the models downstream of what changed.

A raw table's fingerprint is its row count and the sum of its rows' hashes (one scan; about
0.1 s for the 180 k raw rows at scale S), so a load that changed nothing leaves it as it was and
any insert, update or delete moves it. The fingerprint
of the last successful build is kept in `<warehouse>/work/transform_state.json` beside a copy of
that build's dbt manifest (`work/dbt_state/`), which dbt's `state:modified` compares against.
Models that read the clock (tagged `reads_clock`: how far behind each system is) are rebuilt with
what reads them whenever the clock moved: the sandbox's `data_clock` var, or always on the wall
clock."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from warehouse.location import WarehousePaths

STATE_FILE = "transform_state.json"
MANIFEST_DIR = "dbt_state"
# what dbt reads from the project: a change to any of these files may change a model or test
PROJECT_PARTS = ("models", "macros", "seeds", "tests")
# project-wide settings (its vars, materializations, schemas): a change rebuilds everything
PROJECT_FILE = "dbt_project.yml"
# the dbt var carrying the sandbox's clock, and the tag of the models that read a clock
CLOCK_VAR = "data_clock"
CLOCK_SELECTOR = "tag:reads_clock+"
# source tables outside `raw_*` the models read (the load runner's records)
OTHER_SOURCES = ("monitor.load_runs",)
SHOWN = 6  # selectors named in the plan's line


@dataclass(frozen=True)
class Fingerprint:
    raw: dict[str, list[int | str]]
    project: str
    vars: str
    clock: str | None = None  # the sandbox's clock; None on the wall clock, which always moves

    def to_json(self) -> dict:
        return {"raw": self.raw, "project": self.project, "vars": self.vars, "clock": self.clock}


@dataclass(frozen=True)
class BuildPlan:
    """`select` is None for a full build, [] when nothing is built, else dbt's selectors."""

    select: list[str] | None
    reason: str

    @property
    def skip(self) -> bool:
        return self.select == []


def raw_fingerprint(database: Path) -> dict[str, list[int | str]]:
    """`schema.table` → [rows, sum of row hashes] for every dlt data table in `raw_*` (not dlt's
    `*_staging` merge scratch) and the `OTHER_SOURCES`, dlt's own `_dlt_*` columns left out: a
    load that re-merges the same rows (a lookback window, a restated day unchanged) changes
    nothing here."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            r"where table_schema like 'raw\_%' escape '\' "
            r"and table_schema not like '%\_staging' escape '\' "
            r"and table_name not like '\_dlt\_%' escape '\' "
            "or table_schema || '.' || table_name in ?  order by all",
            [list(OTHER_SOURCES)],
        ).fetchall()
        if not tables:
            return {}
        content = r"*columns(lambda c: c not like '\_dlt\_%' escape '\')"
        rows = con.execute(
            " union all ".join(
                f"select '{schema}.{table}', count(*), "
                f'coalesce(sum(hash({content}))::hugeint, 0)::varchar from "{schema}"."{table}"'
                for schema, table in tables
            )
        ).fetchall()
    return {name: [count, digest] for name, count, digest in rows}


def project_fingerprint(project_dir: Path) -> str:
    """A hash of every file dbt reads from the project."""
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        root = project_dir / part
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(project_dir)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def fingerprint(paths: WarehousePaths, project_dir: Path, dbt_vars: dict) -> Fingerprint:
    settings = {k: v for k, v in dbt_vars.items() if k != CLOCK_VAR}
    clock = dbt_vars.get(CLOCK_VAR)
    return Fingerprint(
        raw_fingerprint(paths.working),
        project_fingerprint(project_dir),
        json.dumps(settings, sort_keys=True)
        + hashlib.sha256((project_dir / PROJECT_FILE).read_bytes()).hexdigest(),
        None if clock is None else str(clock),
    )


def last_build(paths: WarehousePaths) -> Fingerprint | None:
    """The fingerprint of the last successful build, or None (never built, or built before
    selective builds existed, or its manifest is gone)."""
    state = paths.work_dir / STATE_FILE
    if not state.exists() or not (paths.work_dir / MANIFEST_DIR / "manifest.json").exists():
        return None
    try:
        data = json.loads(state.read_text())
        return Fingerprint(data["raw"], data["project"], data["vars"], data.get("clock"))
    except (ValueError, KeyError, TypeError):
        return None


def remember_build(paths: WarehousePaths, current: Fingerprint, target_dir: Path) -> None:
    """Keep `current` and the build's manifest as what the next transform compares against."""
    keep = paths.work_dir / MANIFEST_DIR
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target_dir / "manifest.json", keep / "manifest.json")
    (paths.work_dir / STATE_FILE).write_text(json.dumps(current.to_json(), indent=1))


def source_selectors(manifest: Path, tables: set[str]) -> tuple[list[str], list[str]]:
    """(dbt selectors `source:<source>.<table>+` of the raw `schema.table`s a dbt source
    declares, the tables no source declares)."""
    sources = json.loads(manifest.read_text()).get("sources", {})
    declared = {
        f"{s['schema']}.{s['identifier']}".lower(): f"source:{s['source_name']}.{s['name']}+"
        for s in sources.values()
    }
    selectors = sorted({declared[t.lower()] for t in tables if t.lower() in declared})
    return selectors, sorted(t for t in tables if t.lower() not in declared)


def plan(paths: WarehousePaths, previous: Fingerprint | None, current: Fingerprint) -> BuildPlan:
    """Full build, nothing, or the models downstream of the raw tables and dbt files that changed
    (each with its tests), with one line saying which and why."""
    if previous is None:
        return BuildPlan(None, "full build: no earlier successful build to compare with")
    if previous.vars != current.vars:
        return BuildPlan(
            None,
            f"full build: the dbt vars (enabled systems, thresholds) or {PROJECT_FILE} changed",
        )
    changed = {
        table
        for table in previous.raw.keys() | current.raw.keys()
        if previous.raw.get(table) != current.raw.get(table)
    }
    project_changed = previous.project != current.project
    clock_moved = current.clock is None or current.clock != previous.clock
    if not changed and not project_changed and not clock_moved:
        return BuildPlan(
            [],
            f"skipped the dbt build: none of {len(current.raw)} raw tables and no dbt file "
            "changed since the last successful build; its models and test results stand",
        )
    selectors, unread = source_selectors(paths.work_dir / MANIFEST_DIR / "manifest.json", changed)
    why = []
    if changed:
        why.append(f"{len(changed)} of {len(current.raw)} raw tables changed")
    if unread:
        why.append(f"{len(unread)} of them read by no model")
    if project_changed:
        selectors.append("state:modified+")
        why.append("dbt files changed")
    if clock_moved:
        selectors.append(CLOCK_SELECTOR)
        why.append("the clock moved")
    if not selectors:
        return BuildPlan([], f"skipped the dbt build: {', '.join(why)}")
    shown = " ".join(selectors[:SHOWN]) + (
        f" and {len(selectors) - SHOWN} more" if len(selectors) > SHOWN else ""
    )
    return BuildPlan(selectors, f"selective build ({', '.join(why)}): {shown}")
