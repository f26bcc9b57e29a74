"""A small, deterministic CRM world (HubSpot + Salesforce) for fast stand-in tests.

`make_sandbox(root)` writes a complete sandbox state folder: world.duckdb (sandbox/schema.sql
plus the rows below), world.json and credentials.json in the generator's shapes. Sizes exercise
paging (250 HubSpot contacts = 3 pages of 100; 2,300 Salesforce leads > one 2,000-record batch).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from sandbox.state import SandboxPaths, WorldInfo, write_json

SCHEMA = Path(__file__).resolve().parents[2] / "sandbox" / "schema.sql"
NOW = datetime(2026, 3, 1)
START = datetime(2025, 9, 1)

CONTACTS = 250  # ids 1001..1250; every 10th archived; 1001..1060 share one lastmodifieddate
COMPANIES = 40  # ids 5001..5040
DEALS = 30  # ids 9001..9030
EMAIL_EVENTS = 1_200
FORM_GUID = "3f6a1c2e-0000-4000-8000-000000000001"
FORM_SUBMISSIONS = 120
LEADS = 2_300  # 1..2300; every 50th IsDeleted
SF_CONTACTS = 100
ACCOUNTS = 40
OPPORTUNITIES = 30

CREDENTIALS = {
    "hubspot": {
        "access_token": "pat-na1-sandbox-static-token",
        "client_id": "hs-client",
        "client_secret": "hs-secret",
        "refresh_token": "hs-refresh",
    },
    "salesforce": {
        "client_id": "sf-client",
        "client_secret": "sf-secret",
        "refresh_token": "sf-refresh",
        "username": "integration@sandbox.example",
    },
    "google_ads": {
        "developer_token": "dev-token",
        "client_id": "g-client",
        "client_secret": "g-secret",
        "refresh_token": "g-refresh",
        "customer_ids": ["1234567890"],
        "login_customer_id": "1234567890",
    },
    "meta_ads": {"access_token": "meta-static-token", "account_ids": ["111222333"]},
    "linkedin_ads": {
        "client_id": "li-client",
        "client_secret": "li-secret",
        "refresh_token": "li-refresh",
        "account_ids": ["505050"],
    },
    "ga4": {
        "client_id": "ga-client",
        "client_secret": "ga-secret",
        "refresh_token": "ga-refresh",
        "property_id": "987654321",
    },
}


def make_sandbox(root: Path) -> SandboxPaths:
    """Create a sandbox state folder at `root` holding the fixture world; return its paths."""
    paths = SandboxPaths(root)
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.world_db))
    try:
        con.execute(SCHEMA.read_text())
        build_crm_world(con)
    finally:
        con.close()
    WorldInfo(seed=1, scale="S", now=NOW, started_at=START).write(paths)
    write_json(paths.credentials_json, CREDENTIALS)
    return paths


def build_crm_world(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the HubSpot and Salesforce fixture rows into a world with the schema applied."""
    con.execute(
        "INSERT INTO world_meta VALUES ('seed', '1'), ('scale', 'S'), ('now', ?), "
        "('started_at', ?), ('format_version', '1')",
        [NOW.isoformat(), START.isoformat()],
    )
    for statement in _HUBSPOT + _SALESFORCE:
        con.execute(statement)
    _define_hubspot_properties(con)
    _define_salesforce_fields(con)


_TS = "TIMESTAMP '2025-09-01' + INTERVAL (i) HOUR"

_HUBSPOT = [
    f"""INSERT INTO hubspot_contacts
        SELECT 1000 + i, {_TS},
               CASE WHEN i <= 60 THEN TIMESTAMP '2026-01-31 23:00:00' ELSE {_TS} + INTERVAL 30 DAY END,
               i % 10 = 0, CASE WHEN i % 10 = 0 THEN TIMESTAMP '2026-02-01' END,
               CASE WHEN i % 7 = 0 THEN '  Person' || i || '@Example.COM ' ELSE 'person' || i || '@example.com' END,
               'First' || i, 'Last' || i, 'Engineer', 'Company ' || (i % 40), NULL, 'US', 'Boston',
               CASE WHEN i % 3 = 0 THEN 'customer' ELSE 'lead' END, NULL, 'PAID_SEARCH',
               'spring_search', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               CASE WHEN i = 5 THEN 'true' ELSE 'false' END
        FROM range(1, {CONTACTS + 1}) t(i)""",
    f"""INSERT INTO hubspot_companies
        SELECT 5000 + i, {_TS}, {_TS} + INTERVAL 1 DAY, false, NULL, 'Company ' || i,
               'company' || i || '.example.com', 'SOFTWARE', '120', '1000000', 'US', 'Boston', 'lead'
        FROM range(1, {COMPANIES + 1}) t(i)""",
    f"""INSERT INTO hubspot_deals
        SELECT 9000 + i, {_TS}, {_TS} + INTERVAL 2 DAY, false, NULL, 'Deal ' || i,
               CAST(1000 * i AS VARCHAR), CASE WHEN i % 2 = 0 THEN 'closedwon' ELSE 'qualifiedtobuy' END,
               'default', '2026-01-15T00:00:00Z', NULL
        FROM range(1, {DEALS + 1}) t(i)""",
    f"""INSERT INTO hubspot_associations
        SELECT 'contacts', 1000 + i, 'companies', 5000 + 1 + (i % {COMPANIES}), 279
        FROM range(1, {CONTACTS + 1}) t(i)""",
    f"""INSERT INTO hubspot_associations
        SELECT 'deals', 9000 + i, 'contacts', 1000 + i, 3 FROM range(1, {DEALS + 1}) t(i)""",
    """INSERT INTO hubspot_email_campaigns VALUES
        (70001, 'March newsletter', 'News', TIMESTAMP '2025-09-01'),
        (70002, 'Webinar invite', 'Join us', TIMESTAMP '2025-10-01')""",
    f"""INSERT INTO hubspot_email_events
        SELECT 'ev' || lpad(CAST(i AS VARCHAR), 6, '0'),
               ['SENT', 'DELIVERED', 'OPEN', 'CLICK'][1 + i % 4],
               'person' || (1 + i % {CONTACTS}) || '@example.com',
               TIMESTAMP '2025-12-01' + INTERVAL (i * 10) MINUTE, 70001 + i % 2,
               CASE WHEN i % 4 = 3 THEN 'https://example.com/pricing' END
        FROM range(0, {EMAIL_EVENTS}) t(i)""",
    f"""INSERT INTO hubspot_forms VALUES
        ('{FORM_GUID}', 'Demo request', TIMESTAMP '2025-09-01'),
        ('3f6a1c2e-0000-4000-8000-000000000002', 'Newsletter signup', TIMESTAMP '2025-09-01')""",
    f"""INSERT INTO hubspot_form_submissions
        SELECT 'conv-' || i, '{FORM_GUID}', TIMESTAMP '2025-10-01' + INTERVAL (i) HOUR,
               'https://example.com/demo',
               '[{{"name":"email","value":"person' || i || '@example.com"}},'
               || '{{"name":"utm_campaign","value":"spring_search"}}]'
        FROM range(1, {FORM_SUBMISSIONS + 1}) t(i)""",
]

_SF_TS = "TIMESTAMP '2025-09-01' + INTERVAL (i) MINUTE"

_SALESFORCE = [
    f"""INSERT INTO salesforce_account
        SELECT '001' || lpad(CAST(i AS VARCHAR), 15, '0'), false, 'Company ' || i,
               'https://company' || i || '.example.com', 'Software', 120, 1000000.0, 'US',
               'Boston', '005000000000000001', {_SF_TS}, {_SF_TS}, {_SF_TS}
        FROM range(1, {ACCOUNTS + 1}) t(i)""",
    f"""INSERT INTO salesforce_lead
        SELECT '00Q' || lpad(CAST(i AS VARCHAR), 15, '0'), i % 50 = 0, 'Lead' || i, 'Person' || i,
               'lead' || i || '@example.com', 'Manager', 'Company ' || (i % 40), NULL, 'US',
               'Software', 50, 'Web', 'Open - Not Contacted', '005000000000000001', false,
               NULL, NULL, NULL, NULL, {_SF_TS}, {_SF_TS}, {_SF_TS}, NULL, NULL, NULL, NULL, NULL,
               'cust-' || i, NULL, NULL, NULL, NULL, NULL, false
        FROM range(1, {LEADS + 1}) t(i)""",
    f"""INSERT INTO salesforce_contact
        SELECT '003' || lpad(CAST(i AS VARCHAR), 15, '0'), false,
               '001' || lpad(CAST(1 + i % {ACCOUNTS} AS VARCHAR), 15, '0'), 'Contact' || i,
               'Person' || i, 'contact' || i || '@example.com', 'VP', NULL, 'US', 'Web',
               '005000000000000001', {_SF_TS}, {_SF_TS}, {_SF_TS}, NULL, NULL, NULL, NULL, NULL,
               'cust-c' || i, false
        FROM range(1, {SF_CONTACTS + 1}) t(i)""",
    f"""INSERT INTO salesforce_opportunity
        SELECT '006' || lpad(CAST(i AS VARCHAR), 15, '0'), false,
               '001' || lpad(CAST(1 + i % {ACCOUNTS} AS VARCHAR), 15, '0'), 'Opp ' || i,
               1000.0 * i, CASE WHEN i % 2 = 0 THEN 'Closed Won' ELSE 'Prospecting' END,
               CASE WHEN i % 2 = 0 THEN 100 ELSE 10 END, i % 2 = 0, i % 2 = 0,
               DATE '2026-01-15', NULL, 'Web', '005000000000000001', {_SF_TS}, {_SF_TS}, {_SF_TS}
        FROM range(1, {OPPORTUNITIES + 1}) t(i)""",
    f"""INSERT INTO salesforce_campaign
        SELECT '701' || lpad(CAST(i AS VARCHAR), 15, '0'), false, 'spring_search_' || i,
               'Advertisement', 'In Progress', DATE '2026-01-01', NULL, true, {_SF_TS}, {_SF_TS},
               {_SF_TS}
        FROM range(1, 4) t(i)""",
]

_HUBSPOT_TYPES = {
    "lifecyclestage": ("enumeration", "select"),
    "hs_lead_status": ("enumeration", "select"),
    "dealstage": ("enumeration", "select"),
    "pipeline": ("enumeration", "select"),
    "amount": ("number", "number"),
    "numberofemployees": ("number", "number"),
    "annualrevenue": ("number", "number"),
    "lead_score": ("number", "number"),
    "fit_score": ("number", "number"),
    "engagement_score": ("number", "number"),
    "closedate": ("datetime", "date"),
    "last_engagement_date": ("date", "date"),
    "hs_email_optout": ("enumeration", "booleancheckbox"),
}
_CUSTOM = ("lead_score", "lead_tier", "fit_score", "engagement_score", "last_engagement_date",
           "roundtrip_customer_id")  # fmt: skip
_BOOKKEEPING = ("id", "created_at", "updated_at", "archived", "archived_at")


def _define_hubspot_properties(con: duckdb.DuckDBPyConnection) -> None:
    rows = []
    for object_type in ("contacts", "companies", "deals"):
        columns = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            [f"hubspot_{object_type}"],
        ).fetchall()
        for (name,) in columns:
            if name in _BOOKKEEPING:
                continue
            kind, field_type = _HUBSPOT_TYPES.get(name, ("string", "text"))
            custom = name in _CUSTOM
            group = "roundtrip" if custom else f"{object_type[:-1]}information"
            label = name.replace("_", " ").title()
            rows.append((object_type, name, label, kind, field_type, group, not custom))
    con.executemany("INSERT INTO hubspot_properties VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


_SF_TYPES = {"BOOLEAN": "boolean", "TIMESTAMP": "datetime", "DATE": "date", "DOUBLE": "double",
             "INTEGER": "int"}  # fmt: skip
_SF_NAMES = {"Id": "id", "Email": "email", "Phone": "phone", "Amount": "currency",
             "AnnualRevenue": "currency", "Status": "picklist", "StageName": "picklist",
             "LeadSource": "picklist", "Industry": "picklist", "Type": "picklist",
             "Role": "picklist"}  # fmt: skip
_SF_READONLY = {"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp",
                "IsConverted", "IsClosed", "IsWon"}  # fmt: skip


def _define_salesforce_fields(con: duckdb.DuckDBPyConnection) -> None:
    tables = {
        "Lead": "salesforce_lead",
        "Contact": "salesforce_contact",
        "Account": "salesforce_account",
        "Opportunity": "salesforce_opportunity",
        "Campaign": "salesforce_campaign",
        "CampaignMember": "salesforce_campaign_member",
        "OpportunityContactRole": "salesforce_opportunity_contact_role",
    }
    rows = []
    for sobject, table in tables.items():
        columns = con.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        for name, data_type, nullable in columns:
            if name in _SF_NAMES:
                kind = _SF_NAMES[name]
            elif name.endswith("Id") and data_type == "VARCHAR":
                kind = "reference"
            else:
                kind = _SF_TYPES.get(data_type, "string")
            custom = name.endswith("__c")
            rows.append(
                (sobject, name, name.replace("__c", "").replace("_", " "), kind, custom,
                 nullable == "YES", name not in _SF_READONLY, name == "Roundtrip_Customer_Id__c")
            )  # fmt: skip
    con.executemany("INSERT INTO salesforce_fields VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
