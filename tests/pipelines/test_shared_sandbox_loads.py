"""Two loads and a sync at once on a shared sandbox, with a reader: the first command leaving must
not stop the stand-ins the others still need; the reader never sees an error; the last user
stops them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sandbox.control import server_info
from tests.conftest import Project
from tests.reverse.conftest import SyncProject
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow

# Opens the published warehouse read-only until told to stop (stdin closes); prints opens, errors.
READER = """
import sys, threading, duckdb
path, stop, opens, errors = sys.argv[1], threading.Event(), 0, []
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
while not stop.is_set():
    try:
        with duckdb.connect(path, read_only=True) as con:
            con.execute("select count(*) from raw_ga4.traffic_daily").fetchone()
        opens += 1
    except duckdb.IOException as exc:
        if "No such file" not in str(exc):  # before the first publish
            errors.append(str(exc))
    except duckdb.CatalogException:
        pass
print(opens, len(errors), errors[:3])
"""


def _start(
    project: Project, *args: str, env: dict[str, str] | None = None, stderr: Path | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "roundtrip", *args],
        cwd=project.root,
        env={**project.env, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=stderr.open("w") if stderr else subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 300
    while not condition():
        assert process.poll() is None, f"{what}: the first load ended first"
        assert time.monotonic() < deadline, f"{what}: not within 300 s"
        time.sleep(0.05)


SPECS = """
syncs:
  - name: scores
    model: test.scores
    key: id
    destination: {system: hubspot, object: contacts, match_field: hs_object_id}
    mappings: [{from: score, to: lead_score}]
"""


def test_two_loads_a_sync_and_a_reader_share_the_sandbox(transformed_project: Project) -> None:
    project = transformed_project
    paths = WarehousePaths(project.warehouse)
    sp = SyncProject(project)
    model = (
        "select crm_record_id as id, lead_score + 1 as score from marts.crm_record_scores "
        "where crm_system = 'hubspot' order by crm_record_id limit 300"
    )
    sp.add_model("scores", model)
    with duckdb.connect(str(paths.working)) as con:  # as a dbt model would be: in both copies
        con.execute(f"create schema test; create table test.scores as {model}")
    sp.write_specs(SPECS)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(paths.published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    # LinkedIn at one request per 5 s holds the first load until the second is seen waiting
    project.roundtrip("sandbox", "faults", "linkedin_ads", "rate_limit=1/5", "retry_after=5")
    first = _start(project, "load", "ga4", "linkedin_ads")
    # the first load started the stand-ins and holds the writer lock
    _wait_for(lambda: server_info(project.sandbox) is not None, "sandbox up", first)
    _wait_for(lambda: "roundtrip load" in _lock_text(paths), "writer lock", first)
    second_log = project.root / "second-load.err"
    second = _start(project, "load", "ga4", "meta_ads", stderr=second_log)
    sync = _start(project, "sync", env={"ROUNDTRIP_SYNCS": str(sp.specs)})
    waiting = "waiting for the warehouse writer lock"
    _wait_for(lambda: waiting in second_log.read_text(), "second load waiting", first)
    project.roundtrip("sandbox", "faults", "linkedin_ads", "--clear")

    _, first_err = first.communicate(timeout=600)
    second.communicate(timeout=600)
    second_err = second_log.read_text()
    _, sync_err = sync.communicate(timeout=600)
    reads, _ = reader.communicate("", timeout=60)

    assert first.returncode == 0, first_err[-3000:]
    assert second.returncode == 0, second_err[-3000:]
    assert sync.returncode == 0, sync_err[-3000:]
    assert (sp.last_run("scores")["status"], sp.last_run("scores")["accepted"]) == (
        "succeeded",
        300,
    )
    opens, errors, _ = reads.split(" ", 2)
    assert int(opens) > 0 and int(errors) == 0, reads
    assert server_info(project.sandbox) is None  # the last user out stopped what users started


def _lock_text(paths: WarehousePaths) -> str:
    try:
        return paths.lock_file.read_text()
    except FileNotFoundError:
        return ""
