"""The writer lock: one writer at a time across processes, a clear message, a timeout."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.lock import WriterBusy, writer_lock

HOLD_LOCK = """
import sys, time
from pathlib import Path
from warehouse.lock import writer_lock
with writer_lock(Path(sys.argv[1]), "test holder"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(lock_file: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock_file), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_writer_waits_with_a_message_then_gets_the_lock(tmp_path: Path) -> None:
    lock_file = tmp_path / "writer.lock"
    holder = _hold(lock_file, 1.0)
    messages: list[str] = []
    started = time.monotonic()
    with writer_lock(lock_file, "second", timeout=30, on_wait=messages.append):
        waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.3
    assert len(messages) == 1
    assert "test holder" in messages[0] and "waiting" in messages[0]


def test_second_writer_times_out_with_a_clear_error(tmp_path: Path) -> None:
    lock_file = tmp_path / "writer.lock"
    holder = _hold(lock_file, 5.0)
    try:
        with (
            pytest.raises(WriterBusy, match=r"warehouse is busy: pid \d+ \(test holder\)"),
            writer_lock(lock_file, "second", timeout=0.5),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    lock_file = tmp_path / "writer.lock"
    holder = _hold(lock_file, 60.0)
    holder.kill()  # SIGKILL: no cleanup code runs
    holder.wait()
    with writer_lock(lock_file, "after kill", timeout=2):
        pass
