"""The single cross-process writer lock shared by every stage that writes (load, transform)."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_TIMEOUT_SECONDS = 3600.0


class WriterBusy(Exception):
    """Another process held the writer lock for longer than we were willing to wait."""


def _holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text().strip() or "another process"
    except OSError:
        return "another process"


@contextmanager
def writer_lock(
    lock_file: Path,
    purpose: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
    poll_seconds: float = 0.2,
) -> Iterator[None]:
    """Hold the warehouse's writer lock while the block runs.

    A second writer waits (telling `on_wait` once who holds the lock) and raises `WriterBusy`
    after `timeout` seconds. The lock is an OS file lock, so it is released even on kill -9.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(lock_file)
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"the warehouse is busy: {holder} has held the writer lock "
                        f"({lock_file}) for more than {timeout:.0f} s; try again when it finishes"
                    ) from None
                if not announced and on_wait is not None:
                    on_wait(f"waiting for the warehouse writer lock held by {holder} ...")
                    announced = True
                time.sleep(poll_seconds)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({purpose})\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
