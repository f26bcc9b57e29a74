"""`roundtrip schedule`: cron timing, no overlap, one catch-up run instead of a burst, and a
graceful stop — with real child processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from roundtrip.schedule import Job, Scheduler, build_jobs
from tests.conftest import Project

MINUTE = 60.0


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _wait_idle(job: Job, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while job.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not job.running


def test_overlapping_occurrences_collapse_into_one_catch_up_run() -> None:
    clock = FakeClock(1_800_000_000.0)  # a whole minute
    slow = Job("slow", "* * * * *", [["sandbox", "status"]] * 3)
    scheduler = Scheduler([slow], clock=clock)
    scheduler.start()
    scheduler.tick()
    assert slow.runs == 0  # nothing runs before its first occurrence

    clock.now += MINUTE
    scheduler.tick()
    assert slow.runs == 1 and slow.running
    for _ in range(3):  # three occurrences pass while it still runs
        clock.now += MINUTE
        scheduler.tick()
    assert slow.runs == 1 and slow.catch_up
    _wait_idle(slow)
    assert slow.last_exit == 0
    scheduler.tick()
    assert slow.runs == 2  # one catch-up run, not three
    _wait_idle(slow)
    scheduler.tick()
    assert slow.runs == 2  # and nothing more until the next occurrence

    clock.now += 10 * MINUTE  # the machine slept through ten occurrences
    scheduler.tick()
    assert slow.runs == 3
    _wait_idle(slow)
    scheduler.tick()
    assert slow.runs == 3
    assert slow.next_due > clock.now


def test_each_check_runs_on_its_own_schedule_and_shared_crons_run_together() -> None:
    jobs = build_jobs(
        {"load_transform": "0 * * * *"},
        [],
        [("crm_record_count", "5 * * * *"), ("ad_spend_completeness", "0 7 * * *"),
         ("load_rejects", "10 * * * *"), ("schema_changes", "10 * * * *")],
    )  # fmt: skip
    assert [(j.name, j.cron, j.commands) for j in jobs] == [
        ("load_transform", "0 * * * *", [["load"], ["transform"]]),
        ("health:crm_record_count", "5 * * * *", [["health", "crm_record_count"]]),
        ("health:ad_spend_completeness", "0 7 * * *", [["health", "ad_spend_completeness"]]),
        (
            "health:load_rejects,schema_changes",
            "10 * * * *",
            [["health", "load_rejects", "schema_changes"]],
        ),
    ]


def test_transform_runs_after_a_load_in_which_a_system_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[list[str]] = []

    class Finished:
        """A child process that already ended with the code its command is given below."""

        def __init__(self, argv: list[str]) -> None:
            started.append(argv[3:])
            self.pid = len(started)
            self.code = {"load": exit_code}.get(argv[3], 0)

        def wait(self) -> int:
            return self.code

    monkeypatch.setattr("roundtrip.schedule.subprocess.Popen", Finished)
    (job,) = build_jobs({"load_transform": "0 * * * *", "health": "* * * * *"}, [])[:1]
    for exit_code, ran in ((0, 2), (1, 2), (2, 1)):  # ok, a system failed, fix first
        started.clear()
        scheduler = Scheduler([job])
        scheduler.launch(job)
        _wait_idle(job)
        assert [a[0] for a in started] == ["load", "transform"][:ran], exit_code
        assert job.last_exit == (0 if ran == 2 else exit_code)


def test_jobs_come_from_settings_and_sync_specs() -> None:
    jobs = build_jobs(
        {"load_transform": "0 * * * *", "health": "*/15 * * * *"},
        [("hubspot_contact_scores", "15 * * * *")],
    )
    assert [(j.name, j.cron, j.commands) for j in jobs] == [
        ("load_transform", "0 * * * *", [["load"], ["transform"]]),
        ("health", "*/15 * * * *", [["health"]]),
        ("sync:hubspot_contact_scores", "15 * * * *", [["sync", "hubspot_contact_scores"]]),
    ]


@pytest.mark.slow
def test_schedule_command_runs_jobs_and_stops_gracefully_on_sigterm(project: Project) -> None:
    (project.root / "roundtrip.toml").write_text(
        '[schedule]\nload_transform = "0 0 1 1 *"\nhealth = "* * * * * */2"\n'
    )
    specs = project.root / "syncs.yml"
    specs.write_text("syncs: []\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "roundtrip", "schedule"],
        cwd=project.root,
        env={**project.env, "ROUNDTRIP_SYNCS": str(specs)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(7)
    second = project.roundtrip("schedule", check=False, ROUNDTRIP_SYNCS=str(specs))
    assert second.returncode == 2 and "another `roundtrip schedule` is running" in second.stderr
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    assert "job health: started `roundtrip health`" in output
    assert "job health: finished with exit code" in output
    assert output.rstrip().endswith("scheduler stopped")
    assert "job load_transform: started" not in output
