"""Resource selection: `roundtrip load hubspot.contacts --exclude …` reads only what it names and
leaves every other table's rows and dlt cursors as they were (pipelines/selection.py)."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb
import pytest

from connectors.registry import VENDORS
from pipelines.runner import _refresh_mode
from pipelines.selection import SelectionError, accepted_names, select
from roundtrip.settings import load_settings
from roundtrip.stages.status import status
from tests.conftest import Project
from tests.pipelines.reconcile import differences
from warehouse.location import WarehousePaths

ENABLED = ["hubspot", "salesforce", "ga4"]


def test_tables_systems_and_excludes_resolve_against_the_registry() -> None:
    assert select([], [], ENABLED).tables == dict.fromkeys(ENABLED)
    assert select(["salesforce", "ga4"], [], ENABLED).tables == {"salesforce": None, "ga4": None}
    chosen = select(["salesforce.leads", "salesforce.campaigns"], [], ENABLED)
    assert chosen.tables == {"salesforce": ("leads", "campaigns")}
    assert chosen.describe("salesforce") == "leads, campaigns" and chosen.notes == ()
    everything_but = select([], ["salesforce", "hubspot.email_events"], ENABLED).tables
    assert list(everything_but) == ["hubspot", "ga4"] and everything_but["ga4"] is None
    assert "email_events" not in everything_but["hubspot"]
    assert everything_but["hubspot"] == tuple(
        t.name for t in VENDORS["hubspot"].tables if t.name != "email_events"
    )


def test_associations_load_with_the_objects_they_are_read_for() -> None:
    chosen = select(["hubspot.contacts", "hubspot.deals"], [], ENABLED)
    assert chosen.tables == {
        "hubspot": ("contacts", "deals", "contact_companies", "deal_contacts", "deal_companies")
    }
    assert chosen.notes == (
        "hubspot: also loading contact_companies, deal_companies, deal_contacts "
        "(read together with contacts, deals)",
    )
    assert select(["hubspot.contact_companies"], [], ENABLED).tables == {
        "hubspot": ("contacts", "contact_companies")
    }
    # excluding a pair whole is fine
    kept = select(["hubspot"], ["hubspot.contacts", "hubspot.contact_companies"], ENABLED)
    assert "contacts" not in kept.tables["hubspot"]


@pytest.mark.parametrize(
    ("names", "exclude", "message"),
    [
        (["hubspot.contact"], [], "unknown table 'hubspot.contact'; accepted: hubspot, "),
        (["hubspot", "hubsport"], [], "unknown system 'hubsport'; accepted: hubspot, "),
        ([], ["ga4.traffic"], "unknown table 'ga4.traffic'; accepted: hubspot, "),
        (
            ["hubspot.contacts"],
            ["hubspot.contact_companies"],
            "cannot exclude hubspot.contact_companies: it is read together with hubspot.contacts",
        ),
        (["ga4"], ["ga4"], "nothing left to load"),
    ],
)
def test_a_bad_name_is_one_error_naming_it(
    names: list[str], exclude: list[str], message: str
) -> None:
    with pytest.raises(SelectionError) as raised:
        select(names, exclude, ENABLED)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    if "accepted" in message:
        assert str(raised.value).endswith(", ".join(accepted_names()))


def test_a_full_refresh_of_some_tables_drops_only_theirs() -> None:
    assert _refresh_mode(True, False, ("contacts", "contact_companies")) == "drop_resources"
    assert _refresh_mode(True, False, None) == "drop_sources"
    assert _refresh_mode(False, True, ("contacts",)) == "drop_sources"  # state lost: all of it
    assert _refresh_mode(False, False, ("contacts",)) is None


def test_the_cli_refuses_an_unknown_name_with_one_line_and_exit_2(project: Project) -> None:
    refused = project.roundtrip("load", "hubspot.contacts", "salesforce.lead", check=False)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"Error: unknown table 'salesforce.lead'; accepted: {', '.join(accepted_names())}"
    ]
    assert not WarehousePaths(project.warehouse).working.exists()  # nothing was started


def _cursors(paths: WarehousePaths) -> dict[str, object]:
    """HubSpot's saved cursor per resource (dlt state in the pipeline folder)."""
    pipeline = dlt.attach(pipeline_name="roundtrip_hubspot", pipelines_dir=str(paths.dlt_dir))
    resources = pipeline.state["sources"]["hubspot"]["resources"]
    return {
        name: incremental["last_value"]
        for name, state in resources.items()
        for incremental in state.get("incremental", {}).values()
    }


def _counts(path: Path) -> dict[str, tuple[int, int]]:
    """Rows and a content hash of every raw_hubspot table."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t.name for t in VENDORS["hubspot"].tables]
        return {
            t: con.execute(
                f"select count(*), coalesce(bit_xor(hash(columns(* exclude (_dlt_load_id)))), 0) "
                f"from raw_hubspot.{t}"
            ).fetchone()
            for t in tables
        }


@pytest.mark.slow
def test_a_partial_load_leaves_the_other_tables_alone_and_a_full_load_catches_up(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "hubspot")
    cursors, counts = _cursors(paths), _counts(paths.published)
    project.roundtrip("sandbox", "advance", "--days", "1")

    partial = project.roundtrip("load", "hubspot.contacts")

    assert (
        "hubspot: also loading contact_companies (read together with contacts)"
        in partial.stderr.splitlines()
    )
    assert "hubspot: reading contacts, contact_companies only" in partial.stderr
    after_cursors, after_counts = _cursors(paths), _counts(paths.published)  # it was published
    assert after_cursors["contacts"] > cursors["contacts"]
    assert after_counts["contacts"] != counts["contacts"]
    for table in ("companies", "deals", "deal_contacts", "deal_companies", "email_events"):
        assert after_counts[table] == counts[table], table
    untouched = {k: v for k, v in cursors.items() if k != "contacts"}
    assert {k: after_cursors[k] for k in untouched} == untouched
    with duckdb.connect(str(paths.published), read_only=True) as con:
        ran = con.execute(
            "select r.resources, list(rr.resource order by rr.resource) from monitor.load_runs r "
            "join monitor.load_resource_runs rr using (run_id, system) "
            "where r.run_id = (select max(run_id) from monitor.load_runs) group by all"
        ).fetchall()
    assert ran == [("contacts, contact_companies", ["contact_companies", "contacts"])]
    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    (hubspot,) = [i for i in status(load_settings()).integrations if i.name == "hubspot"]
    assert hubspot.last_run.endswith(" UTC (contacts, contact_companies only)")

    project.roundtrip("load", "hubspot")
    assert differences(paths.published, project.sandbox.world_db, "hubspot") == []
    caught_up = _cursors(paths)
    assert all(caught_up[k] >= v for k, v in cursors.items())
    assert caught_up["deals"] > cursors["deals"]
