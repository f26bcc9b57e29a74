"""HubSpot marketing e-mail: sends to contacts and the SENT → DELIVERED/BOUNCE → OPEN → CLICK funnel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from sandbox.generator.activity import FORM_RATE
from sandbox.generator.ids import uuid_codes

SITE = "https://www.sandboxco.example"
EVENT_TYPES = ["SENT", "DELIVERED", "BOUNCE", "OPEN", "CLICK", "UNSUBSCRIBED"]
SEGMENT_SHARE = {"newsletter": 0.35, "webinar": 0.5}


def make_email_events(
    rng: np.random.Generator,
    calendar: pd.DataFrame,
    contacts: pd.DataFrame,
    engagement: pd.Series,
    until: int,
) -> tuple[pa.Table, pd.DataFrame]:
    """Events for every send in `calendar` to the contacts existing at send time, and the click touches.

    `contacts`: person_id, recipient (as HubSpot stores it, unique), created_at; `engagement`: rate by
    person_id. Nothing happens after `until` (now). The events come as an Arrow table with dictionary-encoded strings: millions of rows at M.
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
            parts.append((np.full(k, code, np.int8), eligible[mask], when[mask], np.full(k, index)))
    code, row, at, send_index = (
        np.concatenate([p[i] for p in parts]) if parts else np.array([], np.int64) for i in range(4)
    )
    click = code == EVENT_TYPES.index("CLICK")
    urls = [
        f"{SITE}/{kind}?utm_source=hubspot&utm_medium=email&utm_campaign={name}"
        for kind, name in zip(calendar["kind"], calendar["name"], strict=True)
    ]
    ids = uuid_codes(rng, len(row))
    events = pa.table(
        {
            "id": pa.array(ids.view("S36").ravel()).cast(pa.string()),
            "type": pa.DictionaryArray.from_arrays(pa.array(code), pa.array(EVENT_TYPES)),
            "recipient": pa.DictionaryArray.from_arrays(
                pa.array(row.astype(np.int32)),
                pa.array(contacts["recipient"].to_numpy(dtype=object)),
            ),
            "created": pa.array(at.astype("datetime64[s]")),
            "email_campaign_id": pa.array(calendar["email_campaign_id"].to_numpy()[send_index]),
            "url": pa.DictionaryArray.from_arrays(
                pa.array(send_index.astype(np.int32), mask=~click), pa.array(urls, pa.string())
            ),
        }
    )
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
    return events, touches
