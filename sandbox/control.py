"""Run the sandbox: generate or advance the world, start and stop the stand-in servers.

The servers run as one background process (`python -m sandbox.server --state DIR`) that writes
server.json once every stand-in listens; its output goes to `.sandbox/server.log`. A server.json
whose pid is dead (or not ours) is stale and removed. `running()` is for commands that need the
sandbox: it holds a lease while the command runs, starts the servers when they are not up, and the
last lease returned stops the servers that leases started (`sandbox up` servers stay up).
"""

from __future__ import annotations

import contextlib
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import psutil

from sandbox import leases
from sandbox.state import DEFAULT_SCALE, DEFAULT_SEED, SandboxPaths, WorldInfo, read_json

Echo = Callable[[str], object]
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


class SandboxError(RuntimeError):
    """The sandbox could not do what was asked; the message says why and where to look."""


@dataclass(frozen=True)
class ServerInfo:
    """What server.json says about the running stand-ins."""

    pid: int
    started_at: str
    urls: dict[str, str]
    ca_cert: Path

    @classmethod
    def read(cls, paths: SandboxPaths) -> ServerInfo | None:
        data = read_json(paths.server_json)
        if data is None:
            return None
        return cls(
            int(data["pid"]), str(data["started_at"]), dict(data["urls"]), Path(data["ca_cert"])
        )


def _quiet(_: str) -> None:
    return None


def _is_server_process(pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        return (
            process.is_running()
            and process.status() != psutil.STATUS_ZOMBIE
            and ("sandbox.server" in " ".join(process.cmdline()))
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def server_info(paths: SandboxPaths | None = None) -> ServerInfo | None:
    """The running servers, or None; a stale server.json (dead or foreign pid) is removed."""
    paths = paths or SandboxPaths.default()
    info = ServerInfo.read(paths)
    if info is not None and not _is_server_process(info.pid):
        paths.server_json.unlink(missing_ok=True)
        return None
    return info


def _generator() -> ModuleType:
    """The generator package, imported only when a world must be (re)written."""
    from sandbox import generator

    return generator


def _log_tail(paths: SandboxPaths, lines: int = 8) -> str:
    try:
        tail = paths.server_log.read_text(errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return ""
    return "\n".join(tail)


def _wait_until_up(paths: SandboxPaths, process: subprocess.Popen[bytes]) -> ServerInfo:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(
                f"the sandbox servers exited with code {process.returncode} while starting; "
                f"see {paths.server_log}:\n{_log_tail(paths)}"
            )
        info = ServerInfo.read(paths)
        if info is not None and info.pid == process.pid:
            return info
        time.sleep(0.02)
    _terminate(process.pid)
    raise SandboxError(
        f"the sandbox servers did not start within {START_TIMEOUT_S:.0f} s; see {paths.server_log}"
    )


def _check_answers(paths: SandboxPaths, info: ServerInfo) -> None:
    """Every stand-in answers HTTP (any status counts: the server is listening and serving)."""
    with httpx.Client(
        verify=ssl.create_default_context(cafile=info.ca_cert), timeout=5.0
    ) as client:
        for vendor, url in info.urls.items():
            try:
                client.get(url + "/")
            except httpx.HTTPError as exc:
                raise SandboxError(
                    f"the {vendor} stand-in at {url} does not answer ({exc}); see {paths.server_log}"
                ) from exc


def _terminate(pid: int) -> None:
    try:
        process = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    with contextlib.suppress(psutil.NoSuchProcess):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)


def start(paths: SandboxPaths) -> ServerInfo:
    """Start the servers on an existing world and wait until every one answers."""
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.server_json.unlink(missing_ok=True)
    with paths.server_log.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.server", "--state", str(paths.root)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    info = _wait_until_up(paths, process)
    try:
        _check_answers(paths, info)
    except SandboxError:
        stop(paths)
        raise
    return info


def stop(paths: SandboxPaths) -> bool:
    """Stop the servers if they run; True when there was something to stop."""
    info = server_info(paths)
    if info is None:
        return False
    _terminate(info.pid)
    paths.server_json.unlink(missing_ok=True)
    return True


def up(echo: Echo = _quiet, paths: SandboxPaths | None = None) -> ServerInfo:
    """Start the stand-ins (generating the default world first if there is none); they stay up
    until `down`, also when a command that uses them started them."""
    paths = paths or SandboxPaths.default()
    with leases.locked(paths):
        leases.auto_marker(paths).unlink(missing_ok=True)
        return _up(echo, paths)


def _up(echo: Echo, paths: SandboxPaths) -> ServerInfo:
    info = server_info(paths)
    if info is not None:
        echo(f"sandbox servers already running (pid {info.pid})")
        return info
    if not paths.world_db.exists():
        echo(
            f"no sandbox world in {paths.root}: generating seed {DEFAULT_SEED}, scale {DEFAULT_SCALE}"
        )
        _generator().generate(paths, DEFAULT_SEED, DEFAULT_SCALE)
    info = start(paths)
    echo(f"sandbox servers up (pid {info.pid}):")
    for vendor, url in sorted(info.urls.items()):
        echo(f"  {vendor:<13} {url}")
    return info


def down(echo: Echo = _quiet, paths: SandboxPaths | None = None) -> None:
    paths = paths or SandboxPaths.default()
    leases.auto_marker(paths).unlink(missing_ok=True)
    echo("sandbox servers stopped" if stop(paths) else "sandbox servers were not running")


def status(echo: Echo = _quiet, paths: SandboxPaths | None = None) -> None:
    paths = paths or SandboxPaths.default()
    world = WorldInfo.read(paths)
    if world is None:
        echo(f"no sandbox world in {paths.root} (run `roundtrip sandbox reset`)")
    else:
        echo(f"world: seed {world.seed}, scale {world.scale}, clock {world.now.isoformat()}")
    info = server_info(paths)
    if info is None:
        echo("servers: not running (run `roundtrip sandbox up`)")
        return
    echo(f"servers: running (pid {info.pid}, since {info.started_at}), CA {info.ca_cert}")
    for vendor, url in sorted(info.urls.items()):
        echo(f"  {vendor:<13} {url}")


def _rewrite_world(paths: SandboxPaths, echo: Echo, rewrite: Callable[[], WorldInfo]) -> WorldInfo:
    """Stop the servers while `rewrite` changes the world; restart them if they were up."""
    was_up = stop(paths)
    world = rewrite()
    echo(f"world: seed {world.seed}, scale {world.scale}, clock {world.now.isoformat()}")
    if was_up:
        info = start(paths)
        echo(f"sandbox servers restarted (pid {info.pid})")
    return world


def reset(
    seed: int, scale: str, echo: Echo = _quiet, paths: SandboxPaths | None = None
) -> WorldInfo:
    paths = paths or SandboxPaths.default()
    return _rewrite_world(paths, echo, lambda: _generator().generate(paths, seed, scale))


def advance(days: int, echo: Echo = _quiet, paths: SandboxPaths | None = None) -> WorldInfo:
    paths = paths or SandboxPaths.default()
    return _rewrite_world(paths, echo, lambda: _generator().advance(paths, days))


@contextlib.contextmanager
def running(paths: SandboxPaths | None = None) -> Iterator[ServerInfo]:
    """The running servers, held by a lease while the caller runs: started here if they were not
    up, and stopped on exit only when leases started them and no other live lease is left."""
    paths = paths or SandboxPaths.default()
    with leases.locked(paths):
        lease = leases.take(paths)
        try:
            info = server_info(paths)
            if info is None:
                info = _up(_quiet, paths)
                leases.auto_marker(paths).touch()
        except BaseException:
            lease.unlink(missing_ok=True)
            raise
    try:
        yield info
    finally:
        with leases.locked(paths):
            lease.unlink(missing_ok=True)
            if leases.auto_marker(paths).exists() and not leases.live(paths):
                stop(paths)
                leases.auto_marker(paths).unlink(missing_ok=True)
