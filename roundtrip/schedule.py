"""`roundtrip schedule`: run every job on its cron in the foreground until SIGTERM.

Jobs: `load_transform` (`roundtrip load`, then `roundtrip transform`) from the `[schedule]`
settings; the health checks on their own `schedule` in monitor.yml (checks sharing a cron run as
one `health:<names>` job), or all on `[schedule] health` when that is set; and one job per reverse
sync on its spec's `schedule`. Each run is a
child process (`python -m roundtrip …`), so a crash in one never takes the scheduler down.

- Commands of a job run one after another while they succeed; `load_transform` also transforms
  after a load that exited 1 (a system failed, the others were published).
- Overlap: a job never runs twice at once. An occurrence that falls while the job still runs
  is not queued; the job runs once more when it finishes (catch-up), never a burst.
- Missed runs: after the scheduler was stopped or the machine slept, each job runs at its next
  occurrence from now; several missed occurrences count as one.
- SIGTERM / SIGINT: no new runs start; running ones are asked to stop (SIGTERM) and waited for.
- One log line per start and per finish (job, pid, exit code, seconds).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from croniter import croniter

log = logging.getLogger("roundtrip.schedule")

STOP_GRACE_SECONDS = 60.0


@dataclass
class Job:
    name: str
    cron: str
    commands: list[list[str]]  # roundtrip CLI arguments, run one after another while they succeed
    go_on: frozenset[int] = frozenset({0})  # exit codes after which the next command still runs
    next_due: float = 0.0
    catch_up: bool = False
    thread: threading.Thread | None = None
    process: subprocess.Popen | None = None
    runs: int = 0
    last_exit: int | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def schedule_after(self, moment: float) -> None:
        self.next_due = croniter(self.cron, datetime.fromtimestamp(moment).astimezone()).get_next(
            float
        )


@dataclass
class Scheduler:
    jobs: list[Job]
    clock: Callable[[], float] = time.time
    tick_seconds: float = 0.5
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        now = self.clock()
        for job in self.jobs:
            job.schedule_after(now)
            log.info("job %s: %s; next run %s", job.name, job.cron, _when(job.next_due))

    def tick(self) -> None:
        """Start every job that is due (or owed a catch-up run) and not running."""
        now = self.clock()
        for job in self.jobs:
            due = now >= job.next_due
            if due:
                job.schedule_after(now)  # missed occurrences collapse into this one
            if job.running:
                if due and not job.catch_up:
                    log.info("job %s: still running; will run once more when it finishes", job.name)
                    job.catch_up = True
                continue
            if due or job.catch_up:
                job.catch_up = False
                self.launch(job)

    def launch(self, job: Job) -> None:
        job.runs += 1
        job.thread = threading.Thread(target=self._run, args=(job,), name=f"job-{job.name}")
        job.thread.start()

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        code = 0
        for args in job.commands:
            if self.stopping.is_set():
                break
            job.process = subprocess.Popen([sys.executable, "-m", "roundtrip", *args])
            log.info(
                "job %s: started `roundtrip %s` (pid %d)", job.name, " ".join(args), job.process.pid
            )
            code = job.process.wait()
            if code not in job.go_on:
                break
        job.process = None
        job.last_exit = code
        log.info(
            "job %s: finished with exit code %d in %.1f s; next run %s",
            job.name, code, time.monotonic() - started, _when(job.next_due),
        )  # fmt: skip

    def run_forever(self) -> None:
        self.start()
        while not self.stopping.is_set():
            self.tick()
            self.stopping.wait(self.tick_seconds)
        self.shutdown()

    def request_stop(self, *_: object) -> None:
        log.info("stop requested: no new runs; waiting for running jobs")
        self.stopping.set()

    def shutdown(self, grace: float = STOP_GRACE_SECONDS) -> None:
        for job in self.jobs:
            if job.process is not None and job.process.poll() is None:
                job.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for job in self.jobs:
            if job.thread is not None:
                job.thread.join(max(0.0, deadline - time.monotonic()))
            if job.process is not None and job.process.poll() is None:
                log.warning("job %s: did not stop within %.0f s; killing it", job.name, grace)
                job.process.kill()
        log.info("scheduler stopped")


def _when(moment: float) -> str:
    return datetime.fromtimestamp(moment).astimezone().isoformat(timespec="seconds")


def build_jobs(
    schedule: dict[str, str],
    syncs: list[tuple[str, str]],
    checks: Sequence[tuple[str, str]] = (),
) -> list[Job]:
    """The scheduler's jobs from the `[schedule]` settings, (sync name, cron) pairs and (health
    check name, cron) pairs: checks that share a cron run as one `roundtrip health A B` job,
    unless `[schedule] health` sets one cron for every check."""
    # a load in which a system failed (exit 1) published the others: transform builds on them
    load_transform = Job(
        "load_transform", schedule["load_transform"], [["load"], ["transform"]], frozenset({0, 1})
    )
    jobs = [load_transform]
    if "health" in schedule:
        jobs.append(Job("health", schedule["health"], [["health"]]))
    else:
        by_cron: dict[str, list[str]] = {}
        for name, cron in checks:
            by_cron.setdefault(cron, []).append(name)
        jobs += [
            Job(f"health:{','.join(names)}", cron, [["health", *names]])
            for cron, names in by_cron.items()
        ]
    jobs += [Job(f"sync:{name}", cron, [["sync", name]]) for name, cron in syncs]
    return jobs
