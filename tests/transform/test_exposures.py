"""dbt exposures stay in step with the reverse syncs: each sync of reverse/syncs.yml is an exposure
that depends on the sync's model, so dbt's lineage shows mart → CRM."""

from __future__ import annotations

import yaml

from tests.conftest import REPO


def test_every_reverse_sync_is_an_exposure_on_its_model() -> None:
    syncs = yaml.safe_load((REPO / "reverse" / "syncs.yml").read_text())
    default_model = syncs["defaults"]["model"]
    exposures = {
        e["name"]: e
        for e in yaml.safe_load(
            (REPO / "dbt_project" / "models" / "exposures" / "_exposures.yml").read_text()
        )["exposures"]
    }
    for sync in syncs["syncs"]:
        model = sync.get("model", default_model).rpartition(".")[2]
        exposure = exposures.get(sync["name"])
        assert exposure is not None, f"reverse sync {sync['name']} has no dbt exposure"
        assert f"ref('{model}')" in exposure["depends_on"], sync["name"]
        assert exposure["type"] == "application"
