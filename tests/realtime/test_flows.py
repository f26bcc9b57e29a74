"""The flows file: the shipped one is valid; each mistake is one line naming flow and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from realtime.flows import DEFAULT_FLOWS_FILE, FlowError, load_flows, parse_flows


def test_the_shipped_flows_parse() -> None:
    config = load_flows()
    assert [f.name for f in config.flows] == ["form_to_lead", "activity_to_task"]
    assert "demo-request" in config.forms and config.honeypot == "website"
    assert config.flows[0].fields["UTM_Campaign__c"] == "utm_campaign"


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_FLOWS_FILE.read_text())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["flows"][0]["fields"].update(Title="job_title"),
         "flow form_to_lead: fields.Title: 'job_title' is not an activity field"),
        (lambda r: r["flows"][0].update(action="send_fax"),
         "flow form_to_lead: action 'send_fax' is not one of upsert_lead, create_task"),
        (lambda r: r["flows"][1].update(activities=["webinar.attended"]),
         "flow activity_to_task: activities: 'webinar.attended' is not one of"),
        (lambda r: r["flows"][1].update(subject="{nope}"),
         "flow activity_to_task: subject '{nope}' uses an unknown placeholder"),
        (lambda r: r["flows"][0].update(colour="red"), "flow form_to_lead: unknown key(s) colour"),
        (lambda r: r["forms"].update({"bad id!": "x"}), "forms: 'bad id!' is not a form id"),
        (lambda r: r["flows"].append(dict(r["flows"][0])), "flow form_to_lead is declared twice"),
    ],
)  # fmt: skip
def test_a_mistake_is_one_line_naming_flow_and_key(edit, message: str) -> None:
    raw = shipped()
    edit(raw)
    with pytest.raises(FlowError) as caught:
        parse_flows(raw, "flows.yml")
    assert str(caught.value).startswith("flows.yml: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_or_broken_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="no such flows file"):
        load_flows(tmp_path / "nope.yml")
    broken = tmp_path / "flows.yml"
    broken.write_text("flows: [\n")
    with pytest.raises(FlowError, match="not valid YAML") as caught:
        load_flows(broken)
    assert "\n" not in str(caught.value)
