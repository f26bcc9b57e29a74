"""The `dbt_tests` check names each failed test with the model it tests (from the build's
manifest), so the alert of a build that blocked publishing says where to look."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from monitor.results import Status
from tests.monitor.conftest import MiniWarehouse

CHECK = json.dumps(
    [{"name": "dbt_tests", "kind": "dbt_tests", "owner": "data-eng", "schedule": "30 * * * *",
      "critical": 0, "severity": "high"}]
)  # fmt: skip
TEST = "test.roundtrip.not_null_stg_meta_ads__adset_daily_spend.1a2b3c"
MODEL = "model.roundtrip.stg_meta_ads__adset_daily"


def test_a_failed_test_is_named_with_its_model(mini: MiniWarehouse) -> None:
    target = mini.paths.work_dir / "dbt_target"
    target.mkdir(parents=True)
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"generated_at": "2026-12-05T11:00:00Z"},
                "args": {"which": "build"},
                "results": [
                    {"unique_id": TEST, "status": "fail", "failures": 7, "message": "Got 7"},
                    {"unique_id": MODEL, "status": "success", "message": "OK"},
                ],
            }
        )
    )
    (target / "manifest.json").write_text(
        json.dumps({"nodes": {TEST: {"attached_node": MODEL}, MODEL: {}}})
    )

    (result,) = mini.evaluate(CHECK, datetime(2026, 12, 5, 12, tzinfo=UTC))

    assert result.status is Status.FAIL
    assert result.message.endswith(
        "1 of 2 nodes failed in dbt build of 2026-12-05T11:00:00Z: "
        "not_null_stg_meta_ads__adset_daily_spend (test of stg_meta_ads__adset_daily)"
    )
    assert result.details["failures"][0]["model"] == "stg_meta_ads__adset_daily"
