"""Real-time lead flow latency: from a form submission to its Salesforce record, per event, read
from the live event inbox (`state/events.sqlite`, written by `roundtrip serve`).

The graded value (minutes) is the worst of:
- the percentile (p95 by default) of applied-at minus submitted-at over the form submissions the
  flows applied within `window` (wall clock: webhooks and form posts carry wall-clock times);
- the age of the oldest form submission still waiting (pending), so a stuck worker shows;
- how long ago `roundtrip serve` last beat its heartbeat, once it has ever run: a stopped
  receiver cannot see the forms it misses, so its absence is the latency.
Nothing to measure (serve never ran) passes with a message saying the real-time path is off.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.checks.base import CheckContext, CheckKind, Observation, OptionError, Options
from monitor.checks.latency import quantile
from monitor.checks.units import MINUTES, RATIO
from monitor.results import Status

SUBJECT = "form submission → Salesforce"


@dataclass(frozen=True)
class EventLatencyOptions:
    percentile: float
    window_minutes: float


def parse(options: Options) -> EventLatencyOptions:
    percentile = options.measure("percentile", 0.95, RATIO)
    if not 0 < percentile <= 1:
        raise OptionError("percentile", "must be above 0 and at most 100%")
    return EventLatencyOptions(percentile, options.measure("window", "1h", MINUTES))


def _minutes(later: datetime, earlier: datetime) -> float:
    return max((later - earlier).total_seconds() / 60, 0.0)


def _at(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def evaluate(ctx: CheckContext, opts: EventLatencyOptions) -> list[Observation]:
    path = ctx.paths.state_file("events")
    if not path.exists():
        return [Observation(SUBJECT, "salesforce", None,
                            "real-time flows are off: `roundtrip serve` has never run here",
                            status=Status.PASS)]  # fmt: skip
    now = datetime.now(UTC)
    since = (now - timedelta(minutes=opts.window_minutes)).isoformat()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        applied = con.execute(
            "select occurred_at, applied_at from inbox where (kind = 'form.submission' or "
            "(kind = 'contact.propertyChange' and payload like '%recent_conversion_event_name%')) "
            "and status = 'done' and applied_at >= ? and result not like 'no flow%'",
            [since],
        ).fetchall()
        oldest = con.execute(
            "select min(occurred_at), count(*) from inbox where status = 'pending'"
        ).fetchone()
        beat = con.execute("select max(last_seen_at) from heartbeats").fetchone()[0]
        dead = con.execute("select count(*) from inbox where status = 'dead'").fetchone()[0]
    finally:
        con.close()
    latencies = [
        _minutes(done, occurred)
        for occurred_text, applied_text in applied
        if (occurred := _at(occurred_text)) and (done := _at(applied_text))
    ]
    parts, values = [], []
    if latencies:
        p = quantile(latencies, opts.percentile)
        values.append(p)
        parts.append(f"p{opts.percentile * 100:.0f} {MINUTES.format(p)} over {len(latencies):,} "
                     f"submissions in the last {MINUTES.format(opts.window_minutes)}")  # fmt: skip
    if oldest[1]:
        waiting = _minutes(now, _at(oldest[0]) or now)
        values.append(waiting)
        parts.append(f"{oldest[1]:,} waiting, oldest {MINUTES.format(waiting)}")
    if beat:
        silent = _minutes(now, _at(beat) or now)
        if silent > 1:
            values.append(silent)
            parts.append(f"`roundtrip serve` last seen {MINUTES.format(silent)} ago")
    if dead:
        parts.append(f"{dead:,} dead-lettered (see `roundtrip events list --status dead`)")
    if not values:
        return [Observation(SUBJECT, "salesforce", None,
                            "; ".join(parts) or "no form submissions to measure yet",
                            status=Status.PASS)]  # fmt: skip
    return [
        Observation(SUBJECT, "salesforce", max(values), "; ".join(parts),
                    {"submissions": len(latencies), "pending": oldest[1], "dead": dead})
    ]  # fmt: skip


KIND = CheckKind(
    name="event_latency",
    summary="p95 minutes from a form submission to its Salesforce record (real-time inbox)",
    direction="above",
    unit=MINUTES,
    warn=None,
    critical="5m",
    parse=parse,
    evaluate=evaluate,
)
