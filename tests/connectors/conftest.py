"""A scripted loopback vendor: a Starlette app served by uvicorn in a thread.

Tests queue replies per path (`stub.script("/x", Reply(429, headers=…), Reply(200))`) or route a
path to a function of the arrival (`stub.route("/x", fn)`, for fakes with real paging logic); a
path with neither answers 200 `{"ok": true}`. `/token` is an OAuth token endpoint issuing
`access-<n>` / `refresh-<n>`, and `/protected` accepts only the newest access token. Every
arrival is recorded (monotonic time, method, path, query, headers, body) for server-side asserts.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.http.transport import Transport
from connectors.registry import vendor as vendor_named


@dataclass
class Reply:
    """One scripted response: status, JSON body (or `raw` bytes), headers; `delay` before
    answering; `drop` sends the headers and half a body, then kills the connection."""

    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    raw: bytes | None = None


@dataclass(frozen=True)
class Arrival:
    at: float
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""


class _DroppedResponse(Response):
    """Starts a response it never finishes: the client sees the connection close mid-body."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"res', "more_body": True})
        raise ConnectionAbortedError("stub: dropping the connection on purpose")


class StubVendor:
    def __init__(self) -> None:
        self.url = ""
        self.arrivals: list[Arrival] = []
        self.token_expires_in = 1800
        self.issued = 0
        self._queues: dict[str, deque[Reply]] = defaultdict(deque)
        self._routes: dict[str, Callable[[Arrival], Reply]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.arrivals.clear()
            self._queues.clear()
            self._routes.clear()
            self.token_expires_in = 1800
            self.issued = 0

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._queues[path].extend(replies)

    def route(self, path: str, handler: Callable[[Arrival], Reply]) -> None:
        self._routes[path] = handler

    def hits(self, path: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.path == path]

    def _next(self, path: str) -> Reply | None:
        with self._lock:
            queue = self._queues.get(path)
            return queue.popleft() if queue else None

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        arrival = Arrival(
            time.monotonic(),
            request.method,
            path,
            dict(request.query_params),
            dict(request.headers),
            body,
            request.url.query,
        )
        self.arrivals.append(arrival)
        reply = self._next(path)
        if reply is None and path in self._routes:
            reply = self._routes[path](arrival)
        if reply is None and path == "/token":
            self.issued += 1
            n = self.issued
            reply = Reply(
                body={
                    "access_token": f"access-{n}-secretvalue",
                    "refresh_token": f"refresh-{n}-secretvalue",
                    "expires_in": self.token_expires_in,
                    "instance_url": self.url,
                    "token_type": "Bearer",
                }
            )
        if reply is None and path == "/protected":
            token = request.headers.get("authorization", "")
            ok = token == f"Bearer access-{self.issued}-secretvalue"
            reply = (
                Reply() if ok else Reply(401, {"message": "token expired", "category": "EXPIRED"})
            )
        reply = reply or Reply()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.drop:
            return _DroppedResponse()
        if reply.raw is not None:
            return Response(reply.raw, reply.status, reply.headers, "application/json")
        return JSONResponse(reply.body, reply.status, headers=reply.headers)


def _serve(stub: StubVendor) -> tuple[uvicorn.Server, threading.Thread]:
    app = Starlette(
        routes=[
            Route("/{path:path}", stub.handle, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
        ]
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    stub.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the stub vendor did not start")
        time.sleep(0.01)
    return server, thread


@pytest.fixture(scope="session")
def _stub_server() -> Iterator[StubVendor]:
    stub = StubVendor()
    server, thread = _serve(stub)
    yield stub
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def stub(_stub_server: StubVendor) -> StubVendor:
    _stub_server.reset()
    return _stub_server


@pytest.fixture
def make_transport(stub: StubVendor, request: pytest.FixtureRequest):
    """Build a Transport to the stub with fast backoff and an account key unique to the test."""
    made: list[Transport] = []

    def make(vendor: str = "hubspot", auth=None, *, limits=None, **kwargs: Any) -> Transport:
        from connectors.http.auth import Auth

        options = {
            "account": request.node.nodeid,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            "timeout": 2,
            **kwargs,
        }
        transport = Transport(
            vendor_named(vendor).policy(limits), auth or Auth(), stub.url, **options
        )
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()
