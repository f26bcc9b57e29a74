"""Who is using the stand-ins: one lease file per user, so the last user out stops them.

A command that needs the sandbox (`control.running`) takes a lease in `.sandbox/leases/` while it
runs. Servers that such a command started are marked `auto`; when a lease is returned and no live
lease is left, auto-started servers are stopped. A lease names its process (pid and start time),
so the lease of a killed process is recognised as dead and ignored. Every decision is taken under
an exclusive file lock (`.sandbox/leases/.lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil

from sandbox.state import SandboxPaths


def _dir(paths: SandboxPaths) -> Path:
    return paths.root / "leases"


def auto_marker(paths: SandboxPaths) -> Path:
    """Present while the running servers were started for leases (not by `sandbox up`)."""
    return _dir(paths) / "auto"


@contextlib.contextmanager
def locked(paths: SandboxPaths) -> Iterator[None]:
    """Hold the lease lock (blocks while another process decides whether to start or stop)."""
    _dir(paths).mkdir(parents=True, exist_ok=True)
    with (_dir(paths) / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _process_start(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def take(paths: SandboxPaths) -> Path:
    """A new lease for this process (call under `locked`)."""
    lease = _dir(paths) / f"{os.getpid()}.{uuid.uuid4().hex}.lease"
    lease.write_text(repr(_process_start(os.getpid())))
    return lease


def _alive(lease: Path) -> bool:
    try:
        pid, started = int(lease.name.split(".")[0]), float(lease.read_text())
    except (ValueError, OSError):
        return False
    return _process_start(pid) == started


def live(paths: SandboxPaths) -> list[Path]:
    """The leases whose process still runs; dead ones are removed (call under `locked`)."""
    alive = []
    for lease in sorted(_dir(paths).glob("*.lease")):
        if _alive(lease):
            alive.append(lease)
        else:
            lease.unlink(missing_ok=True)
    return alive
