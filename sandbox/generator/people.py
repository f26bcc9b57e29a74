"""The hidden population: companies and the people who work there (truth.companies, truth.people)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.clock import Window
from sandbox.generator.pools import (
    COMPANY_SUFFIX,
    COMPANY_WORDS_A,
    COMPANY_WORDS_B,
    COUNTRIES,
    INDUSTRIES,
    NAMES,
    PERSONAL_DOMAINS,
    SENIORITIES,
)

TLD = {"Germany": "de", "France": "fr", "Spain": "es", "United Kingdom": "co.uk", "Japan": "jp"}
PEOPLE_PER_COMPANY = 8


def _pick(
    rng: np.random.Generator, values: list, n: int, weights: list[float] | None = None
) -> np.ndarray:
    p = None if weights is None else np.asarray(weights) / np.sum(weights)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def unique_addresses(local: pd.Series, domain: pd.Series) -> pd.Series:
    """local@domain, numbering repeats (jane.doe2@...) so every address is distinct."""
    address = local + "@" + domain
    repeat = address.groupby(address).cumcount()
    numbered = local + (repeat + 1).astype(str) + "@" + domain
    return address.where(repeat == 0, numbered)


def company_cities(companies: pd.DataFrame) -> np.ndarray:
    """Each company's headquarters city, a fixed function of its id and country."""
    cities = {c[0]: c[3] for c in COUNTRIES}
    pairs = zip(companies["company_id"], companies["country"], strict=True)
    return np.array(
        [cities[country][int(i) % len(cities[country])] for i, country in pairs], dtype=object
    )


def phone_numbers(rng: np.random.Generator, n: int) -> pd.Series:
    """n phone numbers as people type them (`+1 415 555 0123`)."""
    area = pd.Series(rng.integers(200, 999, n)).astype(str)
    return "+1 " + area + " 555 " + pd.Series(rng.integers(1000, 9999, n)).astype(str)


def make_companies(rng: np.random.Generator, n: int, first_id: int = 1) -> pd.DataFrame:
    """n companies with long-tailed sizes and unique names and domains."""
    country_idx = rng.choice(len(COUNTRIES), size=n, p=[c[1] for c in COUNTRIES])
    a, b = _pick(rng, COMPANY_WORDS_A, n), _pick(rng, COMPANY_WORDS_B, n)
    stem = pd.Series(a + b)
    repeat = stem.groupby(stem).cumcount()
    stem = stem.where(repeat == 0, stem + " " + (repeat + 1).astype(str))
    suffix = _pick(rng, COMPANY_SUFFIX, n)
    country = np.array([COUNTRIES[i][0] for i in country_idx], dtype=object)
    tld = pd.Series(country).map(TLD).fillna("com")
    slug = stem.str.lower().str.replace(" ", "", regex=False)
    return pd.DataFrame(
        {
            "company_id": np.arange(first_id, first_id + n, dtype=np.int64),
            "name": stem + " " + suffix,
            "domain": slug + "." + tld,
            "industry": _pick(rng, [i[0] for i in INDUSTRIES], n),
            "employees": np.clip(rng.lognormal(4.0, 1.6, n), 2, 300_000).astype(np.int32),
            "country": country,
        }
    )


def make_people(
    rng: np.random.Generator,
    n: int,
    companies: pd.DataFrame,
    window: Window,
    first_id: int,
    taken_emails: pd.Series | None = None,
) -> pd.DataFrame:
    """n people created in `window`, most employed at one of `companies`, with latent fit and engagement."""
    employed = rng.random(n) < 0.9
    size_weight = np.sqrt(companies["employees"].to_numpy(dtype=float))
    company_row = rng.choice(len(companies), size=n, p=size_weight / size_weight.sum())
    company = companies.iloc[company_row].reset_index(drop=True)
    random_country = rng.choice(len(COUNTRIES), size=n, p=[c[1] for c in COUNTRIES])
    country = np.where(employed, company["country"], [COUNTRIES[i][0] for i in random_country])
    locale = pd.Series(country).map({c[0]: c[2] for c in COUNTRIES}).to_numpy()

    first, first_slug, last, last_slug = (np.empty(n, dtype=object) for _ in range(4))
    for name, (firsts, lasts) in NAMES.items():
        rows = np.flatnonzero(locale == name)
        for display, slug, pool in ((first, first_slug, firsts), (last, last_slug, lasts)):
            choice = rng.integers(0, len(pool), len(rows))
            display[rows] = np.array([p[0] for p in pool], dtype=object)[choice]
            slug[rows] = np.array([p[1] for p in pool], dtype=object)[choice]

    seniority_idx = rng.choice(len(SENIORITIES), size=n, p=[s[1] for s in SENIORITIES])
    title = np.empty(n, dtype=object)
    for level, (_, _, _, titles) in enumerate(SENIORITIES):
        rows = np.flatnonzero(seniority_idx == level)
        title[rows] = np.array(titles, dtype=object)[rng.integers(0, len(titles), len(rows))]
    local = pd.Series(first_slug + "." + last_slug)
    domain = pd.Series(np.where(employed, company["domain"], ""))
    work = unique_addresses(local, domain)
    free_domain = _pick(rng, PERSONAL_DOMAINS, n, [0.6, 0.15, 0.15, 0.1])
    style = rng.random(n) < 0.5
    personal_local = pd.Series(
        np.where(style, first_slug + "." + last_slug, first_slug + last_slug)
    )
    personal_local += pd.Series(rng.integers(1, 99, n)).astype(str)
    personal = unique_addresses(personal_local, pd.Series(free_domain))
    if taken_emails is not None:  # advance: keep clear of every address already handed out
        clash = work.isin(taken_emails) | personal.isin(taken_emails)
        work = work.where(
            ~clash, local + "." + pd.Series(first_id + np.arange(n)).astype(str) + "@" + domain
        )
        personal = personal.where(
            ~clash,
            personal_local
            + "x"
            + pd.Series(first_id + np.arange(n)).astype(str)
            + "@"
            + pd.Series(free_domain),
        )
    has_personal = ~employed | (rng.random(n) < 0.4)

    industry_fit = pd.Series(company["industry"]).map(dict(INDUSTRIES)).to_numpy()
    size_fit = np.clip((np.log10(company["employees"].to_numpy(dtype=float)) - 1) / 3, 0, 1)
    seniority_fit = np.array([SENIORITIES[s][2] for s in seniority_idx])
    fit = 0.45 * seniority_fit + np.where(employed, 0.3 * industry_fit + 0.25 * size_fit, 0.05)
    fit = np.clip(fit + rng.normal(0, 0.06, n), 0, 1)

    return pd.DataFrame(
        {
            "person_id": np.arange(first_id, first_id + n, dtype=np.int64),
            "company_id": company["company_id"].astype("Int64").where(employed),
            "first_name": first,
            "last_name": last,
            "email": work.where(employed, personal),
            "personal_email": personal.where(has_personal, None),
            "title": title,
            "seniority": np.array([SENIORITIES[s][0] for s in seniority_idx], dtype=object),
            "country": country,
            "created_at": window.uniform(rng, n),
            "fit": np.round(fit, 4),
            "engagement_rate": np.round(rng.lognormal(-0.6, 0.9, n), 4),
        }
    )
