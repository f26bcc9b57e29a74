"""HubSpot marketing e-mail: sends to contacts and the SENT → DELIVERED/BOUNCE → OPEN → CLICK funnel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from sandbox.generator.activity import FORM_RATE
from sandbox.generator.ids import uuid_codes

SITE = "https://www.sandboxco.example"
EVENT_TYPES = ["SENT", "DELIVERED", "BOUNCE", "OPEN", "CLICK", "UNSUBSCRIBED"]
SEGMENT_SHARE = {"newsletter": 0.35, "webinar": 0.5}
ID_CHUNK_ROWS = 1_000_000  # events made (and their ids drawn) this many at a time


def make_email_events(
    rng: np.random.Generator,
    calendar: pd.DataFrame,
    contacts: pd.DataFrame,
    engagement: pd.Series,
    until: int,
    sink: Callable[[pa.Table], None],
) -> pd.DataFrame:
    """Events for every send in `calendar` to the contacts existing at send time, and the click touches.

    `contacts`: person_id, recipient (as HubSpot stores it, unique), created_at; `engagement`: rate by
    person_id. Nothing happens after `until` (now). The events go to `sink` in order, as Arrow tables
    of ID_CHUNK_ROWS rows (23 M rows at L: never all at once).
    """
    created = contacts["created_at"].to_numpy()
    rate = engagement.reindex(contacts["person_id"]).to_numpy()
    parts: list[tuple[np.ndarray, ...]] = []
    for index, send in enumerate(calendar.itertuples(index=False)):  # vectorised within a send
        eligible = np.flatnonzero(
            (created < send.sent_at) & (rng.random(len(created)) < SEGMENT_SHARE[send.kind])
        )
        n = len(eligible)
        eng = 1 - np.exp(-rate[eligible])
        sent = send.sent_at + rng.integers(0, 600, n)
        delivered_at = sent + rng.integers(1, 60, n)
        bounced = rng.random(n) < 0.02
        opened = ~bounced & (rng.random(n) < 0.06 + 0.5 * eng)
        open_at = delivered_at + rng.exponential(6 * 3600, n).astype(np.int64) + 1
        clicked = opened & (rng.random(n) < 0.08 + 0.4 * eng)
        click_at = open_at + rng.exponential(600, n).astype(np.int64) + 1
        unsubscribed = opened & ~clicked & (rng.random(n) < 0.01)
        steps = (np.ones(n, bool), ~bounced, bounced, opened, clicked, unsubscribed)
        times = (sent, delivered_at, delivered_at, open_at, click_at, open_at + 30)
        for code, (happened, when) in enumerate(zip(steps, times, strict=True)):
            mask = happened & (when <= until)
            k = int(mask.sum())
            parts.append(
                (
                    np.full(k, code, np.int8),
                    eligible[mask].astype(np.int32),
                    when[mask],
                    np.full(k, index, np.int32),
                )
            )
    code, row, at, send_index = (_concatenate(parts, i) for i in range(4))
    del parts
    click = code == EVENT_TYPES.index("CLICK")
    columns = EventColumns(
        types=pa.array(EVENT_TYPES),
        recipients=pa.array(contacts["recipient"].to_numpy(dtype=object), pa.string()),
        urls=pa.array(
            [
                f"{SITE}/{kind}?utm_source=hubspot&utm_medium=email&utm_campaign={name}"
                for kind, name in zip(calendar["kind"], calendar["name"], strict=True)
            ],
            pa.string(),
        ),
        campaign_ids=calendar["email_campaign_id"].to_numpy(),
    )
    for start in range(0, len(row), ID_CHUNK_ROWS):
        rows = slice(start, start + ID_CHUNK_ROWS)
        sink(columns.table(rng, code[rows], row[rows], at[rows], send_index[rows], click[rows]))
    touches = pd.DataFrame(
        {
            "person_id": contacts["person_id"].to_numpy()[row[click]],
            "touched_at": at[click],
            "channel": "email",
            "source": "hubspot",
            "medium": "email",
            "campaign": calendar["name"].to_numpy()[send_index[click]],
            "ad_group": -1,
            "first": False,
        }
    )
    touches["form"] = rng.random(len(touches)) < FORM_RATE["email"]
    return touches


def _concatenate(parts: list[tuple[np.ndarray, ...]], column: int) -> np.ndarray:
    """One column of the per-send parts, concatenated."""
    return np.concatenate([p[column] for p in parts]) if parts else np.array([], np.int64)


@dataclass(frozen=True)
class EventColumns:
    """What event rows point into: event types, recipients, click URLs, campaign ids.

    Types and URLs stay dictionary-encoded; a chunk's recipients are plain strings (its own, not
    a dictionary of every contact's address: a million at L)."""

    types: pa.Array
    recipients: pa.Array
    urls: pa.Array
    campaign_ids: np.ndarray

    def table(
        self,
        rng: np.random.Generator,
        code: np.ndarray,
        row: np.ndarray,
        at: np.ndarray,
        send_index: np.ndarray,
        click: np.ndarray,
    ) -> pa.Table:
        """Event rows as Arrow, drawing their ids (per row the same draws as one `uuid_codes` for all)."""
        return pa.table(
            {
                "id": pa.array(uuid_codes(rng, len(code)).view("S36").ravel()).cast(pa.string()),
                "type": pa.DictionaryArray.from_arrays(pa.array(code), self.types),
                "recipient": self.recipients.take(pa.array(row)),
                "created": pa.array(at.astype("datetime64[s]")),
                "email_campaign_id": pa.array(self.campaign_ids[send_index]),
                "url": pa.DictionaryArray.from_arrays(pa.array(send_index, mask=~click), self.urls),
            }
        )
