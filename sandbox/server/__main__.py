"""Run every stand-in in one process: `python -m sandbox.server --state DIR`.

One asyncio loop, one uvicorn Server per vendor on 127.0.0.1 with an OS-assigned port
(Salesforce over HTTPS), one shared DuckDB connection to world.duckdb. Once every server is
listening, server.json records the pid, the URLs and the CA certificate; it is removed again on
SIGTERM/SIGINT. Logs go to stderr (`sandbox up` sends them to .sandbox/server.log).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import uvicorn

from sandbox.server import HTTPS_VENDORS, app_factories
from sandbox.server.auth import TokenAuthority
from sandbox.server.common import VendorContext, world_now
from sandbox.server.tls import TlsFiles, ensure_jwt_key, ensure_tls
from sandbox.state import SandboxPaths, read_json, write_json

log = logging.getLogger("sandbox.server")
FORCE_EXIT_AFTER_S = 0.5


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to this process (several share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    sock.setblocking(False)
    return sock


async def serve(paths: SandboxPaths) -> None:
    tls: TlsFiles = ensure_tls(paths.tls_dir)
    credentials = read_json(paths.credentials_json)
    if credentials is None:
        raise SystemExit(f"no {paths.credentials_json}: generate the world first")
    credentials = ensure_jwt_key(paths, credentials)
    db = duckdb.connect(str(paths.world_db))
    auth = TokenAuthority(credentials)
    now = world_now(db)
    servers: list[tuple[_Server, socket.socket]] = []
    urls: dict[str, str] = {}
    for vendor, create_app in app_factories().items():
        sock = _listen()
        https = vendor in HTTPS_VENDORS
        url = f"{'https' if https else 'http'}://127.0.0.1:{sock.getsockname()[1]}"
        ctx = VendorContext(vendor, paths, db, url, credentials, auth, now)
        config = uvicorn.Config(
            create_app(ctx),
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
            ssl_certfile=str(tls.cert_chain) if https else None,
            ssl_keyfile=str(tls.key) if https else None,
        )
        servers.append((_Server(config), sock))
        urls[vendor] = url

    loop = asyncio.get_running_loop()

    def stop() -> None:
        """Graceful stop; idle TLS keep-alive clients would hold it for 30 s, so force soon."""
        for server, _ in servers:
            server.should_exit = True
        loop.call_later(
            FORCE_EXIT_AFTER_S, lambda: [setattr(s, "force_exit", True) for s, _ in servers]
        )

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    tasks = [asyncio.create_task(s.serve(sockets=[sock])) for s, sock in servers]
    while not all(s.started for s, _ in servers):
        if any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.01)
    else:
        write_json(
            paths.server_json,
            {
                "pid": os.getpid(),
                "started_at": datetime.now(UTC).isoformat(),
                "urls": urls,
                "ca_cert": str(tls.ca_cert),
            },
        )
        log.warning("sandbox servers up: %s", urls)
    try:
        await asyncio.gather(*tasks)
    finally:
        for s, _ in servers:
            s.should_exit = True
        info = read_json(paths.server_json)
        if info and info.get("pid") == os.getpid():
            paths.server_json.unlink(missing_ok=True)
        db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server", description=__doc__)
    parser.add_argument("--state", type=Path, required=True, help="the sandbox state folder")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s"
    )
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # uvicorn[standard] brings uvloop; plain asyncio works too
        runner = asyncio.run
    runner(serve(SandboxPaths(args.state.resolve())))


if __name__ == "__main__":
    main()
