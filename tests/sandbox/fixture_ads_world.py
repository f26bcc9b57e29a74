"""A small, deterministic ad-platform world for the stand-in tests (built from sandbox/schema.sql).

Sizes are chosen so paging paths are exercised while staying fast: Google Ads has
`GOOGLE_DAILY_ROWS` ad-group days (more than one 10,000-row :search page), LinkedIn has more
than 15,000 campaign days over the whole range (a single request must be split by date).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import uvicorn

from sandbox.server.auth import TokenAuthority
from sandbox.server.common import VendorContext
from sandbox.state import SandboxPaths

SCHEMA = Path(__file__).resolve().parents[2] / "sandbox" / "schema.sql"

NOW = date(2026, 3, 1)
FIRST_DAY = NOW - timedelta(days=120)  # 120 days of history ending the day before NOW
# API versions live on the fixture's clock (connectors/api_versions.yml), for raw HTTP tests;
# Roundtrip's clients speak newer ones, so tests of them serve the world on a later clock.
LIVE_VERSIONS = {"google_ads": "v22", "meta_ads": "v24.0", "linkedin_ads": "202601"}
DAYS = 120

GOOGLE_CUSTOMER = "1234567890"
GOOGLE_CAMPAIGNS = 5  # campaign 3 is REMOVED
GOOGLE_AD_GROUPS_PER_CAMPAIGN = 20
GOOGLE_DAILY_ROWS = GOOGLE_CAMPAIGNS * GOOGLE_AD_GROUPS_PER_CAMPAIGN * DAYS  # 12,000

META_ACCOUNT = "111222333"
META_CAMPAIGNS = 4
META_ADSETS_PER_CAMPAIGN = 3

LINKEDIN_ACCOUNT = 505050
LINKEDIN_GROUPS = 5
LINKEDIN_CAMPAIGNS_PER_GROUP = 30  # 150 campaigns x 120 days = 18,000 rows

GA4_PROPERTY = "987654321"
GA4_CHANNELS = (
    ("google", "cpc", "spring_search"),
    ("facebook", "paid_social", "spring_social"),
    ("linkedin", "paid_social", "abm_q1"),
    ("newsletter", "email", "march_newsletter"),
    ("google", "organic", "(organic)"),
    ("(direct)", "(none)", "(direct)"),
)


CREDENTIALS: dict[str, Any] = {
    "google_ads": {
        "developer_token": "sbxDEVTOKEN0000000001",
        "client_id": "000000000001-sbx.apps.googleusercontent.com",
        "client_secret": "GOCSPX-sbx-google-secret",
        "refresh_token": "1//sbx-google-refresh",
        "customer_ids": [GOOGLE_CUSTOMER],
        "login_customer_id": GOOGLE_CUSTOMER,
    },
    "meta_ads": {"access_token": "EAAsbx-meta-token", "account_ids": [META_ACCOUNT]},
    "linkedin_ads": {
        "client_id": "sbx-li-client",
        "client_secret": "sbx-li-secret",
        "refresh_token": "AQsbx-li-refresh",
        "account_ids": [str(LINKEDIN_ACCOUNT)],
    },
    "ga4": {
        "client_id": "000000000002-sbx.apps.googleusercontent.com",
        "client_secret": "GOCSPX-sbx-ga4-secret",
        "refresh_token": "1//sbx-ga4-refresh",
        "property_id": GA4_PROPERTY,
    },
}


@contextmanager
def serve(
    vendor: str, create_app: Callable[[VendorContext], Any], state_dir: Path, today: date = NOW
) -> Iterator[VendorContext]:
    """Run one vendor's stand-in over `state_dir/world.duckdb` on a loopback port (a thread),
    its clock at `today` (versions are judged on it; the data ends the day before NOW)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    paths = SandboxPaths(state_dir)
    db = duckdb.connect(str(paths.world_db))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    now = datetime.combine(today, datetime.min.time())
    ctx = VendorContext(vendor, paths, db, url, CREDENTIALS, TokenAuthority(CREDENTIALS), now)
    config = uvicorn.Config(create_app(ctx), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield ctx
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        db.close()


def build_ads_world(path: Path) -> Path:
    """Create `path` (a world.duckdb) with the schema and the fixture's ad and GA4 rows."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA.read_text())
        con.execute(
            "INSERT INTO world_meta VALUES ('seed', '1'), ('scale', 'fixture'), "
            "('now', ?), ('format_version', '1')",
            [f"{NOW.isoformat()}T00:00:00"],
        )
        params = {"first": FIRST_DAY, "days": DAYS}
        for statement in _STATEMENTS:
            con.execute(statement, _used(statement, params))
    finally:
        con.close()
    return path


def _used(statement: str, params: dict) -> dict:
    return {k: v for k, v in params.items() if f"${k}" in statement}


_DAYS = "range(0, $days) AS t(n)"

_STATEMENTS = [
    # ---------------------------------------------------------------- Google Ads
    f"""INSERT INTO google_ads_campaigns
        SELECT '{GOOGLE_CUSTOMER}', 1000 + i, 'gads_campaign_' || i,
               CASE WHEN i = 3 THEN 'REMOVED' WHEN i = 4 THEN 'PAUSED' ELSE 'ENABLED' END,
               CASE WHEN i % 2 = 0 THEN 'SEARCH' ELSE 'DISPLAY' END, DATE '2025-01-01'
        FROM range(1, {GOOGLE_CAMPAIGNS + 1}) AS c(i)""",
    f"""INSERT INTO google_ads_ad_groups
        SELECT '{GOOGLE_CUSTOMER}', (1000 + i) * 100 + j, 1000 + i, 'ad_group_' || i || '_' || j,
               'ENABLED'
        FROM range(1, {GOOGLE_CAMPAIGNS + 1}) AS c(i),
             range(1, {GOOGLE_AD_GROUPS_PER_CAMPAIGN + 1}) AS g(j)""",
    f"""INSERT INTO google_ads_ad_group_daily
        SELECT customer_id, ad_group_id, campaign_id, $first + n::INTEGER,
               100 + (ad_group_id + n) % 50, 10 + (ad_group_id + n) % 7,
               1000000 * (1 + (ad_group_id + n) % 5), ((ad_group_id + n) % 3) * 0.5
        FROM google_ads_ad_groups, {_DAYS}""",
    # ---------------------------------------------------------------- Meta
    f"""INSERT INTO meta_campaigns
        SELECT '{META_ACCOUNT}', (23850000000 + i)::VARCHAR, 'meta_campaign_' || i,
               'OUTCOME_LEADS', CASE WHEN i = 4 THEN 'PAUSED' ELSE 'ACTIVE' END,
               TIMESTAMP '2025-06-01 10:00:00' + INTERVAL (i) DAY,
               TIMESTAMP '2026-02-01 08:30:00' + INTERVAL (i) HOUR
        FROM range(1, {META_CAMPAIGNS + 1}) AS c(i)""",
    f"""INSERT INTO meta_adsets
        SELECT '{META_ACCOUNT}', (23860000000 + i * 10 + j)::VARCHAR,
               (23850000000 + i)::VARCHAR, 'meta_adset_' || i || '_' || j, 'ACTIVE'
        FROM range(1, {META_CAMPAIGNS + 1}) AS c(i),
             range(1, {META_ADSETS_PER_CAMPAIGN + 1}) AS a(j)""",
    f"""INSERT INTO meta_adset_daily
        SELECT account_id, adset_id, campaign_id, $first + n::INTEGER,
               500 + (adset_id::BIGINT + n) % 90, 5 + (adset_id::BIGINT + n) % 11,
               ((adset_id::BIGINT + n) % 400) / 10.0 + 0.25, (adset_id::BIGINT + n) % 3
        FROM meta_adsets, {_DAYS}""",
    # ---------------------------------------------------------------- LinkedIn
    f"""INSERT INTO linkedin_campaign_groups
        SELECT {LINKEDIN_ACCOUNT}, 600000 + i, 'li_group_' || i, 'ACTIVE'
        FROM range(1, {LINKEDIN_GROUPS + 1}) AS g(i)""",
    f"""INSERT INTO linkedin_campaigns
        SELECT {LINKEDIN_ACCOUNT}, 700000 + i * 100 + j, 600000 + i, 'li_campaign_' || i || '_' || j,
               CASE WHEN j = 1 THEN 'PAUSED' ELSE 'ACTIVE' END,
               CASE WHEN j % 2 = 0 THEN 'SPONSORED_UPDATES' ELSE 'TEXT_AD' END
        FROM range(1, {LINKEDIN_GROUPS + 1}) AS g(i),
             range(1, {LINKEDIN_CAMPAIGNS_PER_GROUP + 1}) AS c(j)""",
    f"""INSERT INTO linkedin_campaign_daily
        SELECT account_id, id, $first + n::INTEGER, 200 + (id + n) % 40, 2 + (id + n) % 9,
               ((id + n) % 900) / 10.0 + 0.5, (id + n) % 2
        FROM linkedin_campaigns, {_DAYS}""",
    # ---------------------------------------------------------------- GA4
    """INSERT INTO ga4_daily
        SELECT '"""
    + GA4_PROPERTY
    + """', $first + n::INTEGER, src, med, camp,
               50 + (k * 7 + n) % 30, 40 + (k * 7 + n) % 25, 30 + (k * 5 + n) % 20, (k + n) % 4
        FROM (VALUES """
    + ", ".join(f"({k}, '{s}', '{m}', '{c}')" for k, (s, m, c) in enumerate(GA4_CHANNELS))
    + """) AS ch(k, src, med, camp), """
    + _DAYS,
]
