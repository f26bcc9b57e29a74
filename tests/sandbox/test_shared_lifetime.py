"""The stand-ins stay up while any command uses them; the last user out stops them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from sandbox import control
from tests.sandbox.fixture_world import CREDENTIALS, make_sandbox

TOKEN = {"Authorization": f"Bearer {CREDENTIALS['hubspot']['access_token']}"}
REPO = Path(__file__).resolve().parents[2]
# A second user: holds `running()` until its stdin closes, printing the server pid once inside.
USER = """
import sys
from sandbox import control
from sandbox.state import SandboxPaths
with control.running(SandboxPaths(__import__("pathlib").Path(sys.argv[1]))) as info:
    print(info.pid, flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def paths(tmp_path):
    paths = make_sandbox(tmp_path / "sandbox")
    yield paths
    control.stop(paths)


def _user(paths) -> tuple[subprocess.Popen[str], int]:
    """Start another process using the sandbox; returns it once it is inside, with the server pid."""
    process = subprocess.Popen(
        [sys.executable, "-c", USER, str(paths.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def _stopped(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _answers(info: control.ServerInfo) -> bool:
    return httpx.get(info.urls["hubspot"] + "/crm/v3/schemas", headers=TOKEN).status_code == 200


def test_the_first_user_leaving_does_not_stop_the_second(paths):
    first, pid = _user(paths)  # starts the servers
    with control.running(paths) as info:
        assert info.pid == pid
        first.communicate("")  # the first user finishes while the second still works
        assert first.returncode == 0
        assert control.server_info(paths) is not None and _answers(info)
    assert _stopped(pid)  # the last user out stops what users started
    assert control.server_info(paths) is None


def test_a_killed_user_does_not_keep_the_servers_up(paths):
    first, pid = _user(paths)
    with control.running(paths) as info:
        assert info.pid == pid
        first.kill()
        first.wait()
        assert _answers(info)
    assert _stopped(pid)


def test_servers_started_by_sandbox_up_stay_up(paths):
    first, pid = _user(paths)
    assert control.up(paths=paths).pid == pid  # taken over by an explicit `sandbox up`
    first.communicate("")
    assert control.server_info(paths) is not None
