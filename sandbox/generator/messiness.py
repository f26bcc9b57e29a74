"""How real records get messy: e-mail case and padding, personal addresses, gmail variants, role addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.pools import ROLE_LOCALS


def chosen_address(
    rng: np.random.Generator, people: pd.DataFrame, personal_rate: float
) -> pd.Series:
    """Each person's work address, or (at `personal_rate`, when they have one) a personal one."""
    use_personal = people["personal_email"].notna().to_numpy() & (
        rng.random(len(people)) < personal_rate
    )
    return pd.Series(
        np.where(use_personal, people["personal_email"], people["email"]), index=people.index
    )


def gmail_variant(rng: np.random.Generator, address: pd.Series, rate: float) -> pd.Series:
    """At `rate`, rewrite gmail addresses as the same mailbox: `jane.doe+news@` or without dots."""
    gmail = address.str.endswith("@gmail.com").to_numpy() & (rng.random(len(address)) < rate)
    local = address.str.split("@").str[0]
    tag = pd.Series(
        np.asarray(["news", "work", "signup", "crm"], dtype=object)[
            rng.integers(0, 4, len(address))
        ],
        index=address.index,
    )
    plus = local + "+" + tag + "@gmail.com"
    dotless = local.str.replace(".", "", regex=False) + "@gmail.com"
    variant = plus.where(rng.random(len(address)) < 0.6, dotless)
    return address.where(~gmail, variant)


def messy_case_and_padding(
    rng: np.random.Generator, address: pd.Series, case_rate: float, pad_rate: float
) -> pd.Series:
    """Mixed case (Jane.Doe@Acme.com, JANE.DOE@ACME.COM) and stray spaces at a few rates."""
    u = rng.random(len(address))
    cased = address.where(u >= case_rate * 0.7, address.str.title())
    cased = cased.where((u < case_rate * 0.7) | (u >= case_rate), address.str.upper())
    v = rng.random(len(address))
    padded = cased.where(v >= pad_rate, " " + cased)
    return padded.where((v < pad_rate / 2) | (v >= pad_rate), cased + "  ")


def role_addresses(
    rng: np.random.Generator, people: pd.DataFrame, companies: pd.DataFrame
) -> pd.Series:
    """A handful of shared role addresses (info@, sales@ ...) each used by 2-4 people at one company.

    Returns the role address of each such person, indexed by person_id.
    """
    employed = people[people["company_id"].notna()]
    counts = employed["company_id"].value_counts()
    eligible = np.sort(counts[counts >= 3].index.to_numpy(dtype=np.int64))
    n = min(len(eligible), 3 + len(people) // 2500)
    chosen = rng.choice(eligible, size=n, replace=False) if n else np.array([], dtype=np.int64)
    domain = companies.set_index("company_id")["domain"]
    role: dict[int, str] = {}
    for company_id in np.sort(chosen):
        staff = employed["person_id"].to_numpy()[employed["company_id"].to_numpy() == company_id]
        users = rng.choice(staff, size=min(len(staff), int(rng.integers(2, 5))), replace=False)
        address = f"{ROLE_LOCALS[int(rng.integers(0, len(ROLE_LOCALS)))]}@{domain[company_id]}"
        role.update(dict.fromkeys(users.tolist(), address))
    return pd.Series(role, dtype=object).sort_index()
