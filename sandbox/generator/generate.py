"""`generate`: build a whole world (world.duckdb, truth.duckdb, world.json, credentials.json) from a seed."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from sandbox.generator.ads import daily_tables, make_structure, platform_tables
from sandbox.generator.by_person import record_unsubscribes
from sandbox.generator.clock import GENESIS_NOW, Window, history, to_datetime
from sandbox.generator.credentials import make_credentials
from sandbox.generator.forms import insert_submissions
from sandbox.generator.growth import (
    HUBSPOT_OWNERS,
    PROPERTY_ID,
    SALESFORCE_OWNERS,
    Existing,
    Sink,
    Tables,
    grow,
)
from sandbox.generator.messiness import role_addresses
from sandbox.generator.metadata import hubspot_properties, salesforce_fields
from sandbox.generator.people import PEOPLE_PER_COMPANY, make_companies, make_people
from sandbox.generator.salesforce import Counters, users
from sandbox.generator.writer import (
    MEMORY_LIMIT,
    SCHEMA_SQL,
    TRUTH_SQL,
    insert,
    replacing,
    staged,
    update,
)
from sandbox.state import SCALES, SandboxPaths, WorldInfo, write_json

FORMAT_VERSION = "1"
BULK_UPDATE_SHARE = 0.2
FIRST_HUBSPOT_IDS = {
    "hubspot_contacts": 101,
    "hubspot_companies": 8_000_000_001,
    "hubspot_deals": 9_000_000_001,
    "hubspot_email_campaigns": 300_000_001,
}


def bulk_update(rng: np.random.Generator, contacts: pd.DataFrame, window: Window) -> None:
    """The month-end import: one identical updated_at on a fifth of the contacts existing then."""
    month_end = pd.Timestamp(window.end, unit="s").to_period("M").start_time.value // 10**9 - 3600
    hit = (
        (contacts["created_at"] < month_end)
        & (contacts["updated_at"] < month_end)
        & (rng.random(len(contacts)) < BULK_UPDATE_SHARE)
    )
    contacts.loc[hit, "updated_at"] = month_end


def build_world(
    seed: int, scale: str, sink: Sink | None = None
) -> tuple[Tables, dict[str, pd.DataFrame], dict]:
    """Every world table, every truth table, and the credentials, as frames (nothing written but
    what goes to `sink`, see `grow`)."""
    spec = SCALES[scale]
    rng = np.random.Generator(np.random.PCG64(seed))
    window = history(GENESIS_NOW, spec["days"])
    companies = make_companies(rng, max(20, spec["people"] // PEOPLE_PER_COMPANY))
    people = make_people(rng, spec["people"], companies, window, 1)
    structure = make_structure(rng, window)
    base = Existing(
        companies=companies,
        structure=structure,
        ids=Counters({}),
        next_hubspot=dict(FIRST_HUBSPOT_IDS),
        role=role_addresses(rng, people, companies),
    )
    world, truth = grow(rng, base, people, pd.Series(True, index=people.index), window, 1.0, sink)
    bulk_update(rng, world["hubspot_contacts"], window)
    world.update(platform_tables(structure, world.pop("_ad_daily"), window.start))
    world["salesforce_user"] = users(HUBSPOT_OWNERS, SALESFORCE_OWNERS, window.start)
    truth["companies"] = companies
    credentials = make_credentials(
        seed,
        *(
            sorted(structure.loc[structure["platform"] == p, "account_id"].unique())
            for p in ("google_ads", "meta_ads", "linkedin_ads")
        ),
        PROPERTY_ID,
    )
    return world, truth, credentials


def write_tables(con: duckdb.DuckDBPyConnection, world: Tables) -> None:
    """Insert world frames (ad daily rows may still be unified, see ads.daily_tables), taking each
    out of `world` as it is written so its memory goes as soon as it is in DuckDB."""
    while world:
        table = next(iter(world))
        frame = world.pop(table)
        if table == "_ad_daily":
            write_tables(con, daily_tables(frame))
        elif table == "_lead_conversions":
            update(con, "salesforce_lead", frame, ["Id"])
        elif table == "hubspot_form_submissions":
            insert_submissions(con, frame)
        else:
            insert(con, table, frame)


def refresh_derived_truth(tcon: duckdb.DuckDBPyConnection, paths: SandboxPaths) -> None:
    """Recompute ad_spend_daily (from what the platforms serve in world.duckdb), person_outcome and
    person_stage."""
    tcon.execute(f"ATTACH '{paths.world_db}' AS world (READ_ONLY)")
    tcon.execute("DELETE FROM ad_spend_daily")
    tcon.execute("""
        INSERT INTO ad_spend_daily
        SELECT 'google_ads', date, campaign_id::VARCHAR, (sum(cost_micros)::DECIMAL(38, 0) / 1000000)::DECIMAL(14, 2)
        FROM world.google_ads_ad_group_daily GROUP BY ALL
        UNION ALL SELECT 'meta_ads', date, campaign_id, sum(spend) FROM world.meta_adset_daily GROUP BY ALL
        UNION ALL SELECT 'linkedin_ads', d.date, c.campaign_group_id::VARCHAR, sum(d.cost_in_local_currency)
        FROM world.linkedin_campaign_daily d JOIN world.linkedin_campaigns c ON c.account_id = d.account_id AND c.id = d.campaign_id
        GROUP BY ALL""")
    tcon.execute("DELETE FROM person_stage")
    tcon.execute("""
        INSERT INTO person_stage
        WITH reached AS (
            SELECT r.person_id, CASE
                WHEN r.object = 'form_submissions' THEN 1
                WHEN l.Status = 'Working - Contacted' THEN 3
                ELSE 2 END AS rank
            FROM record_person r LEFT JOIN world.salesforce_lead l ON r.object = 'Lead' AND l.Id = r.record_id
            WHERE r.object = 'form_submissions' OR (r.object = 'Lead' AND NOT coalesce(l.IsDeleted, false))
            UNION ALL
            SELECT person_id, CASE WHEN closed_won_at IS NULL THEN 4 ELSE 5 END FROM opportunities
        )
        SELECT p.person_id, ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead',
                             'opportunity', 'customer'][coalesce(max(reached.rank), 0) + 1]
        FROM people p LEFT JOIN reached USING (person_id) GROUP BY p.person_id""")
    tcon.execute("DETACH world")
    tcon.execute("DELETE FROM person_outcome")
    tcon.execute("""
        INSERT INTO person_outcome
        SELECT p.person_id, o.first_won IS NOT NULL, o.first_won
        FROM people p LEFT JOIN (SELECT person_id, min(closed_won_at) AS first_won FROM opportunities GROUP BY 1) o USING (person_id)""")


def write_meta(con: duckdb.DuckDBPyConnection, info: WorldInfo) -> None:
    con.execute("DELETE FROM world_meta")
    rows = {
        "seed": str(info.seed),
        "scale": info.scale,
        "started_at": info.started_at.isoformat(),
        "now": info.now.isoformat(),
        "format_version": FORMAT_VERSION,
    }
    con.executemany("INSERT INTO world_meta VALUES (?, ?)", sorted(rows.items()))


def generate(paths: SandboxPaths, seed: int, scale: str) -> WorldInfo:
    """Generate a fresh world for (seed, scale), replacing any world in `paths`."""
    if scale not in SCALES:
        raise ValueError(f"unknown sandbox scale {scale!r}; accepted: {', '.join(SCALES)}")
    window = history(GENESIS_NOW, SCALES[scale]["days"])
    info = WorldInfo(
        seed=seed, scale=scale, now=to_datetime(window.end), started_at=to_datetime(window.start)
    )
    # e-mail events wait on disk until every frame is written and freed (see writer.Staged)
    with (
        replacing(paths.world_db, schema=SCHEMA_SQL, memory_limit=MEMORY_LIMIT) as con,
        staged(paths.root) as events,
    ):
        world, truth, credentials = build_world(seed, scale, events.append)
        write_tables(con, world)
        record_unsubscribes(con)
        with replacing(paths.truth_db, schema=TRUTH_SQL, memory_limit=MEMORY_LIMIT) as tcon:
            while truth:
                table = next(iter(truth))
                insert(tcon, table, truth.pop(table))
        events.write(con)
        insert(con, "hubspot_properties", hubspot_properties(con))
        insert(con, "salesforce_fields", salesforce_fields(con))
        write_meta(con, info)
    with replacing(paths.truth_db, copy_from=paths.truth_db) as tcon:
        refresh_derived_truth(tcon, paths)
    write_json(paths.credentials_json, credentials)
    info.write(paths)
    return info
