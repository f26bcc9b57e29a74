"""Every registered vendor has every piece the README's "Adding a system" guide lists."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from connectors.client import VendorClient
from connectors.http.policy import VendorPolicy
from connectors.registry import VENDORS
from connectors.vendor import Vendor

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def sources_yaml(vendor: Vendor) -> dict:
    path = REPO / "dbt_project/models/staging" / vendor.name / f"_{vendor.name}__sources.yml"
    assert path.exists(), f"{vendor.name}: no dbt sources file {path.relative_to(REPO)}"
    (source,) = yaml.safe_load(path.read_text())["sources"]
    return source


@pytest.fixture(params=sorted(VENDORS))
def vendor(request: pytest.FixtureRequest) -> Vendor:
    return VENDORS[request.param]


def test_a_vendor_has_a_client_and_a_policy(vendor: Vendor) -> None:
    assert issubclass(vendor.client, VendorClient) and vendor.client.vendor == vendor.name
    assert issubclass(vendor.policy, VendorPolicy) and vendor.policy is not VendorPolicy
    assert vendor.credentials and vendor.api_version and vendor.freshness_hours > 0
    assert vendor.tables and all(t.key for t in vendor.tables)


def test_a_vendor_has_a_dlt_source(vendor: Vendor) -> None:
    module = importlib.import_module(f"pipelines.{vendor.name}")
    assert callable(module.source), f"pipelines/{vendor.name}.py has no `source`"


def test_a_writable_vendor_has_a_writer_and_read_back_columns(vendor: Vendor) -> None:
    if not vendor.writes:
        assert not (REPO / "reverse/writers" / f"{vendor.name}.py").exists()
        return
    writer = importlib.import_module(f"reverse.writers.{vendor.name}").Writer
    assert writer.vendor is vendor
    for target in vendor.writes:
        schema, model = target.read_back.split(".")
        assert schema == "staging"
        sql = REPO / "dbt_project/models/staging" / vendor.name / f"{model}.sql"
        assert sql.exists(), f"{vendor.name}: read-back model {model} does not exist"
        text = sql.read_text()
        for column in [target.read_back_id, *target.read_back_fields.values()]:
            assert f" as {column}" in text, f"{model} has no column {column}"


def test_a_vendor_has_staging_models_for_what_it_loads(vendor: Vendor) -> None:
    source = sources_yaml(vendor)
    assert source["name"] == vendor.name and source["schema"] == f"raw_{vendor.name}"
    declared = {t["name"] for t in source["tables"]}
    assert {t.name for t in vendor.tables} <= declared
    for table in vendor.tables:
        model = (
            REPO
            / "dbt_project/models/staging"
            / vendor.name
            / f"stg_{vendor.name}__{table.name}.sql"
        )
        assert model.exists(), f"{vendor.name}.{table.name}: no staging model {model.name}"


def test_dbt_freshness_comes_from_the_vendor(vendor: Vendor) -> None:
    freshness = sources_yaml(vendor)["freshness"]
    assert f"{vendor.name}_freshness_warn_hours" in str(freshness["warn_after"]["count"])
    assert f"{vendor.name}_freshness_error_hours" in str(freshness["error_after"]["count"])


def test_a_vendor_has_a_sandbox_stand_in(vendor: Vendor) -> None:
    assert (REPO / "sandbox/server" / f"{vendor.name}.py").exists()


def test_a_vendor_is_documented(vendor: Vendor) -> None:
    assert vendor.loads and vendor.method
    assert f"| {vendor.name} |" in README, f"README's systems table lacks {vendor.name}"
