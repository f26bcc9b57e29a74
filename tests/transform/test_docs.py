"""`roundtrip docs`: the data dictionary covers and describes every mart column."""

from __future__ import annotations

import csv

import duckdb
import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dictionary(transformed: Project) -> list[dict[str, str]]:
    transformed.roundtrip("docs")
    with (transformed.root / "docs" / "data_dictionary.csv").open() as f:
        return list(csv.DictReader(f))


def test_every_mart_column_is_in_the_dictionary_with_a_description(
    transformed: Project, dictionary: list[dict[str, str]]
) -> None:
    with duckdb.connect(str(transformed.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        mart_columns = set(
            con.execute(
                "select table_schema || '.' || table_name, column_name "
                "from information_schema.columns where table_schema = 'marts'"
            ).fetchall()
        )
        undocumented_in_duckdb = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and (comment is null or comment = '')"
        ).fetchall()
    listed = {(row["Model"], row["Field"]) for row in dictionary}
    assert mart_columns <= listed
    missing = [(r["Model"], r["Field"]) for r in dictionary if not r["Description"].strip()]
    assert missing == [], f"mart columns without a description: {missing}"
    assert undocumented_in_duckdb == [], "descriptions must be persisted as DuckDB comments"


def test_dictionary_rows_carry_type_lineage_and_pii(dictionary: list[dict[str, str]]) -> None:
    for row in dictionary:
        assert row["Data Type"] and row["Source System"] and row["Lineage"]
    emails = [r for r in dictionary if r["Field"].lower() == "email"]
    assert emails and all(r["PII"] == "yes" for r in emails)
    assert all("@" not in r["Example"] for r in emails)


def test_integration_map_lists_every_enabled_system(
    transformed: Project, dictionary: list[dict[str, str]]
) -> None:
    text = (transformed.root / "docs" / "integration_map.md").read_text()
    for system in ("hubspot", "salesforce", "google_ads", "meta_ads", "linkedin_ads", "ga4"):
        assert f"| {system} (sandbox stand-in) | DuckDB `raw_{system}`" in text
    assert "| DuckDB `crm_record_scores` | salesforce Lead (by Id) | Lead_Score__c," in text
    assert "(`roundtrip sync hubspot_contact_scores`)" in text
    flows = [
        line for line in text.splitlines() if "real-time, seconds" in line and "flow `" in line
    ]
    assert [("form_to_lead" in flows[0]), ("activity_to_task" in flows[1])] == [True, True]
    two_way = [line for line in text.splitlines() if line.startswith("| contacts_two_way |")]
    assert two_way and all("real-time, seconds" in line for line in two_way)
    assert "| Salesforce Lead, Contact changes | event inbox" in text


def test_dictionary_lineage_follows_every_union_branch_and_pii_tags(
    transformed: Project, dictionary: list[dict[str, str]]
) -> None:
    rows = {(r["Model"], r["Field"]): r for r in dictionary}
    spend = rows[("marts.campaign_performance_daily", "spend")]
    assert spend["Source System"] == "google_ads, linkedin_ads, meta_ads"
    assert spend["Business Type"] == "Currency" and spend["Data Type"].startswith("DECIMAL")
    assert "raw_meta_ads.adset_daily.spend" in spend["Lineage"]
    assert "salesforce" in rows[("marts.customers", "salesforce_lead_id")]["Source System"]
    assert rows[("marts.campaign_performance_daily", "channel")]["Lineage"] == (
        "seed channel_taxonomy.channel"
    )
    assert rows[("marts.campaign_performance_daily", "date_day")]["Business Type"] == "Date"
    opens = rows[("marts.customers", "email_opens_30d")]
    assert opens["PII"] == "no" and opens["Example"] != "(personal data: not shown)"
    email = rows[("marts.customers", "email")]
    assert email["PII"] == "yes" and email["Example"] == "(personal data: not shown)"
    text = (transformed.root / "docs" / "data_dictionary.md").read_text()
    assert "| cost_per_lead | Cost per lead (CPL) | `spend / leads` |" in text
    for model in {m for m, _ in rows}:
        section = text.split(f"## {model}\n", 1)[1]
        assert section.lstrip().startswith("**Grain:**"), model
