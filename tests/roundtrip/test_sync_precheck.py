"""A vendor in trouble during a sync's destination check fails that sync as one line; the
other syncs run (Salesforce's daily allowance used up must not abort the HubSpot sync)."""

from __future__ import annotations

import pytest

from tests.conftest import Project
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SPECS = """
syncs:
  - name: hub_scores
    model: test.scores
    key: id
    destination: {system: hubspot, object: contacts, match_field: hs_object_id}
    mappings: [{from: score, to: lead_score}]
  - name: sf_leads
    model: test.leads
    key: id
    destination: {system: salesforce, object: Lead, match_field: Id}
    mappings: [{from: score, to: Lead_Score__c}]
"""


def test_quota_used_up_in_a_precheck_fails_that_sync_and_the_others_run(
    transformed_project: Project,
) -> None:
    sp = SyncProject(transformed_project)
    sp.add_model(
        "scores",
        "select crm_record_id as id, lead_score as score from marts.crm_record_scores "
        "where crm_system = 'hubspot' order by crm_record_id limit 30",
    )
    sp.add_model(
        "leads",
        "select crm_record_id as id, lead_score as score from marts.crm_record_scores "
        "where crm_object = 'Lead' order by crm_record_id limit 30",
    )
    sp.write_specs(SPECS)
    # the first call hits the concurrent limit (retried), the retry finds the allowance used up
    sp.faults("salesforce", "burst_429=1", "rate_limit=1/86400")

    result = sp.sync(check=False)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [x for x in (result.stdout + result.stderr).splitlines() if x.startswith("sf_leads:")]
    assert len(lines) == 1 and lines[0].startswith(
        "sf_leads: not run, checking its destination fields failed: salesforce:"
    ), lines
    assert "daily API allowance is used up" in lines[0]
    hub = sp.last_run("hub_scores")
    assert (hub["status"], hub["accepted"]) == ("succeeded", 30)
