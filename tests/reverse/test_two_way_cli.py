"""`roundtrip sync` with the shipped two-way sync on the sandbox: a bad mapping stops it before
anything is sent (one line, exit 2), the dry run shows per field before → after and the rule,
`roundtrip status` shows both directions, and the state is mirrored into the warehouse."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from reverse.specs import DEFAULT_SPECS
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            {"map": "fax_number", "crm": "Fax"},
            "two-way sync contacts_two_way: field fax_number: HubSpot contacts 'fax_number' does not exist",
        ),
        (
            {"map": "lifecyclestage", "crm": {"Lead": "Status"}, "direction": "crm_to_map",
             "values": {"Open - Not Contacted": "prospect"}},
            "two-way sync contacts_two_way: field lifecyclestage: HubSpot contacts 'lifecyclestage': "
            "value 'prospect' is not one of its options",
        ),
        (
            {"map": "phone", "crm": "CreatedDate", "direction": "map_to_crm"},
            "two-way sync contacts_two_way: field phone: Salesforce Lead 'CreatedDate' is read-only",
        ),
    ],
)  # fmt: skip
def test_a_bad_mapping_is_one_line_and_exit_2_before_anything_is_sent(
    sp: SyncProject, field: dict, message: str
) -> None:
    spec = {"syncs": [], "two_way": [{"name": SYNC, "fields": [field]}]}
    sp.write_specs(yaml.safe_dump(spec))
    result = sp.sync(SYNC, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {message}") and line.endswith("nothing was sent"), line
    with sp.world() as world:
        assert world.execute("select count(*) from hubspot_property_history").fetchone()[0] == 0


def test_dry_run_then_run_then_status_and_the_mirrored_state(sp: SyncProject) -> None:
    sp.write_specs(DEFAULT_SPECS.read_text())
    dry = sp.sync("--dry-run", SYNC)
    changes = [line for line in dry.stdout.splitlines() if " → " in line and "(" in line]
    assert changes, dry.stdout
    assert any("(fill empty)" in line for line in changes)
    assert any(line.startswith(f"{SYNC}: Salesforce ") for line in changes)
    assert "not synced: HubSpot contact" in dry.stdout  # ambiguous emails, with the reason
    with sp.world() as world:
        assert world.execute("select count(*) from hubspot_property_history").fetchone()[0] == 0
        unsubscribed_before = _unsubscribed(world)

    sp.sync(SYNC)
    with sp.world() as world:
        unsubscribes = _unsubscribed(world) - unsubscribed_before
    with sp.state() as con:  # HubSpot's limit counts requests: every one of the send is counted
        records, requests = con.execute(
            "select map_records, map_requests from two_way_runs order by started_at desc"
        ).fetchone()
    assert unsubscribes > 0 and requests >= -(-(records - unsubscribes) // 100) + unsubscribes
    status = sp.project.roundtrip("status")
    assert "hubspot → salesforce" in status.stdout and "salesforce → hubspot" in status.stdout
    assert "two-way sync" in status.stdout

    sp.project.roundtrip("transform")  # publishing mirrors the state into the warehouse
    published = sp.project.warehouse / "roundtrip.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        links = con.execute("select count(*) from reverse.two_way_links").fetchone()[0]
        conflicts = con.execute(
            "select count(*), count(*) filter (where winner in ('map', 'crm')) "
            "from reverse.sync_conflicts"
        ).fetchone()
        unlinked = con.execute("select count(*) from reverse.two_way_unlinked").fetchone()[0]
    assert links > 1000 and conflicts[0] == conflicts[1] > 0 and unlinked > 0


def _unsubscribed(world: duckdb.DuckDBPyConnection) -> int:
    return world.execute("select count(*) from hubspot_unsubscribed_all").fetchone()[0]


def test_with_salesforce_disabled_the_two_way_syncs_are_skipped_unless_named(
    sp: SyncProject,
) -> None:
    shipped = yaml.safe_load(DEFAULT_SPECS.read_text())
    hubspot_only = {**shipped, "syncs": shipped["syncs"][:1]}  # keeps `defaults` and `two_way`
    sp.write_specs(yaml.safe_dump(hubspot_only))
    off = {"ROUNDTRIP_SALESFORCE_ENABLED": "false"}
    result = sp.sync("--dry-run", **off)
    assert "two-way syncs skipped: salesforce disabled" in result.stdout
    named = sp.sync("--dry-run", SYNC, check=False, **off)
    assert named.returncode == 2 and "salesforce" in named.stderr and "disabled" in named.stderr


def test_rate_limits_5xx_and_token_expiry_lose_nothing(sp: SyncProject) -> None:
    sp.faults(
        "hubspot",
        "burst_429=4",
        "retry_after=1",
        "error_rate=0.25",
        "error_retry_after=0",
        "seed=3",
    )
    sp.faults("salesforce", "token_ttl=1", "latency_ms=150")
    sp.project.roundtrip("sync", SYNC)
    with sp.state() as con:
        status, rejects, writes = con.execute(
            "select status, rejects, to_map + to_crm from two_way_runs order by started_at desc"
        ).fetchone()
    assert (status, rejects) == ("succeeded", 0) and writes > 1000
    sp.project.roundtrip("sandbox", "faults", "hubspot", "--clear")
    sp.project.roundtrip("sandbox", "faults", "salesforce", "--clear")
    sp.project.roundtrip("load", "hubspot", "salesforce")
    sp.project.roundtrip("transform")
    sp.project.roundtrip("sync", SYNC)  # every write landed: the read-back holds the values
    with sp.state() as con:
        after = con.execute(
            "select to_map + to_crm, requests from two_way_runs order by started_at desc"
        ).fetchone()
    assert after == (0, 0)
