"""`advance`: move a world's clock forward by whole days, continuing it rather than regenerating it.

New people (with all their records) appear in (old now, new now]; everyone keeps being active;
existing records change (titles, lifecycle stages, opportunity stages), some are deleted (HubSpot
archives without bumping updated_at, Salesforce sets IsDeleted and bumps SystemModstamp), and the
ad platforms restate the last RESTATED_DAYS days before the old now. Seeded from (seed, old now).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import duckdb
import numpy as np
import pandas as pd

from sandbox.generator import snapshot
from sandbox.generator.by_person import record_unsubscribes
from sandbox.generator.clock import DAY, Window, epoch, epoch_seconds, timestamps
from sandbox.generator.conversion import stage_at
from sandbox.generator.generate import refresh_derived_truth, write_meta, write_tables
from sandbox.generator.growth import Existing, Tables, grow
from sandbox.generator.hubspot import DEAL_STAGE
from sandbox.generator.people import make_people
from sandbox.generator.pools import SENIORITIES
from sandbox.generator.salesforce import Counters
from sandbox.generator.webhook_backlog import queue_contact_events
from sandbox.generator.writer import insert, replacing, update
from sandbox.state import SCALES, SandboxPaths, WorldInfo

RESTATED_DAYS = 3
MONTHLY_TITLE_CHANGES = 0.01
MONTHLY_DELETES = 0.004


def _existing(wcon: duckdb.DuckDBPyConnection) -> tuple[Existing, pd.DataFrame]:
    """What the world holds (world.duckdb with truth attached as `truth`), and its people."""
    q = partial(snapshot.frame, wcon)
    people = q("SELECT * FROM truth.people ORDER BY person_id")
    people["created_at"] = epoch_seconds(people["created_at"])
    companies = q("SELECT * FROM truth.companies ORDER BY company_id")
    sends = q("""SELECT c.id, r.person_id, lower(trim(c.email)) AS recipient, c.created_at FROM hubspot_contacts c
                 JOIN truth.record_person r ON r.system = 'hubspot' AND r.object = 'contacts' AND r.record_id = c.id::VARCHAR
                 WHERE NOT c.archived AND c.email IS NOT NULL ORDER BY c.id""")
    sends["created_at"] = epoch_seconds(sends["created_at"])
    sf_people = """SELECT t.Id, r.person_id, t.CreatedDate FROM {table} t JOIN truth.record_person r
                   ON r.system = 'salesforce' AND r.object = '{sobject}' AND r.record_id = t.Id WHERE NOT t.IsDeleted ORDER BY t.Id"""
    base = Existing(
        companies=companies,
        structure=snapshot.ad_structure(wcon),
        ids=Counters(snapshot.salesforce_next(wcon)),
        next_hubspot={
            t: snapshot.next_id(wcon, t)
            for t in (
                "hubspot_contacts",
                "hubspot_companies",
                "hubspot_deals",
                "hubspot_email_campaigns",
            )
        },
        sends=sends,
        forms=snapshot.forms(wcon),
        campaigns=q("SELECT Id, Name, Type FROM salesforce_campaign ORDER BY Id"),
        leads=q(sf_people.format(table="salesforce_lead", sobject="Lead")),
        contacts=q(sf_people.format(table="salesforce_contact", sobject="Contact")).drop_duplicates(
            "person_id"
        ),
        account_of=q("""SELECT c.company_id, min(a.Id) AS Id FROM salesforce_account a JOIN truth.companies c ON c.name = a.Name
                        GROUP BY 1 ORDER BY 1""").set_index("company_id")["Id"],
        hubspot_company_of=q("""SELECT c.company_id, min(h.id) AS id FROM hubspot_companies h JOIN truth.companies c ON c.domain = h.domain
                                GROUP BY 1 ORDER BY 1""").set_index("company_id")["id"],
        with_opportunity=pd.Index(
            q("SELECT DISTINCT person_id FROM truth.opportunities ORDER BY 1")["person_id"]
        ),
    )
    return base, people


def _at(rng: np.random.Generator, window: Window, n: int) -> pd.Series:
    return pd.Series(pd.to_datetime(window.uniform(rng, n), unit="s"))


def restate(rng: np.random.Generator, con: duckdb.DuckDBPyConnection, old_now: int) -> None:
    """Rewrite the ad metrics of the RESTATED_DAYS days before `old_now` by a few per cent."""
    since = pd.Timestamp(old_now - RESTATED_DAYS * DAY, unit="s").date()
    for table, keys, money, unit in (
        (
            "google_ads_ad_group_daily",
            ["customer_id", "ad_group_id", "date"],
            "cost_micros",
            10_000,
        ),
        ("meta_adset_daily", ["account_id", "adset_id", "date"], "spend", 0.01),
        (
            "linkedin_campaign_daily",
            ["account_id", "campaign_id", "date"],
            "cost_in_local_currency",
            0.01,
        ),
    ):
        rows = snapshot.frame(
            con,
            f"SELECT {', '.join(keys)}, impressions, clicks, {money}::DOUBLE AS m FROM {table} "
            f"WHERE date >= '{since}' ORDER BY {', '.join(keys)}",
        )
        n = len(rows)
        rows["impressions"] = np.round(rows["impressions"] * rng.uniform(0.97, 1.06, n)).astype(
            np.int64
        )
        rows["clicks"] = np.round(rows["clicks"] * rng.uniform(0.95, 1.06, n)).astype(np.int64)
        rows[money] = np.round(rows.pop("m") / unit * rng.uniform(0.95, 1.08, n)) * unit
        if unit == 10_000:
            rows[money] = rows[money].astype(np.int64)
        update(con, table, rows, keys)


def change_titles(
    rng: np.random.Generator,
    con: duckdb.DuckDBPyConnection,
    people: pd.DataFrame,
    window: Window,
    days: int,
) -> pd.DataFrame:
    """Some people change title (within their seniority); their CRM records follow. Returns person_id, title."""
    chosen = people[rng.random(len(people)) < MONTHLY_TITLE_CHANGES * days / 30][
        ["person_id", "seniority"]
    ].reset_index(drop=True)
    titles = {s[0]: s[3] for s in SENIORITIES}
    chosen["title"] = [
        titles[s][int(u * len(titles[s]))]
        for s, u in zip(chosen["seniority"], rng.random(len(chosen)), strict=True)
    ]
    chosen = chosen.drop(columns="seniority")
    con.register("_titles", chosen.assign(at=_at(rng, window, len(chosen))))
    con.execute("""UPDATE hubspot_contacts c SET jobtitle = t.title, updated_at = t.at FROM _titles t, truth.record_person r
                   WHERE r.system = 'hubspot' AND r.object = 'contacts' AND r.record_id = c.id::VARCHAR AND r.person_id = t.person_id
                   AND NOT c.archived""")
    for table, sobject in (("salesforce_lead", "Lead"), ("salesforce_contact", "Contact")):
        con.execute(f"""UPDATE {table} s SET Title = t.title, LastModifiedDate = t.at, SystemModstamp = t.at
                        FROM _titles t, truth.record_person r WHERE r.system = 'salesforce' AND r.object = '{sobject}'
                        AND r.record_id = s.Id AND r.person_id = t.person_id AND NOT s.IsDeleted""")
    con.unregister("_titles")
    return chosen


def progress_opportunities(
    rng: np.random.Generator, con: duckdb.DuckDBPyConnection, window: Window
) -> pd.DataFrame:
    """Move open opportunities along their stages to the window's end, closing those due. Returns Id,
    closed_won_at for wins.

    A stage the world did not show at the old now changed inside the window: the planned change time
    can fall before it (CloseDate is a date, the plan is redrawn), and a change stamped before the
    old now would never be seen by an incremental load, so those are stamped in the window."""
    open_ = snapshot.frame(
        con,
        """
        SELECT o.Id, o.Name, o.StageName AS old_stage, o.CreatedDate, o.CloseDate, p.fit
        FROM salesforce_opportunity o JOIN salesforce_opportunity_contact_role r ON r.OpportunityId = o.Id AND r.IsPrimary
        JOIN truth.record_person rp ON rp.system = 'salesforce' AND rp.object = 'Contact' AND rp.record_id = r.ContactId
        JOIN truth.people p ON p.person_id = rp.person_id
        WHERE NOT o.IsClosed AND NOT o.IsDeleted ORDER BY o.Id""",
    )
    plan = pd.DataFrame(
        {
            "created_at": epoch_seconds(open_["CreatedDate"]),
            "close_at": epoch_seconds(pd.to_datetime(open_["CloseDate"])),
            "won": rng.random(len(open_)) < 0.2 + 0.6 * open_["fit"].to_numpy(),
        }
    )
    stage = stage_at(plan, window.end)
    moved = (stage["StageName"] != open_["old_stage"]).to_numpy()
    planned = stage["changed_at"].to_numpy()
    changed_at = pd.to_datetime(
        np.where(planned > window.start, planned, window.uniform(rng, len(planned))), unit="s"
    )
    opp = pd.DataFrame(
        {
            "Id": open_["Id"],
            "StageName": stage["StageName"],
            "Probability": stage["Probability"],
            "IsClosed": stage["IsClosed"],
            "IsWon": stage["IsWon"],
            "LastModifiedDate": changed_at,
            "SystemModstamp": changed_at,
        }
    )[moved]
    update(con, "salesforce_opportunity", opp, ["Id"])
    deals = pd.DataFrame(
        {
            "dealname": open_["Name"],
            "created_at": open_["CreatedDate"],
            "dealstage": stage["StageName"].map(DEAL_STAGE),
            "updated_at": changed_at,
        }
    )[moved]
    update(con, "hubspot_deals", deals, ["dealname", "created_at"])
    won = opp[opp["IsWon"]]
    con.register("_won", won[["Id"]])
    con.execute("""UPDATE hubspot_contacts c SET lifecyclestage = 'customer', updated_at = greatest(c.updated_at, o.LastModifiedDate)
                   FROM _won w, salesforce_opportunity o, salesforce_opportunity_contact_role r, truth.record_person rc,
                   truth.record_person rh WHERE o.Id = w.Id AND r.OpportunityId = o.Id AND r.IsPrimary
                   AND rc.system = 'salesforce' AND rc.object = 'Contact' AND rc.record_id = r.ContactId
                   AND rh.system = 'hubspot' AND rh.object = 'contacts' AND rh.person_id = rc.person_id AND rh.record_id = c.id::VARCHAR
                   AND NOT c.archived""")
    con.unregister("_won")
    return pd.DataFrame({"opportunity_id": won["Id"], "closed_won_at": won["LastModifiedDate"]})


def progress_lifecycle(con: duckdb.DuckDBPyConnection, world: Tables) -> None:
    """Existing contacts move up: subscriber → lead after a form, → opportunity with a new opportunity."""
    submissions, opportunities = world["hubspot_form_submissions"], world["salesforce_opportunity"]
    moves = (
        ("lead", ["subscriber"], submissions["person_id"], timestamps(submissions["submitted_at"])),
        (
            "opportunity",
            ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead"],
            opportunities["person_id"],
            opportunities["CreatedDate"],
        ),
    )
    for stage, earlier, person_id, at in moves:
        frame = pd.DataFrame({"person_id": person_id.to_numpy(), "at": at.to_numpy()})
        con.register("_moves", frame.groupby("person_id", as_index=False)["at"].max())
        con.execute(
            f"""UPDATE hubspot_contacts c SET lifecyclestage = '{stage}', updated_at = greatest(c.updated_at, m.at)
                FROM _moves m, truth.record_person r WHERE r.system = 'hubspot' AND r.object = 'contacts'
                AND r.record_id = c.id::VARCHAR AND r.person_id = m.person_id AND NOT c.archived
                AND c.lifecyclestage IN ({", ".join(f"'{e}'" for e in earlier)})"""
        )
        con.unregister("_moves")


def delete_some(
    rng: np.random.Generator, con: duckdb.DuckDBPyConnection, window: Window, days: int
) -> None:
    """Archive a few HubSpot contacts (updated_at untouched) and delete a few unconverted Salesforce leads."""
    share = MONTHLY_DELETES * days / 30
    contacts = snapshot.frame(con, "SELECT id FROM hubspot_contacts WHERE NOT archived ORDER BY id")
    gone = contacts[rng.random(len(contacts)) < share].reset_index(drop=True)
    gone = (
        contacts.iloc[[int(rng.integers(0, len(contacts)))]]
        if gone.empty and len(contacts)
        else gone
    )
    update(
        con,
        "hubspot_contacts",
        gone.assign(archived=True, archived_at=_at(rng, window, len(gone)).to_numpy()),
        ["id"],
    )
    leads = snapshot.frame(
        con, "SELECT Id FROM salesforce_lead WHERE NOT IsDeleted AND NOT IsConverted ORDER BY Id"
    )
    gone = leads[rng.random(len(leads)) < share].reset_index(drop=True)
    gone = leads.iloc[[int(rng.integers(0, len(leads)))]] if gone.empty and len(leads) else gone
    update(
        con,
        "salesforce_lead",
        gone.assign(IsDeleted=True, SystemModstamp=_at(rng, window, len(gone)).to_numpy()),
        ["Id"],
    )


def advance(paths: SandboxPaths, days: int) -> WorldInfo:
    """Move the world in `paths` forward by `days` whole days; returns the new WorldInfo."""
    info = WorldInfo.read(paths)
    if info is None:
        raise FileNotFoundError(
            f"no sandbox world in {paths.root} (world.json missing): run `roundtrip sandbox "
            "reset` first"
        )
    if days < 1:
        raise ValueError(f"days must be ≥ 1, got {days}")
    if info.scale not in SCALES:
        raise ValueError(
            f"world.json in {paths.root} has scale {info.scale!r}, not one of {', '.join(SCALES)}"
        )
    spec = SCALES[info.scale]
    window = Window(epoch(info.now), epoch(info.now) + days * DAY)
    rng = np.random.Generator(np.random.PCG64([info.seed, window.start]))
    wcon = duckdb.connect(str(paths.world_db), read_only=True)
    try:
        wcon.execute(f"ATTACH '{paths.truth_db}' AS truth (READ_ONLY)")
        base, existing = _existing(wcon)
    finally:
        wcon.close()
    taken = pd.concat([existing["email"], existing["personal_email"].dropna()])
    fresh = make_people(
        rng,
        int(rng.poisson(spec["people"] / spec["days"] * days)),
        base.companies,
        window,
        int(existing["person_id"].max()) + 1,
        taken,
    )
    people = pd.concat([existing, fresh], ignore_index=True)
    world, truth = grow(
        rng,
        base,
        people,
        people["person_id"] > existing["person_id"].max(),
        window,
        days / spec["days"],
    )
    new_info = WorldInfo(
        seed=info.seed,
        scale=info.scale,
        now=info.now + timedelta(days=days),
        started_at=info.started_at,
    )

    with replacing(paths.world_db, copy_from=paths.world_db) as con:
        con.execute(f"ATTACH '{paths.truth_db}' AS truth (READ_ONLY)")
        restate(rng, con, window.start)
        titles = change_titles(rng, con, existing, window, days)
        won = progress_opportunities(rng, con, window)
        delete_some(rng, con, window, days)
        progress_lifecycle(con, world)
        con.execute("DETACH truth")
        write_tables(con, world)
        record_unsubscribes(con)
        write_meta(con, new_info)
        queue_contact_events(con, paths.webhook_backlog, info.now)
    with replacing(paths.truth_db, copy_from=paths.truth_db) as tcon:
        for table, frame in truth.items():
            insert(tcon, table, frame)
        update(tcon, "people", titles, ["person_id"])
        update(tcon, "opportunities", won, ["opportunity_id"])
        refresh_derived_truth(tcon, paths)
    new_info.write(paths)
    return new_info
