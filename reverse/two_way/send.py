"""Send the writes of link plans to both vendors through the one-way writers, in batches (HubSpot
first, then Salesforce), and say which sides each vendor accepted. Used by the scheduled path
and by the real-time path alike; the caller commits what was accepted (`apply.commit`).

Two batches are in flight per vendor (`IN_FLIGHT`). A batch the vendor refuses whole is split until the record at fault stands alone
(`reverse.engine.write_isolating`); rate limits, 5xx and token expiry are retried by the
transport. A failure that gets through stops the sending: the side it stopped on counts as not
accepted for every plan, so its writes are sent again next time (at most twice per change).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from connectors.http.errors import VendorError
from reverse.engine import write_isolating
from reverse.specs import Destination, Mapping, SyncSpec
from reverse.two_way.apply import LinkPlan
from reverse.two_way.spec import CRM, CRM_SYSTEM, MAP, MAP_OBJECT, MAP_SYSTEM, TwoWaySpec
from reverse.writers import UPDATE, Change, DestinationWriter, WriteResult, writable

# Batches in flight per vendor: one request waits for its answer while the next is on the wire,
# so the send rate reaches the vendor's limit instead of 1 / round-trip time; the transport's
# limiter (thread-safe, shared per account) still paces both to the published limit.
IN_FLIGHT = 2


@dataclass
class Sent:
    refused: dict[str, set[str]] = field(default_factory=dict)  # side → map ids refused
    rejects: list[tuple[str, str, str, Any, str]] = field(default_factory=list)
    error: str | None = None  # the failure that stopped the sending
    records: dict[str, int] = field(default_factory=dict)  # side → records sent
    requests: dict[str, int] = field(default_factory=dict)  # side → HTTP attempts, retries included
    seconds: dict[str, float] = field(default_factory=dict)  # side → seconds spent sending

    def not_accepted(self, plan: LinkPlan) -> frozenset[str]:
        """The sides whose write of `plan` was refused or not sent (the sending stopped first)."""
        return frozenset(
            s for s in (MAP, CRM) if s not in self.refused or plan.link.map_id in self.refused[s]
        )


def send_plans(
    spec: TwoWaySpec, writers: dict[str, DestinationWriter[Any]], plans: list[LinkPlan]
) -> Sent:
    """Send every plan's writes: HubSpot (`writers["hubspot"]`), then Salesforce."""
    sent = Sent()
    try:
        for side, system in ((MAP, MAP_SYSTEM), (CRM, CRM_SYSTEM)):
            started, base = time.monotonic(), writers[system].requests()[0]
            sent.refused[side] = _send_side(spec, writers[system], side, plans, sent.rejects)
            sent.seconds[side] = time.monotonic() - started
            sent.requests[side] = writers[system].requests()[0] - base
            sent.records[side] = sum(1 for p in plans if side in p.writes())
    except VendorError as exc:
        sent.error = str(exc)
    return sent


def _write(
    writer: DestinationWriter[Any],
    one_way: SyncSpec,
    side: str,
    batch: list[tuple[LinkPlan, dict[str, Any]]],
) -> list[WriteResult]:
    changes = [Change(p.record_id(side), UPDATE, v, None, "") for p, v in batch]
    return write_isolating(writer, one_way, changes)


def _send_side(
    spec: TwoWaySpec,
    writer: DestinationWriter[Any],
    side: str,
    plans: list[LinkPlan],
    rejects: list[tuple[str, str, str, Any, str]],
) -> set[str]:
    """Send one side's writes in batches; the map ids refused (their reasons go to `rejects`)."""
    refused: set[str] = set()
    by_object: dict[str, list[tuple[LinkPlan, dict[str, Any]]]] = {}
    for plan in plans:
        values = plan.writes().get(side)
        if values:
            obj = MAP_OBJECT if side == MAP else plan.link.crm_object
            by_object.setdefault(obj, []).append((plan, values))
    for obj, items in by_object.items():
        target = writable(writer.vendor, obj, f"two-way sync {spec.name}")
        names = sorted({n for _, values in items for n in values})
        one_way = SyncSpec(
            name=spec.name, model="", key="", mode="update",
            destination=Destination(writer.vendor.name, obj, target.id_field),
            mappings=tuple(Mapping(n, n) for n in names),
        )  # fmt: skip
        batches = [
            items[start : start + target.max_batch]
            for start in range(0, len(items), target.max_batch)
        ]

        with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix=f"two-way-{side}") as pool:
            answers = list(pool.map(partial(_write, writer, one_way, side), batches))
        for batch, outcomes in zip(batches, answers, strict=True):
            for (plan, _values), outcome in zip(batch, outcomes, strict=True):
                if not outcome.accepted:
                    refused.add(plan.link.map_id)
                    rejects.extend(
                        (plan.link.map_id, d.field, side, d.value, outcome.reason)
                        for d in plan.decisions
                        if d.write_to == side
                    )
    return refused
