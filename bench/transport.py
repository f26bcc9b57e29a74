"""The transport's own cost: requests/s through `Transport` vs a bare `httpx.Client`.

Both hit the same loopback server answering a HubSpot-sized page (100 records, ~40 KB), so the
difference is what retries bookkeeping, limiter checks, auth, error classification and redacted
logging add per request. Rate limits are switched off to measure overhead, not throttling.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from connectors.http.auth import BearerToken
from connectors.http.transport import Transport
from connectors.hubspot import HubSpotPolicy

REQUESTS = {"S": 1_000, "M": 3_000, "L": 10_000}
PAGE = orjson.dumps(
    {
        "results": [
            {"id": str(i), "properties": {f"p{j}": f"value {i}-{j}" for j in range(20)}}
            for i in range(100)
        ],
        "paging": {"next": {"after": "100"}},
    }
)


async def _page(_: Any) -> Response:
    return Response(PAGE, media_type="application/json")


def _serve() -> tuple[uvicorn.Server, threading.Thread, str]:
    app = Starlette(routes=[Route("/crm/v3/objects/contacts", _page)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, url


def _rate(send: Any, n: int) -> float:
    send()  # warm the connection
    started = time.perf_counter()
    for _ in range(n):
        send()
    return n / (time.perf_counter() - started)


def run(scale: str) -> dict[str, Any]:
    n = REQUESTS[scale]
    server, thread, url = _serve()
    try:
        with httpx.Client(base_url=url) as bare:
            bare_rate = _rate(lambda: bare.get("/crm/v3/objects/contacts").json(), n)
        policy = HubSpotPolicy({"default": None, "search": None})
        with Transport(policy, BearerToken("bench-token-value"), url, account="bench") as transport:
            transport_rate = _rate(lambda: transport.get_json("/crm/v3/objects/contacts"), n)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    return {
        "requests": n,
        "bare_httpx_per_s": round(bare_rate, 1),
        "transport_per_s": round(transport_rate, 1),
        "overhead_us_per_request": round((1 / transport_rate - 1 / bare_rate) * 1e6, 1),
    }
