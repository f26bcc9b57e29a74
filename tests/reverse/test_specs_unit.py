"""The sync spec parser (reverse/specs.py): defaults, every shape error with its message (which
names the file, the sync and the setting), and the shipped reverse/syncs.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reverse.specs import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_SPECS,
    Destination,
    Mapping,
    SpecError,
    SyncSpec,
    load_specs,
    model_relation,
    select_specs,
)
from tests.reverse.unit_support import make_spec

BASE: dict[str, Any] = {
    "name": "scores",
    "model": "marts.scores",
    "key": "id",
    "destination": {"system": "hubspot", "object": "contacts", "match_field": "hs_object_id"},
    "mappings": [{"from": "score", "to": "lead_score"}, {"from": "tier", "to": "lead_tier"}],
}
WHERE = "syncs.yml syncs[0] (scores)"  # how messages name the file and the first sync
DROP = object()  # an override that removes the setting


def sync(**overrides: Any) -> dict[str, Any]:
    """BASE with settings replaced (or removed with DROP)."""
    merged = {**BASE, **overrides}
    return {k: v for k, v in merged.items() if v is not DROP}


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "syncs.yml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
    return path


def load(tmp_path: Path, *syncs: Any, defaults: dict[str, Any] | None = None) -> list[SyncSpec]:
    document: dict[str, Any] = {"syncs": list(syncs)}
    if defaults is not None:
        document["defaults"] = defaults
    return load_specs(write(tmp_path, document))


def error(tmp_path: Path, *syncs: Any, defaults: dict[str, Any] | None = None) -> str:
    with pytest.raises(SpecError) as exc:
        load(tmp_path, *syncs, defaults=defaults)
    return str(exc.value)


# --------------------------------------------------------------------------- parsing


def test_a_minimal_sync_gets_the_defaults(tmp_path: Path) -> None:
    [spec] = load(tmp_path, sync())
    assert spec == SyncSpec(
        name="scores",
        model="marts.scores",
        key="id",
        destination=Destination("hubspot", "contacts", "hs_object_id"),
        mode="update",
        mappings=(Mapping("score", "lead_score"), Mapping("tier", "lead_tier")),
        null_policy="keep",
        batch_size=None,
        schedule="0 * * * *",
        max_attempts=DEFAULT_MAX_ATTEMPTS,
        filter={},
        description="",
    )
    assert DEFAULT_MAX_ATTEMPTS == 5
    assert spec.fields == ["lead_score", "lead_tier"]


def test_every_setting_is_read(tmp_path: Path) -> None:
    [spec] = load(
        tmp_path,
        sync(
            mode="mirror",
            null_policy="clear",
            batch_size=50,
            schedule="*/5 * * * *",
            max_attempts=2,
            filter={"crm_system": "hubspot", "active": True, "tier_rank": 1},
            description="Scores.",
        ),
    )
    assert (spec.mode, spec.null_policy, spec.batch_size, spec.schedule, spec.max_attempts) == (
        "mirror",
        "clear",
        50,
        "*/5 * * * *",
        2,
    )
    assert spec.filter == {"crm_system": "hubspot", "active": True, "tier_rank": 1}
    assert spec.description == "Scores."


def test_the_defaults_section_applies_unless_a_sync_overrides_it(tmp_path: Path) -> None:
    defaults = {"model": "crm_record_scores", "key": "crm_record_id", "mode": "mirror"}
    first, second = load(
        tmp_path,
        sync(name="first", model=DROP, key=DROP, mode=DROP),
        sync(name="second", model="marts.other", mode="upsert"),
        defaults=defaults,
    )
    assert (first.model, first.key, first.mode) == ("crm_record_scores", "crm_record_id", "mirror")
    assert (second.model, second.key, second.mode) == ("marts.other", "id", "upsert")


@pytest.mark.parametrize(
    ("model", "relation"),
    [
        ("crm_record_scores", ("marts", "crm_record_scores")),
        ("test.scores", ("test", "scores")),
        ("analytics.marts.scores", ("analytics.marts", "scores")),
    ],
)
def test_model_relation(model: str, relation: tuple[str, str]) -> None:
    assert model_relation(make_spec(model=model)) == relation


def test_the_shipped_specs_parse() -> None:
    specs = load_specs()
    assert DEFAULT_SPECS.name == "syncs.yml" and DEFAULT_SPECS.parent.name == "reverse"
    assert [s.name for s in specs] == [
        "hubspot_contact_scores",
        "salesforce_lead_scores",
        "salesforce_contact_scores",
    ]
    for spec in specs:  # the file's defaults
        assert (spec.model, spec.key, spec.mode, spec.null_policy) == (
            "crm_record_scores",
            "crm_record_id",
            "update",
            "keep",
        )
        assert (spec.max_attempts, spec.schedule, spec.batch_size) == (5, "15 * * * *", None)
        assert model_relation(spec) == ("marts", "crm_record_scores")
        assert [m.column for m in spec.mappings] == [
            "lead_score",
            "lead_tier",
            "fit_score",
            "engagement_score",
            "last_engagement_date",
        ]
        assert spec.description
    hubspot, lead, contact = specs
    assert hubspot.destination == Destination("hubspot", "contacts", "hs_object_id")
    assert hubspot.filter == {"crm_system": "hubspot", "crm_object": "contacts"}
    assert hubspot.fields == [m.column for m in hubspot.mappings]
    assert lead.destination == Destination("salesforce", "Lead", "Id")
    assert lead.filter == {"crm_system": "salesforce", "crm_object": "Lead"}
    assert contact.destination == Destination("salesforce", "Contact", "Id")
    assert contact.mappings == lead.mappings  # the YAML anchor
    assert lead.fields == [
        "Lead_Score__c",
        "Lead_Tier__c",
        "Fit_Score__c",
        "Engagement_Score__c",
        "Last_Engagement_Date__c",
    ]


# --------------------------------------------------------------------------- shape errors


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": "merge"}, "`mode` must be one of update, upsert, mirror, got 'merge'"),
        ({"mode": None}, "`mode` must be one of update, upsert, mirror, got 'None'"),
        ({"null_policy": "overwrite"}, "`null_policy` must be one of keep, clear, got 'overwrite'"),
        ({"schedule": "every hour"}, "`schedule` 'every hour' is not a valid cron expression"),
        ({"schedule": "61 * * * *"}, "`schedule` '61 * * * *' is not a valid cron expression"),
        ({"batch_size": 0}, "`batch_size` must be a positive integer, got 0"),
        ({"batch_size": -5}, "`batch_size` must be a positive integer, got -5"),
        ({"batch_size": "100"}, "`batch_size` must be a positive integer, got '100'"),
        ({"batch_size": 1.5}, "`batch_size` must be a positive integer, got 1.5"),
        ({"batch_size": True}, "`batch_size` must be a positive integer, got True"),
        ({"max_attempts": 0}, "`max_attempts` must be a positive integer, got 0"),
        ({"max_attempts": True}, "`max_attempts` must be a positive integer, got True"),
        ({"filter": ["crm_system"]}, "`filter` must be a mapping of column: value"),
        ({"model": DROP}, "`model` is required"),
        ({"model": ""}, "`model` is required"),
        ({"key": DROP}, "`key` is required"),
        ({"destination": DROP}, "`destination` is required"),
        (
            {"destination": "hubspot"},
            "`destination` must be a mapping of match_field, object, system",
        ),
        (
            {"destination": {**BASE["destination"], "id_field": "id"}},
            "`destination` must be a mapping of match_field, object, system",
        ),
        ({"mappings": DROP}, "`mappings` is required"),
        ({"mappings": []}, "`mappings` is required"),
        ({"mappings": [{"from": "score"}]}, "mappings[0] must be {from: <column>, to: <field>}"),
        (
            {
                "mappings": [
                    {"from": "score", "to": "lead_score"},
                    {"from": "t", "to": "x", "as": 1},
                ]
            },
            "mappings[1] must be {from: <column>, to: <field>}",
        ),
        (
            {
                "mappings": [
                    {"from": "score", "to": "lead_score"},
                    {"from": "s2", "to": "lead_score"},
                ]
            },
            "field(s) lead_score mapped twice",
        ),
        (
            {"mappings": [{"from": "id", "to": "hs_object_id"}]},
            "the match field hs_object_id cannot be mapped",
        ),
        ({"min_change": [5]}, "`min_change` must be a mapping of destination field: number"),
        (
            {"min_change": {"score": 5}},
            "min_change score: not a mapped destination field (mapped: lead_score, lead_tier)",
        ),
        (
            {"min_change": {"lead_score": 0}},
            "min_change lead_score: must be a positive number, got 0",
        ),
        (
            {"min_change": {"lead_score": "5"}},
            "min_change lead_score: must be a positive number, got '5'",
        ),
        (
            {"min_change": {"lead_score": True}},
            "min_change lead_score: must be a positive number, got True",
        ),
    ],
)
def test_a_bad_setting_is_named_with_its_sync(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    assert error(tmp_path, sync(**overrides)) == f"{WHERE}: {message}"


def test_min_change_is_read_as_numbers(tmp_path: Path) -> None:
    (spec,) = load(tmp_path, sync(min_change={"lead_score": 5, "lead_tier": 0.5}))
    assert spec.min_change == {"lead_score": 5.0, "lead_tier": 0.5}
    assert load(tmp_path, sync())[0].min_change == {}


def test_the_shipped_score_syncs_send_only_material_changes() -> None:
    for spec in load_specs(DEFAULT_SPECS):
        column = {m.field: m.column for m in spec.mappings}
        # the tier and the engagement date are not thresholded: any change of them is sent
        thresholded = {column[f] for f in spec.min_change}
        assert thresholded == {"lead_score", "engagement_score", "fit_score"}, spec.name


@pytest.mark.parametrize("missing", ["system", "object", "match_field"])
def test_a_missing_destination_setting(tmp_path: Path, missing: str) -> None:
    destination = {k: v for k, v in BASE["destination"].items() if k != missing}
    assert (
        error(tmp_path, sync(destination=destination))
        == f"{WHERE} destination: `{missing}` is required"
    )


def test_the_sync_at_fault_is_named_by_position_and_name(tmp_path: Path) -> None:
    message = error(tmp_path, sync(name="good"), sync(name="bad", mode="sync"))
    assert (
        message
        == "syncs.yml syncs[1] (bad): `mode` must be one of update, upsert, mirror, got 'sync'"
    )


def test_a_bad_default_is_reported_on_the_sync_it_applies_to(tmp_path: Path) -> None:
    assert error(tmp_path, sync(), defaults={"null_policy": "never"}) == (
        f"{WHERE}: `null_policy` must be one of keep, clear, got 'never'"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (sync(null_polcy="keep", key_column="id"), "unknown setting(s) key_column, null_polcy"),
        ("hubspot_contact_scores", "each sync must be a mapping"),
        (sync(name=DROP), "`name` is required"),
    ],
)
def test_errors_before_the_name_is_read_name_the_position(
    tmp_path: Path, raw: Any, message: str
) -> None:
    # the name is not read yet (or not there): the sync is named by its position in the file
    assert error(tmp_path, sync(name="first"), raw) == f"syncs.yml syncs[1]: {message}"


@pytest.mark.parametrize("name", ["Scores", "lead-scores", "1scores", "_scores", "scores!"])
def test_a_name_must_be_lower_snake_case(tmp_path: Path, name: str) -> None:
    assert error(tmp_path, sync(name=name)) == (
        f"syncs.yml syncs[0] ({name}): `name` must be lower_snake_case, got {name!r}"
    )


def test_a_sync_name_used_twice(tmp_path: Path) -> None:
    path = write(tmp_path, {"syncs": [sync(), sync(name="other"), sync(mode="mirror")]})
    with pytest.raises(SpecError) as exc:
        load_specs(path)
    assert str(exc.value) == f"{path}: sync name(s) scores used twice"


# --------------------------------------------------------------------------- file errors


@pytest.mark.parametrize(
    "document",
    ["", "syncs:\n", "syncs: {scores: {}}\n", "defaults: {mode: update}\n", "sync:\n  - name: x\n"],
)
def test_a_file_without_a_syncs_list(tmp_path: Path, document: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(SpecError) as exc:
        load_specs(path)
    assert str(exc.value) == f"{path}: expected a `syncs:` list"


def test_a_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "syncs:\n  - name: [unclosed\n")
    with pytest.raises(SpecError) as exc:
        load_specs(path)
    assert str(exc.value).startswith(f"{path}: not valid YAML: ")
    assert "line 3" in str(exc.value)  # YAML's own pointer to the fault


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yml"
    with pytest.raises(SpecError) as exc:
        load_specs(path)
    assert str(exc.value) == f"cannot read sync specs {path}: No such file or directory"


@pytest.mark.parametrize("where", ["sync", "defaults"])
def test_an_empty_max_attempts_is_refused_or_defaulted(tmp_path: Path, where: str) -> None:
    setting = {"max_attempts": None}
    try:
        [spec] = load(tmp_path, sync(**setting) if where == "sync" else sync(), defaults=setting)
    except SpecError as exc:
        assert str(exc).startswith(f"{WHERE}: `max_attempts` ")
    else:
        assert spec.max_attempts == DEFAULT_MAX_ATTEMPTS


@pytest.mark.parametrize(
    "document", ["- name: scores\n", "defaults: [mode]\nsyncs: [{name: scores}]\n"]
)
def test_a_file_whose_top_level_is_not_a_mapping(tmp_path: Path, document: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(SpecError, match=str(path)):
        load_specs(path)


# --------------------------------------------------------------------------- selecting syncs


def test_select_specs() -> None:
    specs = [make_spec(name="a"), make_spec(name="b"), make_spec(name="c")]
    assert select_specs(specs, ()) == specs
    assert [s.name for s in select_specs(specs, ("c", "a"))] == ["c", "a"]
    with pytest.raises(SpecError) as exc:
        select_specs(specs, ("a", "nope", "zz"))
    assert str(exc.value) == "unknown sync(s) nope, zz; known: a, b, c"
