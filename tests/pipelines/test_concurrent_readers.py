"""Analysts keep the published warehouse open while loads and transforms run."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow

# Holds one read-only connection for the whole run and opens fresh ones in a loop until told to
# stop; every state it sees must be complete: no load still marked running, every run's
# resources recorded.
READER = """
import sys, time, duckdb
path = sys.argv[1]
held = duckdb.connect(path, read_only=True)
baseline = held.execute("select count(*) from monitor.load_runs").fetchone()[0]
seen = set()
while True:
    con = duckdb.connect(path, read_only=True)
    running, runs, missing = con.execute(
        "select count(*) filter (where status = 'running'), count(distinct run_id), "
        "count(*) filter (where run_id not in (select run_id from monitor.load_resource_runs)) "
        "from monitor.load_runs"
    ).fetchone()
    assert running == 0 and missing == 0, (running, missing)
    seen.add(runs)
    con.close()
    assert held.execute("select count(*) from monitor.load_runs").fetchone()[0] == baseline
    if sys.stdin.readline().strip() == "stop":
        break
print(len(seen))
"""


def test_a_reader_of_the_published_file_never_fails_or_sees_a_partial_run(
    project: Project,
) -> None:
    """A full load then a transform run while a reader polls the published file."""
    project.roundtrip("load", "ga4", "salesforce")
    published = project.warehouse / "roundtrip.duckdb"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    roundtrip = f"{sys.executable} -m roundtrip"
    writer = subprocess.Popen(
        ["sh", "-c", f"{roundtrip} load && {roundtrip} transform"],
        cwd=project.root,
        env=project.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    polls = 0
    while writer.poll() is None:
        reader.stdin.write("go\n")
        reader.stdin.flush()
        polls += 1
        time.sleep(0.05)
    reader.stdin.write("stop\n")
    reader.stdin.flush()
    out, err = reader.communicate(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()
    assert reader.returncode == 0, err
    assert polls > 10
    assert int(out) >= 1
