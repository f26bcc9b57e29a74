"""`roundtrip serve`: the webhook receiver, the inbox worker and the scheduler in one process.

Threads: uvicorn serves the receiver on the main thread's event loop; one worker thread applies
inbox events to Salesforce; one polls Salesforce for changed Leads and Contacts (see
realtime/salesforce_poll.py for why a poll); one beats the heartbeat `lead_flow_latency` reads;
the scheduler (the jobs of `roundtrip schedule`) runs in its own thread unless disabled.
SIGTERM/SIGINT: the server stops accepting and finishes in-flight requests, the worker finishes
the batch in hand, running scheduled jobs are asked to stop, then the process exits.

`warehouse/state/serve.json` tells other commands (`sandbox simulate`, tests) where it listens.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from connectors.hubspot import HubSpotClient
from connectors.salesforce import SalesforceClient
from realtime.flows import DEFAULT_FLOWS_FILE, FlowError, load_flows
from realtime.inbox import Inbox
from realtime.receiver import create_app
from realtime.salesforce_poll import SalesforcePoller
from realtime.worker import SalesforceFields, Worker
from reverse.writers import writer_for
from roundtrip.endpoints import open_endpoints, receiver_secrets
from roundtrip.errors import UserError
from roundtrip.schedule import Scheduler
from roundtrip.settings import Settings
from roundtrip.stages.schedule import scheduled_jobs, scheduler_lock
from roundtrip.stages.two_way import check_specs, event_specs, event_sync
from sandbox.state import read_json
from warehouse.location import WarehousePaths
from warehouse.lock import WriterBusy, writer_lock

log = logging.getLogger("roundtrip.serve")
HEARTBEAT_SECONDS = 10.0
# A real-time worker gives a failing vendor this long within one batch, then puts the batch back
# in the inbox (realtime/worker.py) and stays responsive; the batch load keeps its 300 s.
RETRY_SECONDS_PER_BATCH = 20.0
# what the app subscribes to (README, "Real time"): the flows' activities and contact lifecycle,
# plus every contact property a two-way sync maps
WEBHOOK_SUBSCRIPTIONS = (
    ("contact.propertyChange", "recent_conversion_event_name"),
    ("contact.propertyChange", "hs_email_last_click_date"),
    ("contact.creation", None),
    ("contact.deletion", None),
)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8787
    public_url: str | None = None  # the URL vendors call, when a reverse proxy fronts us
    flows_file: Path = DEFAULT_FLOWS_FILE
    scheduler: bool = True
    salesforce_poll_seconds: float = 60.0  # 0: do not poll Salesforce for changes


def serve_info_path(settings: Settings) -> Path:
    return WarehousePaths(settings.warehouse_dir).state_dir / "serve.json"


def _scheduler(settings: Settings, stack: ExitStack) -> Scheduler:
    """The jobs of `roundtrip schedule`, holding its lock (one scheduler per warehouse)."""
    lock = scheduler_lock(settings)
    try:
        stack.enter_context(writer_lock(lock, "roundtrip serve", timeout=0))
    except WriterBusy:
        raise UserError(
            f"another scheduler runs for this warehouse ({lock}); stop it or pass --no-scheduler"
        ) from None
    return Scheduler(scheduled_jobs(settings))


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror}); choose --port") from None
    sock.listen(1024)
    return sock


def _heartbeat(inbox_path: Path, stopping: threading.Event) -> None:
    inbox = Inbox(inbox_path)
    started = datetime.now(UTC)
    try:  # the last beat stays: how long ago it was tells health that serve is down
        while True:
            inbox.beat(started)
            if stopping.wait(HEARTBEAT_SECONDS):
                break
    finally:
        inbox.close()


def _poll(
    poller_factory: Callable[[], SalesforcePoller], stopping: threading.Event, interval: float
) -> None:
    poller = poller_factory()
    try:
        poller.run(stopping, interval)
    finally:
        poller.inbox.close()


def _work(
    worker_factory: Callable[[], Worker], stopping: threading.Event, ready: list[Worker]
) -> None:
    worker = worker_factory()
    ready.append(worker)
    try:
        worker.run(stopping)
    finally:
        worker.inbox.close()
        if worker.records is not None:
            worker.records.close()


class _Server(uvicorn.Server):
    """uvicorn, leaving signals to us: it would re-raise SIGTERM after its own shutdown and so
    end the process before the worker and the scheduler finished."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def serve(settings: Settings, options: ServeOptions) -> None:
    """Run until SIGTERM/SIGINT."""
    try:
        flows = load_flows(options.flows_file)
    except FlowError as exc:
        raise UserError(str(exc)) from None
    paths = WarehousePaths(settings.warehouse_dir)
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    inbox_path = paths.state_file("events")
    Inbox(inbox_path).close()  # create the file and schema before the first request
    secrets = receiver_secrets(settings)
    sock = _listen(options.host, options.port)
    url = f"http://{options.host}:{sock.getsockname()[1]}"
    target = (options.public_url or url).rstrip("/") + "/webhooks/hubspot"
    stopping = threading.Event()
    threads: list[threading.Thread] = []
    with ExitStack() as stack:
        endpoints = {
            e.system: e
            for e in stack.enter_context(open_endpoints(settings, ["salesforce", "hubspot"]))
        }
        salesforce = stack.enter_context(SalesforceClient.from_endpoint(
            endpoints["salesforce"], max_retry_seconds=RETRY_SECONDS_PER_BATCH
        ))  # fmt: skip
        hubspot = stack.enter_context(HubSpotClient.from_endpoint(
            endpoints["hubspot"], max_retry_seconds=RETRY_SECONDS_PER_BATCH
        ))  # fmt: skip
        fields = SalesforceFields(salesforce)
        try:
            fields.check(flows)
        except FlowError as exc:
            raise UserError(f"{options.flows_file}: {exc}") from None
        two_way = event_specs(settings)  # two-way syncs: changes of their fields apply at once
        clients = {"hubspot": hubspot, "salesforce": salesforce}
        check_specs(two_way, {s: writer_for(s, c) for s, c in clients.items()})
        subscriptions = (*WEBHOOK_SUBSCRIPTIONS, *sorted(
            {("contact.propertyChange", fm.map) for spec in two_way for fm in spec.fields}
        ))  # fmt: skip
        if endpoints["hubspot"].mode == "sandbox":  # a developer does this once in the app
            credentials = endpoints["hubspot"].credentials
            hubspot.set_webhook_target(
                credentials["app_id"], credentials["developer_api_key"], target
            )
            hubspot.subscribe_webhooks(
                credentials["app_id"], credentials["developer_api_key"], subscriptions
            )
        workers: list[Worker] = []

        def make_worker() -> Worker:
            records = event_sync(settings, two_way, clients) if two_way else None
            return Worker(Inbox(inbox_path), flows, salesforce, hubspot, fields, records=records)

        threads.append(
            threading.Thread(
                target=_work, args=(make_worker, stopping, workers), name="inbox-worker"
            )
        )
        threads.append(
            threading.Thread(target=_heartbeat, args=(inbox_path, stopping), name="heartbeat")
        )
        if options.salesforce_poll_seconds > 0:
            polling = stack.enter_context(SalesforceClient.from_endpoint(
                endpoints["salesforce"], max_retry_seconds=RETRY_SECONDS_PER_BATCH
            ))  # fmt: skip
            threads.append(threading.Thread(
                target=_poll, name="salesforce-poll",
                args=(lambda: SalesforcePoller(polling, Inbox(inbox_path)), stopping,
                      options.salesforce_poll_seconds),
            ))  # fmt: skip
        scheduler = _scheduler(settings, stack) if options.scheduler else None
        if scheduler is not None:
            threads.append(threading.Thread(target=scheduler.run_forever, name="scheduler"))
        for thread in threads:
            thread.start()

        def wake() -> None:
            if workers:
                workers[0].wake.set()

        app = create_app(inbox_path, secrets, flows, public_url=options.public_url, on_accept=wake)
        server = _Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                           server_header=False, timeout_graceful_shutdown=10)
        )  # fmt: skip
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: setattr(server, "should_exit", True))
        info = serve_info_path(settings)
        info.write_text(json.dumps({"pid": os.getpid(), "url": url, "webhook_target": target}))
        log.info("serving on %s (HubSpot webhooks: %s; forms: %s/forms/<id>)", url, target, url)
        try:
            server.run(sockets=[sock])
        finally:
            log.info("stopping: finishing in-flight events")
            stopping.set()
            if scheduler is not None:
                scheduler.request_stop()
            if workers:
                workers[0].wake.set()
            for thread in threads:
                thread.join()
            info.unlink(missing_ok=True)
            log.info("stopped")


def running_url(settings: Settings) -> str:
    """The base URL of the running `roundtrip serve` for this warehouse."""
    info = read_json(serve_info_path(settings))
    if not info or not info.get("url"):
        raise UserError(
            "`roundtrip serve` is not running for this warehouse; start it or pass --target"
        )
    return str(info["url"])
