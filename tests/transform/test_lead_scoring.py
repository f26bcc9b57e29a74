"""Lead scoring against the sandbox truth: out-of-time ROC-AUC (score as of an earlier date, judge by
later conversions) and the shape of marts.lead_scores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from roundtrip.settings import load_settings
from roundtrip.stages.transform import DBT_PROJECT, dbt_environment, dbt_vars
from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow

# ~78 days before the world's "now" (2026-11-01): enough later conversions to judge by.
SCORING_DATE = date(2026, 8, 15)


def roc_auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    rank_sum, positives, i = 0.0, 0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        tied_positives = sum(1 for _, label in ranked[i:j] if label)
        rank_sum += average_rank * tied_positives
        positives += tied_positives
        i = j
    negatives = len(ranked) - positives
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def test_roc_auc_helper() -> None:
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert roc_auc([1, 1], [True, False]) == 0.5


def rescore_as_of(project: Project, scoring_date: date, root: Path) -> Path:
    """Copy the published warehouse and rebuild the scoring models on it as of `scoring_date`."""
    paths = WarehousePaths(root).ensure()
    shutil.copy2(project.warehouse / "roundtrip.duckdb", paths.working)
    selection = "int_scoring_dates_resolved int_lead_score_factors_computed lead_scores"
    # the project's vars (the sources' freshness thresholds have no default) plus the date
    dbt_vars_json = json.dumps(
        {**dbt_vars(load_settings(project.root)), "scoring_date": scoring_date.isoformat()}
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "run",
            "--select",
            selection,
            "--vars",
            dbt_vars_json,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
        ],
        env={**os.environ, **dbt_environment(paths)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return paths.working


def test_out_of_time_auc(transformed: Project, tmp_path: Path) -> None:
    """Score as of SCORING_DATE; among people not converted by then, lead_score must rank those who
    convert later above those who do not."""
    working = rescore_as_of(transformed, SCORING_DATE, tmp_path / "warehouse")
    with duckdb.connect(str(working), read_only=True) as con:
        con.execute(f"ATTACH '{transformed.sandbox.truth_db}' AS truth (READ_ONLY)")
        assert con.execute("SELECT DISTINCT scoring_date FROM marts.lead_scores").fetchall() == [
            (SCORING_DATE,)
        ]
        rows = con.execute(
            """WITH person_scores AS (
                SELECT t.person_id, max(s.lead_score) AS lead_score
                FROM marts.lead_scores s
                JOIN marts.customer_identity_map m USING (customer_id)
                JOIN truth.record_person t
                  ON m.source_system = t.system AND m.source_object = t.object
                 AND m.source_record_id = t.record_id
                GROUP BY t.person_id)
            SELECT p.lead_score, coalesce(o.converted_at >= ?::DATE + 1, false)
            FROM person_scores p JOIN truth.person_outcome o USING (person_id)
            WHERE NOT coalesce(o.converted_at < ?::DATE + 1, false)""",
            [SCORING_DATE, SCORING_DATE],
        ).fetchall()
    scores = [row[0] for row in rows]
    labels = [row[1] for row in rows]
    auc = roc_auc(scores, labels)
    print(
        f"lead scoring: out-of-time ROC-AUC {auc:.3f} ({sum(labels)} of {len(rows)} converted later)"
    )
    assert sum(labels) >= 30, "too few later conversions to judge by"
    # Reached at seed 7, scale S: 0.878 (goal 0.80); 0.80 without the opportunity_opened activity.
    assert auc >= 0.85, f"out-of-time ROC-AUC {auc:.3f}"


def test_lead_scores_cover_every_customer(transformed: Project) -> None:
    with duckdb.connect(str(transformed.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        unscored = con.execute(
            "SELECT count(*) FROM marts.customers WHERE lead_score IS NULL"
        ).fetchone()[0]
        tiers = dict(
            con.execute("SELECT lead_tier, count(*) FROM marts.lead_scores GROUP BY 1").fetchall()
        )
        versions = con.execute(
            "SELECT DISTINCT score_model_version FROM marts.lead_scores"
        ).fetchall()
        factors = con.execute(
            "SELECT count(*) FROM marts.lead_scores WHERE lead_score > 0 AND top_factors IS NULL"
        ).fetchone()[0]
    assert unscored == 0
    assert set(tiers) == {"A", "B", "C", "D"}
    assert versions == [("rules-v1",)]
    assert factors == 0
