"""The periodic audit against missed updates: a change the vendor stamps before the load's cursor
(an import, a merge, a restore) is missed by the incremental load; `roundtrip audit` finds it by
ids and stamps alone, refetches it by id through the load (merge), and counts it in `monitor`."""

from __future__ import annotations

import duckdb
import pytest

from monitor.history import connect_history, read_results
from sandbox.state import SandboxPaths
from tests.conftest import Project
from warehouse.audit_log import last_audits
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


IMPORTED = "006IMPORTED0000001"  # an opportunity imported with its old stamps


def backdate_changes(sandbox: SandboxPaths) -> tuple[str, str]:
    """Change one Salesforce opportunity and one HubSpot deal in the world directly, as a vendor
    import would, stamped a second after their old stamp (days before the load's cursor), and
    import a copy of the opportunity under a new id with the same old stamps.
    Returns (opportunity id, deal id)."""
    with duckdb.connect(str(sandbox.root / "world.duckdb")) as world:
        (opportunity,) = world.execute(
            "select Id from salesforce_opportunity where not IsDeleted and SystemModstamp < "
            "(select max(SystemModstamp) from salesforce_opportunity) - interval 3 day "
            "and Name <> 'Imported name' order by Id limit 1"
        ).fetchone()
        world.execute(
            "update salesforce_opportunity set Name = 'Imported name', "
            "SystemModstamp = SystemModstamp + interval 1 second, "
            "LastModifiedDate = LastModifiedDate + interval 1 second where Id = ?",
            [opportunity],
        )
        world.execute(
            "insert into salesforce_opportunity select * replace (? as Id) "
            "from salesforce_opportunity where Id = ?",
            [IMPORTED, opportunity],
        )
        (deal,) = world.execute(
            "select id from hubspot_deals where not archived and updated_at < "
            "(select max(updated_at) from hubspot_deals) - interval 3 day order by id limit 1"
        ).fetchone()
        world.execute(
            "update hubspot_deals set dealname = 'Imported deal', "
            "updated_at = updated_at + interval 1 second where id = ?",
            [deal],
        )
    return opportunity, str(deal)


def names(path: str, opportunity: str, deal: str) -> tuple[str, str]:
    with duckdb.connect(path, read_only=True) as con:
        (name,) = con.execute(
            "select name from raw_salesforce.opportunities where id = ?", [opportunity]
        ).fetchone()
        (dealname,) = con.execute(
            "select dealname from raw_hubspot.deals where cast(id as varchar) = ?", [deal]
        ).fetchone()
    return name, dealname


def test_a_backdated_change_is_missed_by_the_load_and_found_by_the_audit(
    project: Project,
) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "salesforce", "hubspot")
    opportunity, deal = backdate_changes(project.sandbox)

    project.roundtrip("load", "salesforce", "hubspot")
    missed = names(str(paths.published), opportunity, deal)
    assert missed != ("Imported name", "Imported deal")  # the cursor never sees them

    audit = project.roundtrip("audit")
    assert "salesforce.opportunities:" in audit.stdout
    assert f"2 missed (e.g. {IMPORTED},{opportunity}), 2 refetched" in audit.stdout
    assert f"1 missed (e.g. {deal}), 1 refetched" in audit.stdout
    assert names(str(paths.published), opportunity, deal) == ("Imported name", "Imported deal")
    with duckdb.connect(str(paths.published), read_only=True) as con:
        copies = con.execute(
            "select count(*) filter (where id = ?), count(*) filter (where id = ?) "
            "from raw_salesforce.opportunities",
            [opportunity, IMPORTED],
        ).fetchone()
    counted = [
        (r.system, r.table_name, r.found, r.refetched)
        for rows in last_audits(paths).values()
        for r in rows
        if r.found
    ]
    assert sorted(counted) == [("hubspot", "deals", 1, 1), ("salesforce", "opportunities", 2, 2)]
    assert copies == (1, 1)  # merged, not appended; the imported one added
    health = project.roundtrip("health", "missed_updates", check=False)
    assert health.returncode == 1, health.stdout  # found and refetched: a Low warning
    con = connect_history(paths)
    try:
        checked = {s.result.subject: s.result.message for s in read_results(con, last_runs=1)}
    finally:
        con.close()
    assert checked["salesforce"].endswith("found 2 missed update(s) (opportunities 2); refetched 2")

    again = project.roundtrip("audit")
    lines = again.stdout.splitlines()  # one per audited table, all in agreement now
    assert len(lines) >= 8 and all(line.endswith("; 0 missed") for line in lines), lines
