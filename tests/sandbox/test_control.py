"""Process control: up/status/down, running(), stale server.json, clear start-up failures."""

from __future__ import annotations

import subprocess
import sys

import httpx
import psutil
import pytest

from sandbox import control
from sandbox.state import SandboxPaths, read_json, write_json
from tests.sandbox.fixture_world import CREDENTIALS, make_sandbox

TOKEN = {"Authorization": f"Bearer {CREDENTIALS['hubspot']['access_token']}"}


@pytest.fixture
def paths(tmp_path):
    paths = make_sandbox(tmp_path / "sandbox")
    yield paths
    control.stop(paths)


def test_up_status_down_leaves_no_process(paths):
    lines: list[str] = []
    info = control.up(lines.append, paths)
    assert psutil.pid_exists(info.pid)
    assert set(info.urls) >= {"hubspot", "salesforce"}
    assert info.urls["salesforce"].startswith("https://") and info.ca_cert.exists()
    assert control.up(lines.append, paths).pid == info.pid  # idempotent
    lines.clear()
    control.status(lines.append, paths)
    assert lines[0] == "world: seed 1, scale S, clock 2026-03-01T00:00:00"
    assert any(info.urls["hubspot"] in line for line in lines)
    control.down(lines.append, paths)
    assert (
        not psutil.pid_exists(info.pid) or psutil.Process(info.pid).status() == psutil.STATUS_ZOMBIE
    )
    assert not paths.server_json.exists()
    lines.clear()
    control.status(lines.append, paths)
    assert lines[-1].startswith("servers: not running")


def test_running_stops_only_what_it_started(paths):
    with control.running(paths) as info:
        assert httpx.get(info.urls["hubspot"] + "/crm/v3/schemas", headers=TOKEN).status_code == 200
    assert (
        not psutil.pid_exists(info.pid) or psutil.Process(info.pid).status() == psutil.STATUS_ZOMBIE
    )
    assert control.server_info(paths) is None
    outer = control.up(paths=paths)
    with control.running(paths) as inner:
        assert inner.pid == outer.pid
    assert control.server_info(paths) is not None


def test_stale_server_json_is_cleaned(paths):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_json(paths.server_json, {"pid": dead.pid, "started_at": "x", "urls": {}, "ca_cert": "x"})
    assert control.server_info(paths) is None
    assert not paths.server_json.exists()
    write_json(paths.server_json, {"pid": 1, "started_at": "x", "urls": {}, "ca_cert": "x"})
    assert control.up(paths=paths).pid != 1  # pid 1 is alive but not a sandbox server


def test_start_failure_points_at_the_log(paths):
    paths.credentials_json.unlink()
    with pytest.raises(control.SandboxError, match=r"server\.log"):
        control.up(paths=paths)
    assert not paths.server_json.exists()


def test_writes_survive_a_restart(paths):
    info = control.up(paths=paths)
    with httpx.Client(base_url=info.urls["hubspot"], headers=TOKEN) as client:
        client.post(
            "/crm/v3/objects/contacts/batch/update",
            json={"inputs": [{"id": "1002", "properties": {"lead_score": "99"}}]},
        ).raise_for_status()
    control.down(paths=paths)
    info = control.up(paths=paths)
    with httpx.Client(base_url=info.urls["hubspot"], headers=TOKEN) as client:
        record = client.get("/crm/v3/objects/contacts/1002", params={"properties": "lead_score"})
    assert record.json()["properties"]["lead_score"] == "99"


@pytest.mark.slow
def test_reset_and_advance_restart_running_servers(tmp_path, generated_world_tiny_scale):
    paths = SandboxPaths(tmp_path / "generated")
    control.reset(11, generated_world_tiny_scale, paths=paths)
    assert control.server_info(paths) is None  # was not up: stays down
    try:
        first = control.up(paths=paths)
        world = control.advance(1, paths=paths)
        second = control.server_info(paths)
        assert second is not None and second.pid != first.pid
        assert (
            not psutil.pid_exists(first.pid)
            or psutil.Process(first.pid).status() == psutil.STATUS_ZOMBIE
        )
        token = read_json(paths.credentials_json)["hubspot"]["access_token"]
        with httpx.Client(
            base_url=second.urls["hubspot"], headers={"Authorization": f"Bearer {token}"}
        ) as client:
            contact = client.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][
                0
            ]
            client.post(
                "/crm/v3/objects/contacts/batch/update",
                json={"inputs": [{"id": contact["id"], "properties": {"lead_score": "1"}}]},
            ).raise_for_status()
            updated = client.get(f"/crm/v3/objects/contacts/{contact['id']}").json()["updatedAt"]
        assert updated.startswith(world.now.strftime("%Y-%m-%dT%H:%M:%S"))  # the advanced clock
    finally:
        control.stop(paths)
