"""The sandbox world generator: determinism, completeness, consistency, messiness, signal, advance."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from sandbox.generator import advance, generate
from sandbox.generator.writer import SCHEMA_SQL, TRUTH_SQL
from sandbox.state import SandboxPaths, WorldInfo, read_json


def _rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# Tables only API writes fill (empty in a freshly generated world).
WRITTEN_BY_THE_API = {"hubspot_property_history", "salesforce_task"}


def _one(path: Path, sql: str):
    return _rows(path, sql)[0][0]


def _dump(path: Path, out: Path) -> dict[str, bytes]:
    """Every table as CSV ordered by all its columns (the first of which lead with the keys)."""
    con = duckdb.connect(str(path), read_only=True)
    dumps = {}
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            columns = ", ".join(f'"{r[0]}"' for r in con.execute(f"DESCRIBE {table}").fetchall())
            target = out / f"{path.stem}.{table}.csv"
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY {columns}) TO '{target}' (HEADER)")
            dumps[table] = target.read_bytes()
    finally:
        con.close()
    return dumps


def _copy(paths: SandboxPaths, root: Path) -> SandboxPaths:
    shutil.copytree(paths.root, root)
    return SandboxPaths(root)


def _tables(sql_file: Path) -> set[str]:
    return {
        line.split()[2].lower()
        for line in sql_file.read_text().splitlines()
        if line.startswith("CREATE TABLE")
    }


def _timestamp_violations(world: Path) -> dict[str, int]:
    """Rows whose modified date precedes their created date (or SystemModstamp its LastModifiedDate)."""
    checks = {
        t: "updated_at < created_at"
        for t in ("hubspot_contacts", "hubspot_companies", "hubspot_deals")
    }
    for t in (
        "lead",
        "contact",
        "account",
        "opportunity",
        "campaign",
        "campaign_member",
        "opportunity_contact_role",
    ):
        checks[f"salesforce_{t}"] = (
            "LastModifiedDate < CreatedDate OR SystemModstamp < LastModifiedDate"
        )
    counts = {t: _one(world, f"SELECT count(*) FROM {t} WHERE {c}") for t, c in checks.items()}
    return {t: n for t, n in counts.items() if n}


def _future_rows(world: Path, now: str) -> dict[str, int]:
    """Rows stamped after the world's now (nothing may happen in the future)."""
    stamps = {
        "hubspot_email_events": "created",
        "hubspot_form_submissions": "submitted_at",
        "hubspot_contacts": "updated_at",
        "hubspot_deals": "updated_at",
        "salesforce_lead": "SystemModstamp",
        "salesforce_contact": "SystemModstamp",
        "salesforce_opportunity": "SystemModstamp",
    }
    counts = {
        t: _one(world, f"SELECT count(*) FROM {t} WHERE {c} > TIMESTAMP '{now}'")
        for t, c in stamps.items()
    }
    counts["ga4_daily"] = _one(
        world, f"SELECT count(*) FROM ga4_daily WHERE date >= DATE '{now[:10]}'"
    )
    return {t: n for t, n in counts.items() if n}


def test_same_seed_same_world_different_seed_differs(
    generated_world_xs, generated_world_tiny_scale, tmp_path
):
    again = SandboxPaths(tmp_path / "again")
    generate(again, seed=11, scale=generated_world_tiny_scale)
    for db in ("truth_db", "world_db"):
        (tmp_path / "a").mkdir(exist_ok=True)
        (tmp_path / "b").mkdir(exist_ok=True)
        assert _dump(getattr(generated_world_xs, db), tmp_path / "a") == _dump(
            getattr(again, db), tmp_path / "b"
        )
    assert read_json(again.credentials_json) == read_json(generated_world_xs.credentials_json)

    other = SandboxPaths(tmp_path / "other")
    generate(other, seed=12, scale=generated_world_tiny_scale)
    (tmp_path / "c").mkdir()
    assert (
        _dump(other.truth_db, tmp_path / "c")["people"]
        != _dump(generated_world_xs.truth_db, tmp_path / "a")["people"]
    )
    assert read_json(other.credentials_json) != read_json(generated_world_xs.credentials_json)


def test_modified_dates_follow_created_dates(generated_world_xs):
    assert _timestamp_violations(generated_world_xs.world_db) == {}
    assert _future_rows(generated_world_xs.world_db, "2026-11-01 00:00:00") == {}
    bulk = _rows(
        generated_world_xs.world_db,
        "SELECT updated_at, count(*) FROM hubspot_contacts GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    )
    assert bulk[0][0].isoformat() == "2026-10-31T23:00:00" and bulk[0][1] > 50


def test_every_table_exists_and_is_filled(generated_world_xs):
    for path, sql in (
        (generated_world_xs.world_db, SCHEMA_SQL),
        (generated_world_xs.truth_db, TRUTH_SQL),
    ):
        for table in _tables(sql):
            if table in WRITTEN_BY_THE_API:
                continue
            assert _one(path, f"SELECT count(*) FROM {table}") > 0, table


def test_world_json_and_meta_and_credentials(generated_world_xs, generated_world_tiny_scale):
    info = WorldInfo.read(generated_world_xs)
    assert (info.seed, info.scale, info.now.isoformat()) == (
        11,
        generated_world_tiny_scale,
        "2026-11-01T00:00:00+00:00",
    )
    assert (info.now - info.started_at).days == 150
    meta = dict(_rows(generated_world_xs.world_db, "SELECT key, value FROM world_meta"))
    assert meta["now"] == info.now.isoformat() and meta["seed"] == "11"
    creds = read_json(generated_world_xs.credentials_json)
    assert set(creds) == {
        "hubspot", "salesforce", "google_ads", "meta_ads", "linkedin_ads", "ga4", "website"
    }  # fmt: skip
    assert creds["website"]["form_secret"].startswith("sbx")
    assert {"app_id", "developer_api_key"} <= set(creds["hubspot"])
    assert set(creds["google_ads"]) == {
        "developer_token",
        "client_id",
        "client_secret",
        "refresh_token",
        "customer_ids",
        "login_customer_id",
    }
    assert (
        creds["hubspot"]["access_token"].startswith("pat-na1-")
        and "sbx" in creds["hubspot"]["access_token"]
    )
    assert all(len(c) == 10 and c.isdigit() for c in creds["google_ads"]["customer_ids"])
    customers = {
        r[0]
        for r in _rows(
            generated_world_xs.world_db, "SELECT DISTINCT customer_id FROM google_ads_campaigns"
        )
    }
    assert customers == set(creds["google_ads"]["customer_ids"])
    assert all(a.isdigit() for a in creds["meta_ads"]["account_ids"])


def test_record_person_covers_every_person_like_record(generated_world_xs):
    world, truth = generated_world_xs.world_db, generated_world_xs.truth_db
    con = duckdb.connect(str(world), read_only=True)
    con.execute(f"ATTACH '{truth}' AS truth (READ_ONLY)")
    for table, obj, key in (
        ("hubspot_contacts", "contacts", "id::VARCHAR"),
        ("hubspot_form_submissions", "form_submissions", "conversion_id"),
        ("salesforce_lead", "Lead", "Id"),
        ("salesforce_contact", "Contact", "Id"),
    ):
        missing = con.execute(f"""SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM truth.record_person r
                                  WHERE r.object = '{obj}' AND r.record_id = t.{key})""").fetchall()[
            0
        ][0]
        assert missing == 0, table
    dangling = con.execute("""SELECT count(*) FROM salesforce_lead l WHERE IsConverted AND (
        ConvertedContactId NOT IN (SELECT Id FROM salesforce_contact) OR ConvertedAccountId NOT IN (SELECT Id FROM salesforce_account))""").fetchall()
    assert dangling[0][0] == 0
    assert (
        con.execute(
            "SELECT count(*) FROM salesforce_lead WHERE IsConverted AND Status = 'Closed - Converted'"
        ).fetchall()[0][0]
        > 0
    )
    roles = con.execute("""SELECT count(*) FROM salesforce_opportunity o WHERE NOT EXISTS (SELECT 1 FROM salesforce_opportunity_contact_role r
                           JOIN salesforce_contact c ON c.Id = r.ContactId WHERE r.OpportunityId = o.Id AND r.IsPrimary)""").fetchall()
    assert roles[0][0] == 0
    assert (
        con.execute(
            "SELECT count(*) FROM salesforce_opportunity_contact_role WHERE NOT IsPrimary"
        ).fetchall()[0][0]
        > 0
    )
    con.close()


def test_spend_truth_equals_what_platforms_serve(generated_world_xs):
    con = duckdb.connect(str(generated_world_xs.truth_db), read_only=True)
    con.execute(f"ATTACH '{generated_world_xs.world_db}' AS w (READ_ONLY)")
    served = con.execute("""
        SELECT 'google_ads' p, date, campaign_id::VARCHAR c, sum(cost_micros) / 1e6 s FROM w.google_ads_ad_group_daily GROUP BY ALL
        UNION ALL SELECT 'meta_ads', date, campaign_id, sum(spend)::DOUBLE FROM w.meta_adset_daily GROUP BY ALL
        UNION ALL SELECT 'linkedin_ads', d.date, c.campaign_group_id::VARCHAR, sum(d.cost_in_local_currency)::DOUBLE
        FROM w.linkedin_campaign_daily d JOIN w.linkedin_campaigns c ON c.account_id = d.account_id AND c.id = d.campaign_id GROUP BY ALL
        ORDER BY 1, 2, 3""").fetchall()
    truth = con.execute(
        "SELECT platform, date, campaign_id, spend::DOUBLE FROM ad_spend_daily ORDER BY 1, 2, 3"
    ).fetchall()
    assert served == truth and {r[0] for r in truth} == {"google_ads", "meta_ads", "linkedin_ads"}
    assert (
        con.execute(
            "SELECT count(*) FROM w.google_ads_ad_group_daily WHERE cost_micros % 10000 <> 0"
        ).fetchall()[0][0]
        == 0
    )
    con.close()


def test_messiness_is_present(generated_world_xs):
    world, truth = generated_world_xs.world_db, generated_world_xs.truth_db
    assert _one(world, "SELECT count(*) FROM hubspot_contacts WHERE email <> lower(email)") > 0
    assert _one(world, "SELECT count(*) FROM hubspot_contacts WHERE email <> trim(email)") > 0
    assert _one(world, "SELECT count(*) FROM hubspot_contacts WHERE email LIKE '%+%@gmail.com'") > 0
    assert _one(world, "SELECT count(*) FROM hubspot_contacts WHERE jobtitle IS NULL") > 0
    dupes = _one(
        truth,
        "SELECT count(*) FROM (SELECT person_id FROM record_person WHERE object = 'contacts' GROUP BY 1 HAVING count(*) > 1)",
    )
    people = _one(truth, "SELECT count(*) FROM people")
    assert 0.01 * people < dupes < 0.05 * people
    assert (
        _one(
            truth,
            r"SELECT count(*) FROM people WHERE regexp_matches(first_name || last_name, '[éüøñ]')",
        )
        > 0
    )
    assert (
        _one(
            truth,
            r"SELECT count(*) FROM people WHERE regexp_matches(first_name || last_name, '[\x{4e00}-\x{9fff}]')",
        )
        > 0
    )
    con = duckdb.connect(str(world), read_only=True)
    con.execute(f"ATTACH '{truth}' AS truth (READ_ONLY)")
    shared = con.execute("""
        WITH addresses AS (
            SELECT lower(trim(email)) AS a, r.person_id FROM hubspot_contacts c JOIN truth.record_person r ON r.object = 'contacts' AND r.record_id = c.id::VARCHAR
            UNION ALL SELECT lower(trim(Email)), r.person_id FROM salesforce_lead l JOIN truth.record_person r ON r.object = 'Lead' AND r.record_id = l.Id
            UNION ALL SELECT lower(trim(v.value)), r.person_id FROM hubspot_form_submissions s
                JOIN truth.record_person r ON r.object = 'form_submissions' AND r.record_id = s.conversion_id,
                LATERAL (SELECT unnest(from_json(s."values", '[{"name":"VARCHAR","value":"VARCHAR"}]'), recursive := true)) v WHERE v.name = 'email')
        SELECT count(*) FROM (SELECT a FROM addresses WHERE split_part(a, '@', 1) IN ('info', 'sales', 'marketing')
                              GROUP BY 1 HAVING count(DISTINCT person_id) > 1)""").fetchall()[0][0]
    assert shared >= 1
    con.close()


def test_conversion_depends_on_fit_and_engagement(generated_world_xs):
    rates = _rows(
        generated_world_xs.truth_db,
        """
        SELECT q, avg(converted::INT) FROM (SELECT ntile(5) OVER (ORDER BY fit, person_id) q, converted
        FROM people JOIN person_outcome USING (person_id)) GROUP BY 1 ORDER BY 1""",
    )
    assert rates[-1][1] > 2 * rates[0][1] and rates[-1][1] > 0
    by_engagement = _rows(
        generated_world_xs.truth_db,
        """
        SELECT q, avg(converted::INT) FROM (SELECT ntile(2) OVER (ORDER BY engagement_rate, person_id) q, converted
        FROM people JOIN person_outcome USING (person_id)) GROUP BY 1 ORDER BY 1""",
    )
    assert by_engagement[1][1] > by_engagement[0][1]


def test_metadata_describes_every_column(generated_world_xs):
    world = generated_world_xs.world_db
    custom = dict(
        _rows(
            world,
            "SELECT name, type FROM hubspot_properties WHERE object_type = 'contacts' AND NOT hubspot_defined",
        )
    )
    assert custom == {
        "lead_score": "number",
        "lead_tier": "enumeration",
        "fit_score": "number",
        "engagement_score": "number",
        "last_engagement_date": "date",
        "roundtrip_customer_id": "string",
    }
    assert (
        _one(
            world,
            """SELECT count(*) FROM information_schema.columns c WHERE c.table_name LIKE 'salesforce\\_%' ESCAPE '\\'
                          AND c.table_name <> 'salesforce_fields' AND NOT EXISTS (SELECT 1 FROM salesforce_fields f WHERE f.name = c.column_name)""",
        )
        == 0
    )
    external = sorted(
        _rows(world, "SELECT sobject, name, custom FROM salesforce_fields WHERE external_id")
    )
    assert external == [
        ("Contact", "Roundtrip_Customer_Id__c", True),
        ("Lead", "Roundtrip_Customer_Id__c", True),
        ("Task", "Roundtrip_Event_Id__c", True),
    ]


def test_advance_moves_the_world(generated_world_xs, tmp_path):
    paths = _copy(generated_world_xs, tmp_path / "w")
    before = WorldInfo.read(paths)
    contacts = _one(paths.world_db, "SELECT count(*) FROM hubspot_contacts")
    people = _one(paths.truth_db, "SELECT count(*) FROM people")
    old_day = _rows(
        paths.world_db,
        "SELECT * FROM google_ads_ad_group_daily WHERE date = DATE '2026-10-31' ORDER BY ALL",
    )
    modified = dict(_rows(paths.world_db, "SELECT id, updated_at FROM hubspot_contacts"))

    after = advance(paths, 7)

    assert after.now == before.now + timedelta(days=7) == WorldInfo.read(paths).now
    assert (
        dict(_rows(paths.world_db, "SELECT key, value FROM world_meta"))["now"]
        == after.now.isoformat()
    )
    assert _one(paths.world_db, "SELECT count(*) FROM hubspot_contacts") > contacts
    assert _one(paths.truth_db, "SELECT count(*) FROM people") > people
    assert (
        _one(
            paths.world_db,
            "SELECT count(*) FROM hubspot_contacts WHERE created_at > TIMESTAMP '2026-11-01'",
        )
        > 0
    )
    assert (
        _one(
            paths.world_db,
            "SELECT count(*) FROM hubspot_email_events WHERE created > TIMESTAMP '2026-11-01'",
        )
        > 0
    )
    assert _one(paths.world_db, "SELECT count(*) FROM ga4_daily WHERE date = DATE '2026-11-07'") > 0
    assert (
        _one(
            paths.world_db,
            "SELECT count(*) FROM google_ads_ad_group_daily WHERE date = DATE '2026-11-07'",
        )
        > 0
    )
    # restated: the last day before the old now changed, its keys did not
    new_day = _rows(
        paths.world_db,
        "SELECT * FROM google_ads_ad_group_daily WHERE date = DATE '2026-10-31' ORDER BY ALL",
    )
    assert [r[:4] for r in new_day] == [r[:4] for r in old_day] and new_day != old_day
    # deletes: archived without bumping updated_at; Salesforce deletes bump SystemModstamp
    archived = _rows(
        paths.world_db, "SELECT id, updated_at, archived_at FROM hubspot_contacts WHERE archived"
    )
    assert archived and all(modified[i] == u and a > u for i, u, a in archived)
    assert (
        _one(
            paths.world_db,
            "SELECT count(*) FROM salesforce_lead WHERE IsDeleted AND SystemModstamp >= TIMESTAMP '2026-11-01'",
        )
        > 0
    )
    # updates: existing records modified inside the window
    assert (
        _one(
            paths.world_db,
            """SELECT count(*) FROM hubspot_contacts WHERE created_at <= TIMESTAMP '2026-11-01'
                                     AND updated_at > TIMESTAMP '2026-11-01'""",
        )
        > 0
    )
    assert (
        _one(
            paths.world_db,
            """SELECT count(*) FROM salesforce_opportunity WHERE CreatedDate <= TIMESTAMP '2026-11-01'
                                     AND LastModifiedDate > TIMESTAMP '2026-11-01'""",
        )
        > 0
    )
    assert _timestamp_violations(paths.world_db) == {}
    assert _future_rows(paths.world_db, "2026-11-08 00:00:00") == {}
    assert (
        _one(
            paths.world_db,
            """SELECT count(*) FROM salesforce_lead WHERE IsConverted AND (
        ConvertedContactId NOT IN (SELECT Id FROM salesforce_contact)
        OR ConvertedAccountId NOT IN (SELECT Id FROM salesforce_account)
        OR ConvertedOpportunityId NOT IN (SELECT Id FROM salesforce_opportunity))""",
        )
        == 0
    )
    # truth stays consistent
    assert _one(paths.truth_db, "SELECT count(*) FROM people") == _one(
        paths.truth_db, "SELECT count(*) FROM person_outcome"
    )
    con = duckdb.connect(str(paths.world_db), read_only=True)
    con.execute(f"ATTACH '{paths.truth_db}' AS truth (READ_ONLY)")
    assert (
        con.execute("""SELECT count(*) FROM hubspot_contacts c WHERE NOT EXISTS (SELECT 1 FROM truth.record_person r
                          WHERE r.object = 'contacts' AND r.record_id = c.id::VARCHAR)""").fetchall()[
            0
        ][0]
        == 0
    )
    con.close()


def test_advance_is_deterministic(generated_world_xs, tmp_path):
    one, two = (
        _copy(generated_world_xs, tmp_path / "one"),
        _copy(generated_world_xs, tmp_path / "two"),
    )
    advance(one, 3)
    advance(two, 3)
    for db in ("truth_db", "world_db"):
        (tmp_path / "a").mkdir(exist_ok=True)
        (tmp_path / "b").mkdir(exist_ok=True)
        assert _dump(getattr(one, db), tmp_path / "a") == _dump(getattr(two, db), tmp_path / "b")


def test_advance_without_a_world_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"world\.json"):
        advance(SandboxPaths(tmp_path), 1)


@pytest.mark.slow
def test_scale_s_generates_the_default_world(tmp_path):
    paths = SandboxPaths(tmp_path)
    info = generate(paths, seed=42, scale="S")
    assert info.scale == "S"
    assert 9_000 < _one(paths.truth_db, "SELECT count(*) FROM people") <= 10_000
    assert _one(paths.world_db, "SELECT count(*) FROM hubspot_email_events") > 50_000
    assert not list(tmp_path.glob("*.tmp"))
