"""`roundtrip sandbox simulate`: people act in real time — they submit the company's website
forms and click HubSpot marketing e-mails or submit HubSpot forms — so the real-time path can be
exercised and measured.

Website posts go to the receiver's `/forms/<id>` signed with the website's shared secret (the
site's side of the contract; the receiver verifies it), each with its own `submission_id` and
`submitted_at`, and the visitor's address in `X-Forwarded-For` (the site's backend forwards
it; the receiver's per-address limit trusts it from loopback only, uvicorn's default). A post that fails (receiver down, 5xx, 429) is retried with backoff until the run
ends plus a grace period, as a site's form backend would. HubSpot activity is made through the
HubSpot stand-in (`POST /_sandbox/activity`), which records it and delivers the signed webhooks.

Truth for tests and benchmarks (never read by product code): one JSON line per activity in
`simulated.jsonl` in the sandbox folder: source, kind, email, form, submitted_at (epoch seconds),
event id, final HTTP status.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sandbox.state import SandboxPaths, read_json

FORMS = ("demo-request", "contact-sales", "ebook-download", "webinar-registration", "newsletter")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
SOURCES = (("google", "cpc"), ("linkedin", "paid_social"), ("facebook", "paid_social"),
           ("newsletter", "email"), ("", ""))  # fmt: skip
TICK_SECONDS = 0.1
GRACE_SECONDS = 30.0


@dataclass
class SimulationReport:
    website_posts: int = 0
    hubspot_activities: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    truth_file: Path | None = None

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (
            f"{self.website_posts:,} website form posts ({statuses or 'none'}), "
            f"{self.hubspot_activities:,} HubSpot activities; truth in {self.truth_file}"
        )


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The website's signature headers (HMAC-SHA256 of `timestamp.body`)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Roundtrip-Timestamp": str(timestamp), "X-Roundtrip-Signature": f"sha256={digest}"}


class Simulation:
    def __init__(self, paths: SandboxPaths, target: str, seed: int, hubspot_share: float) -> None:
        credentials = read_json(paths.credentials_json) or {}
        server = read_json(paths.server_json) or {}
        secret = credentials.get("website", {}).get("form_secret")
        if not secret or "hubspot" not in server.get("urls", {}):
            raise RuntimeError(
                "the sandbox is not running or predates real-time flows: run `roundtrip sandbox "
                "reset` (new worlds have a website form secret) and start `roundtrip serve`"
            )
        self.secret = str(secret)
        self.urls: dict[str, str] = server["urls"]
        self.ca = server.get("ca_cert")
        self.target = target.rstrip("/")
        self.random = random.Random(seed)
        self.seed = seed
        self.hubspot_share = hubspot_share
        self.people: list[dict[str, str]] = []
        self.truth = paths.root / "simulated.jsonl"
        self.report = SimulationReport(truth_file=self.truth)
        self.campaigns: list[str] = []

    def write_truth(self, rows: list[dict[str, Any]]) -> None:
        with self.truth.open("a") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")

    def person(self) -> dict[str, str]:
        if self.people and self.random.random() < 0.1:  # someone submits again
            return self.random.choice(self.people)
        n = len(self.people)
        first, last = self.random.choice(FIRST), self.random.choice(LAST)
        company = f"Sim{self.seed}-{n // 5}"
        ip = f"198.51.{n // 250 % 256}.{n % 250 + 1}"  # the visitor's address (TEST-NET-2)
        person = {"firstname": first, "lastname": last, "company": f"{company} Inc",
                  "jobtitle": "Marketing Manager",
                  "email": f"{first}.{last}.{self.seed}.{n}@{company.lower()}.example",
                  "ip": ip}  # fmt: skip
        self.people.append(person)
        return person

    def form_fields(self) -> dict[str, str]:
        source, medium = self.random.choice(SOURCES)
        campaign = self.random.choice(self.campaigns) if self.campaigns and source else ""
        return {**self.person(), "utm_source": source, "utm_medium": medium,
                "utm_campaign": campaign, "website": "",
                "submission_id": uuid.UUID(int=self.random.getrandbits(128)).hex,
                "submitted_at": str(int(time.time() * 1000))}  # fmt: skip

    async def post_form(self, client: httpx.AsyncClient, deadline: float) -> None:
        fields = self.form_fields()
        ip = fields.pop("ip")
        form_id = self.random.choice(FORMS)
        body = json.dumps(fields).encode()
        status: int | None = None
        delay = 0.2
        while True:
            headers = {
                "Content-Type": "application/json",
                "X-Forwarded-For": ip,
                **sign(self.secret, body, int(time.time())),
            }
            try:
                response = await client.post(
                    f"{self.target}/forms/{form_id}", content=body, headers=headers
                )
                status = response.status_code
            except httpx.HTTPError:
                status = None
            if status is not None and status < 500 and status != 429:
                break
            if time.monotonic() + delay > deadline:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        self.report.website_posts += 1
        self.report.statuses[str(status or "no answer")] += 1
        self.write_truth([{"source": "website", "kind": "form.submission", "email": fields["email"],
                           "form_id": form_id, "submitted_at": int(fields["submitted_at"]) / 1000,
                           "event_id": fields["submission_id"], "status": status}])  # fmt: skip

    async def hubspot_activity(self, client: httpx.AsyncClient, count: int) -> None:
        kind = self.random.choice(("email.click", "form.submission"))
        response = await client.post(
            f"{self.urls['hubspot']}/_sandbox/activity",
            json={"kind": kind, "count": count, "seed": self.random.getrandbits(31)},
        )
        response.raise_for_status()
        people = response.json()["results"]
        self.report.hubspot_activities += len(people)
        self.write_truth([{"source": "hubspot", "kind": kind, "email": p["email"],
                           "contact_id": p["contact_id"], "submitted_at": p["occurred_ms"] / 1000,
                           "event_id": str(p["event_id"]), "status": 200} for p in people])  # fmt: skip

    async def run(self, events_per_second: float, seconds: float) -> SimulationReport:
        async with httpx.AsyncClient(timeout=10, verify=self.ca or True) as client:
            response = await client.get(f"{self.urls['salesforce']}/_sandbox/campaigns")
            self.campaigns = response.json().get("names", []) if response.is_success else []
            started = time.monotonic()
            deadline = started + seconds + GRACE_SECONDS
            tasks: set[asyncio.Task[None]] = set()
            due = 0.0
            while (elapsed := time.monotonic() - started) < seconds:
                due = events_per_second * elapsed - (self.report.website_posts + len(tasks)
                                                     + self.report.hubspot_activities)  # fmt: skip
                website, hubspot = 0, 0
                for _ in range(int(due)):
                    if self.random.random() < self.hubspot_share:
                        hubspot += 1
                    else:
                        website += 1
                for _ in range(website):
                    task = asyncio.create_task(self.post_form(client, deadline))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if hubspot:
                    await self.hubspot_activity(client, hubspot)
                await asyncio.sleep(TICK_SECONDS)
            if tasks:
                await asyncio.gather(*tasks)
        return self.report


def simulate(
    paths: SandboxPaths,
    target: str,
    events_per_second: float,
    seconds: float,
    seed: int = 1,
    hubspot_share: float = 0.2,
) -> SimulationReport:
    """Run a simulation against the receiver at `target` (e.g. http://127.0.0.1:8787)."""
    simulation = Simulation(paths, target, seed, hubspot_share)
    return asyncio.run(simulation.run(events_per_second, seconds))
