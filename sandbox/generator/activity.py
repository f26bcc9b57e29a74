"""Marketing activity: the calendar (newsletters, webinars), web visits (touches) and form submissions.

Every person's activity is drawn from their latent engagement rate; the first touch creates them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.ads import PLATFORMS, active_ad_groups
from sandbox.generator.clock import DAY, Window

FIRST_CHANNELS = {
    "paid_search": 0.2,
    "paid_social": 0.2,
    "organic": 0.22,
    "direct": 0.08,
    "referral": 0.1,
    "offline": 0.2,
}
VISIT_CHANNELS = {
    "paid_search": 0.18,
    "paid_social": 0.17,
    "organic": 0.3,
    "direct": 0.2,
    "referral": 0.15,
}
FORM_RATE = {
    "paid_search": 0.2,
    "paid_social": 0.2,
    "organic": 0.08,
    "direct": 0.06,
    "referral": 0.1,
    "email": 0.1,
}
ORGANIC = {
    "organic": (["google", "bing"], "organic", "(organic)"),
    "direct": (["(direct)"], "(none)", "(direct)"),
    "referral": (
        ["g2.com", "capterra.com", "news.ycombinator.com", "partnerblog.example"],
        "referral",
        "(referral)",
    ),
}
WEBINAR_TOPICS = [
    "attribution-101",
    "pipeline-forecasting",
    "abm-playbook",
    "lead-scoring",
    "data-quality",
    "revops-summit",
]
STATIC_FORMS = [
    "Demo request",
    "Contact us",
    "Newsletter signup",
    "Ebook: The attribution playbook",
]
VISITS_PER_ENGAGEMENT_MONTH = 0.7
REGISTRATION_DAYS = 21


def make_calendar(rng: np.random.Generator, window: Window, first_campaign_id: int) -> pd.DataFrame:
    """E-mail sends in `window`: a weekly newsletter and, every four weeks, a webinar invitation.

    Columns: email_campaign_id, name (also its utm_campaign and Salesforce campaign name), kind,
    sent_at, webinar_at (webinars only: REGISTRATION_DAYS after the invitation).
    """
    days = window.days()
    weekly = days[(days // DAY + 3) % 7 == 1]  # Tuesdays
    sent_at = weekly + 9 * 3600 + rng.integers(0, 3600, len(weekly))
    is_webinar = weekly // (7 * DAY) % 4 == 0  # every fourth week, counted from the epoch
    dates = pd.to_datetime(sent_at, unit="s")
    topic = np.asarray(WEBINAR_TOPICS, dtype=object)[(sent_at // (28 * DAY)) % len(WEBINAR_TOPICS)]
    webinar_at = sent_at + REGISTRATION_DAYS * DAY
    webinar_name = (
        pd.to_datetime(webinar_at, unit="s").strftime("%Y-%m-%d").to_numpy(dtype=object)
        + "_webinar_"
        + topic
    )
    name = np.where(
        is_webinar, webinar_name, dates.strftime("%Y-%m-%d").to_numpy(dtype=object) + "_newsletter"
    )
    return pd.DataFrame(
        {
            "email_campaign_id": np.arange(
                first_campaign_id, first_campaign_id + len(weekly), dtype=np.int64
            ),
            "name": name,
            "kind": np.where(is_webinar, "webinar", "newsletter"),
            "sent_at": sent_at,
            "webinar_at": np.where(is_webinar, webinar_at, 0),
        }
    )


def _pick_ad_groups(
    rng: np.random.Generator, structure: pd.DataFrame, platform: str, when: np.ndarray
) -> np.ndarray:
    """A live ad group (structure row) of `platform` for each instant, -1 when none is live."""
    days = np.unique(when // DAY * DAY)
    live = active_ad_groups(structure, days, [platform])
    width = max(1, max(len(r) for r in live)) if live else 1
    table = np.full((len(days), width), -1, dtype=np.int64)
    for i, rows in enumerate(live):
        table[i, : len(rows)] = rows
    sizes = np.array([len(r) for r in live] or [0])
    day_idx = np.searchsorted(days, when // DAY * DAY)
    pick = (rng.random(len(when)) * sizes[day_idx]).astype(np.int64)
    return np.where(sizes[day_idx] > 0, table[day_idx, np.minimum(pick, width - 1)], -1)


def make_touches(
    rng: np.random.Generator, people: pd.DataFrame, window: Window, structure: pd.DataFrame
) -> pd.DataFrame:
    """Web visits in `window`: each new person's first touch at creation, then engagement-driven visits.

    Columns: person_id, touched_at, channel, source, medium, campaign, ad_group (structure row or -1),
    first, form (whether the visit ended in a form submission).
    """
    new = people[(people["created_at"] > window.start) & (people["created_at"] <= window.end)]
    first_channel = rng.choice(list(FIRST_CHANNELS), size=len(new), p=list(FIRST_CHANNELS.values()))
    online = first_channel != "offline"
    active_from = np.maximum(people["created_at"].to_numpy(), window.start)
    months = np.clip(window.end - active_from, 0, None) / (30 * DAY)
    visits = rng.poisson(
        people["engagement_rate"].to_numpy() * months * VISITS_PER_ENGAGEMENT_MONTH
    )
    person = np.concatenate(
        [new["person_id"].to_numpy()[online], np.repeat(people["person_id"].to_numpy(), visits)]
    )
    touched_at = np.concatenate(
        [
            new["created_at"].to_numpy()[online],
            window.uniform(rng, int(visits.sum()), np.repeat(active_from, visits)),
        ]
    )
    channel = np.concatenate(
        [
            first_channel[online],
            rng.choice(
                list(VISIT_CHANNELS), size=int(visits.sum()), p=list(VISIT_CHANNELS.values())
            ),
        ]
    ).astype(object)
    first = np.arange(len(person)) < int(online.sum())

    ad_group = np.full(len(person), -1, dtype=np.int64)
    social = rng.random(len(person)) < 0.55
    for platform, mask in (
        ("google_ads", channel == "paid_search"),
        ("meta_ads", (channel == "paid_social") & social),
        ("linkedin_ads", (channel == "paid_social") & ~social),
    ):
        ad_group[mask] = _pick_ad_groups(rng, structure, platform, touched_at[mask])
    channel = np.where(
        np.isin(channel, ["paid_search", "paid_social"]) & (ad_group < 0), "organic", channel
    ).astype(object)

    source = np.empty(len(person), dtype=object)
    medium = np.empty(len(person), dtype=object)
    campaign = np.full(len(person), None, dtype=object)
    paid = ad_group >= 0
    platform = structure["platform"].to_numpy()[ad_group[paid]]
    source[paid] = pd.Series(platform).map({p: v[0] for p, v in PLATFORMS.items()}).to_numpy()
    medium[paid] = pd.Series(platform).map({p: v[1] for p, v in PLATFORMS.items()}).to_numpy()
    campaign[paid] = structure["campaign"].to_numpy()[ad_group[paid]]
    for name, (sources, med, _) in ORGANIC.items():
        rows = channel == name
        source[rows] = np.asarray(sources, dtype=object)[
            rng.integers(0, len(sources), int(rows.sum()))
        ]
        medium[rows] = med
    form = first | (rng.random(len(person)) < pd.Series(channel).map(FORM_RATE).to_numpy())
    return pd.DataFrame(
        {
            "person_id": person,
            "touched_at": touched_at,
            "channel": channel,
            "source": source,
            "medium": medium,
            "campaign": campaign,
            "ad_group": ad_group,
            "first": first,
            "form": form,
        }
    )


def choose_forms(
    rng: np.random.Generator, touches: pd.DataFrame, forms: pd.DataFrame
) -> np.ndarray:
    """The form guid each submitting touch filled in: a webinar registration when one is open, else a static form.

    `forms` has guid, program (the webinar's campaign name) and webinar_at (0 for static forms).
    """
    static = forms[forms["webinar_at"] == 0]
    choice = static["guid"].to_numpy()[
        rng.choice(len(static), size=len(touches), p=[0.25, 0.2, 0.3, 0.25][: len(static)])
    ]
    webinars = forms[forms["webinar_at"] > 0].sort_values("webinar_at")
    if len(webinars):
        at = touches["touched_at"].to_numpy()
        nxt = np.searchsorted(webinars["webinar_at"].to_numpy(), at)
        nxt_c = np.minimum(nxt, len(webinars) - 1)
        open_ = (nxt < len(webinars)) & (
            webinars["webinar_at"].to_numpy()[nxt_c] - at <= REGISTRATION_DAYS * DAY
        )
        take = open_ & (
            (rng.random(len(at)) < 0.4)
            | (touches["campaign"].to_numpy() == webinars["program"].to_numpy()[nxt_c])
        )
        choice = np.where(take, webinars["guid"].to_numpy()[nxt_c], choice)
    return choice
