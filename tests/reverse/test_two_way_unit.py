"""The two-way engine without vendors: spec shape errors, value conversion, the per-field
decision rules, link resolution, the metadata check, and `apply_change` on a real state file
(a change crosses once, its echo plans nothing)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from reverse.specs import DEFAULT_SPECS, SpecError
from reverse.state import SCHEMA as ONE_WAY_SCHEMA
from reverse.two_way.apply import apply_change, commit, plan_link
from reverse.two_way.check import check_side
from reverse.two_way.decide import (
    CHANGED,
    CRM_WINS,
    EQUAL,
    FILL,
    MAP_WINS,
    NEWEST,
    OPT_OUT,
    Observed,
    decide,
)
from reverse.two_way.field_times import redecide_newest
from reverse.two_way.links import (
    CONVERSION,
    EMAIL,
    LINK_FIELD,
    STORED,
    CrmRecord,
    MapRecord,
    resolve,
)
from reverse.two_way.spec import CRM, MAP, FieldMap, TwoWaySpec, load_two_way
from reverse.two_way.state import SCHEMA, Link, find_link, save_links, synced_of
from reverse.two_way.values import Unconvertible, canonical, outgoing, value_hash
from reverse.writers import FieldInfo
from warehouse.state_store import connect_state

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PHONE = FieldMap("phone", {"Lead": "Phone", "Contact": "Phone"})
STATUS = FieldMap(
    "hs_lead_status",
    {"Lead": "Status"},
    direction="crm_to_map",
    values={"Open - Not Contacted": "NEW", "Working - Contacted": "IN_PROGRESS"},
)
OPT = FieldMap("optout", {"Lead": "HasOptedOutOfEmail"}, type="boolean", opt_out=True)


def obs(value: str | None, minutes: int = 0) -> Observed:
    return Observed(value, T0 + timedelta(minutes=minutes))


# --------------------------------------------------------------------------- specs


def _spec_file(tmp_path: Path, two_way: Any) -> Path:
    path = tmp_path / "syncs.yml"
    path.write_text(yaml.safe_dump({"syncs": [], "two_way": two_way}))
    return path


BASE = {"name": "contacts", "fields": [{"map": "phone", "crm": "Phone"}]}


def test_the_shipped_two_way_sync_parses() -> None:
    (spec,) = load_two_way(DEFAULT_SPECS)
    assert spec.name == "contacts_two_way" and spec.crm_objects == ("Lead", "Contact")
    by_map = {f.map: f for f in spec.fields}
    assert by_map["country"].crm == {"Lead": "Country", "Contact": "MailingCountry"}
    assert by_map["email"].conflict == "crm_wins" and by_map["email"].type == "email"
    assert by_map["hs_lead_status"].direction == "crm_to_map"


def test_a_minimal_field_gets_the_defaults(tmp_path: Path) -> None:
    (spec,) = load_two_way(_spec_file(tmp_path, [BASE]))
    assert spec.fields == (FieldMap("phone", {"Lead": "Phone", "Contact": "Phone"}),)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"map": "phone"}, "each field mapping needs `map` and `crm`"),
        ({"map": "phone", "crm": "Phone", "direction": "up"}, "`direction` must be one of both, crm_to_map, map_to_crm, got 'up'"),
        ({"map": "phone", "crm": "Phone", "conflict": "oldest"}, "`conflict` must be one of newest, crm_wins, map_wins, got 'oldest'"),
        ({"map": "phone", "crm": {"Account": "Phone"}}, "`crm` object 'Account' is not one of Lead, Contact"),
        ({"map": "s", "crm": "S", "values": {"a": "x", "b": "x"}}, "`values` maps several crm values to x"),
        ({"map": "o", "crm": "O", "opt_out": True}, "`opt_out` must be true or false, on a field of type boolean"),
        ({"map": "phone", "crm": "Phone", "as": 1}, "unknown setting(s) as"),
    ],
)  # fmt: skip
def test_a_bad_field_mapping_is_one_line_naming_sync_and_field(
    tmp_path: Path, field: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError) as exc:
        load_two_way(_spec_file(tmp_path, [{"name": "contacts", "fields": [field]}]))
    assert "syncs.yml two_way[0] (contacts)" in str(exc.value)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_propagate_deletes_is_a_boolean(tmp_path: Path) -> None:
    (spec,) = load_two_way(_spec_file(tmp_path, [{**BASE, "propagate_deletes": True}]))
    assert spec.propagate_deletes and not load_two_way(DEFAULT_SPECS)[0].propagate_deletes
    with pytest.raises(SpecError, match="`propagate_deletes` must be true or false"):
        load_two_way(_spec_file(tmp_path, [{**BASE, "propagate_deletes": "yes"}]))


def test_create_is_set_per_direction(tmp_path: Path) -> None:
    (spec,) = load_two_way(_spec_file(tmp_path, [{**BASE, "create": {"map_to_crm": True}}]))
    assert spec.create == {"crm_to_map": False, "map_to_crm": True}
    with pytest.raises(SpecError, match="`create` values must be true or false"):
        load_two_way(_spec_file(tmp_path, [{**BASE, "create": {"map_to_crm": "yes"}}]))


def test_a_bad_schedule_is_refused_and_the_shipped_one_runs_after_the_hourly_load(
    tmp_path: Path,
) -> None:
    with pytest.raises(SpecError, match="`schedule` 'hourly' is not a valid cron expression"):
        load_two_way(_spec_file(tmp_path, [{**BASE, "schedule": "hourly"}]))
    assert load_two_way(DEFAULT_SPECS)[0].schedule == "20 * * * *"


def test_the_integration_map_shows_each_field_with_its_owner_and_frequency() -> None:
    from roundtrip.docs import two_way_map_lines

    rows = {
        line.split(" | ")[1]: line for line in two_way_map_lines(load_two_way(DEFAULT_SPECS))[5:]
    }
    assert rows["company"].split(" | ")[3:5] == ["←", "Salesforce"]
    assert rows["phone"].split(" | ")[2:5] == ["Lead.Phone, Contact.Phone", "↔", "newest"]
    assert "cron `20 * * * *` (`roundtrip sync contacts_two_way`)" in rows["email"]
    assert "real-time, seconds (`roundtrip serve`" in rows["email"]


def test_a_crm_field_mapped_twice(tmp_path: Path) -> None:
    fields = [{"map": "phone", "crm": "Phone"}, {"map": "mobile", "crm": {"Lead": "Phone"}}]
    with pytest.raises(SpecError, match=r"crm field\(s\) Lead\.Phone mapped twice"):
        load_two_way(_spec_file(tmp_path, [{"name": "contacts", "fields": fields}]))


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("fm", "side", "raw", "expected"),
    [
        (FieldMap("a", {}, type="boolean"), CRM, True, "true"),
        (FieldMap("a", {}, type="boolean"), MAP, "false", "false"),
        (FieldMap("a", {}, type="number"), MAP, "85", "85"),
        (FieldMap("a", {}, type="number"), CRM, 85.0, "85"),
        (FieldMap("a", {}, type="date"), MAP, "2026-03-01T00:00:00Z", "2026-03-01"),
        (FieldMap("a", {}, type="email"), MAP, " Ann@Example.COM ", "ann@example.com"),
        (PHONE, MAP, "  ", None),
        (STATUS, CRM, "Working - Contacted", "IN_PROGRESS"),
    ],
)
def test_values_become_one_canonical_form(fm: FieldMap, side: str, raw: Any, expected: str) -> None:
    assert canonical(fm, side, raw) == expected


@pytest.mark.parametrize(
    ("fm", "side", "raw", "message"),
    [
        (FieldMap("n", {}, type="number"), MAP, "many", "n: 'many' is not a number"),
        (FieldMap("b", {}, type="boolean"), CRM, "perhaps", "b: 'perhaps' is not a boolean"),
        (STATUS, CRM, "Closed - Lost", "hs_lead_status: CRM value 'Closed - Lost' has no mapping in `values`"),
    ],
)  # fmt: skip
def test_an_unconvertible_value_names_field_and_value(
    fm: FieldMap, side: str, raw: Any, message: str
) -> None:
    with pytest.raises(Unconvertible) as exc:
        canonical(fm, side, raw)
    assert str(exc.value) == message


def test_outgoing_values_take_the_receiving_sides_form() -> None:
    both = FieldMap("s", {"Lead": "S"}, values={"Open - Not Contacted": "NEW"})
    assert outgoing(both, CRM, "NEW") == "Open - Not Contacted"
    assert outgoing(OPT, CRM, "true") is True
    assert outgoing(FieldMap("n", {}, type="number"), CRM, "85") == 85.0


# --------------------------------------------------------------------------- decisions


def test_equal_values_need_nothing() -> None:
    d = decide(PHONE, None, obs("1"), obs("1"))
    assert (d.write_to, d.rule, d.conflict) == (None, EQUAL, False)


@pytest.mark.parametrize(("changed", "target"), [(MAP, CRM), (CRM, MAP)])
def test_a_change_on_one_side_crosses(changed: str, target: str) -> None:
    synced = value_hash("old")
    sides = {MAP: obs("old"), CRM: obs("old")}
    sides[changed] = obs("new", 5)
    d = decide(PHONE, synced, sides[MAP], sides[CRM])
    assert (d.write_to, d.value, d.rule, d.conflict) == (target, "new", CHANGED, False)


def test_the_echo_of_a_written_value_is_not_a_change() -> None:
    """Roundtrip wrote "new" to the CRM: both sides now hash as synced, nothing moves."""
    d = decide(PHONE, value_hash("new"), obs("new", 1), obs("new", 9))
    assert d.write_to is None


@pytest.mark.parametrize(
    ("conflict", "map_minutes", "winner", "rule"),
    [("newest", 10, MAP, NEWEST), ("newest", 1, CRM, NEWEST), ("crm_wins", 10, CRM, CRM_WINS),
     ("map_wins", 1, MAP, MAP_WINS)],
)  # fmt: skip
def test_both_sides_changed_is_a_conflict_settled_by_the_rule(
    conflict: str, map_minutes: int, winner: str, rule: str
) -> None:
    fm = FieldMap("phone", {"Lead": "Phone"}, conflict=conflict)
    d = decide(fm, value_hash("old"), obs("from map", map_minutes), obs("from crm", 5))
    assert (d.winner, d.rule, d.conflict) == (winner, rule, True)
    assert d.value == ("from map" if winner == MAP else "from crm")
    assert (d.map_before.value, d.crm_before.value) == ("from map", "from crm")


def test_the_owner_of_a_one_way_field_overrides_the_other_side() -> None:
    d = decide(STATUS, value_hash("NEW"), obs("UNQUALIFIED", 9), obs("NEW", 1))
    assert (d.write_to, d.value, d.rule, d.conflict) == (MAP, "NEW", "owner: crm", True)


def test_an_opt_out_on_either_side_wins_whatever_the_times() -> None:
    d = decide(OPT, value_hash("true"), obs("true", 1), obs("false", 9))
    assert (d.write_to, d.value, d.rule) == (CRM, "true", OPT_OUT)
    d = decide(OPT, value_hash("false"), obs("false", 9), obs("true", 1))
    assert (d.write_to, d.value, d.rule) == (MAP, "true", OPT_OUT)


def test_the_first_sync_fills_an_empty_side_without_a_conflict() -> None:
    d = decide(PHONE, None, obs(None), obs("+1 555"))
    assert (d.write_to, d.value, d.rule, d.conflict) == (MAP, "+1 555", FILL, False)


# --------------------------------------------------------------------------- links


def _lead(i: str, email: str | None = None, **kw: Any) -> CrmRecord:
    return CrmRecord("Lead", i, email, **kw)


def test_links_by_stored_link_then_link_field_then_email() -> None:
    stored = {"1": Link("1", "Lead", "L1", STORED)}
    maps = [MapRecord("1", "a@x.com", None, None), MapRecord("2", None, "L2", None),
            MapRecord("3", "c@x.com", None, None)]  # fmt: skip
    crms = [_lead("L1", "other@x.com"), _lead("L2"), CrmRecord("Contact", "C3", "c@x.com")]
    r = resolve(stored, maps, crms, ("Lead", "Contact"))
    assert {k: (v.crm_id, v.linked_by) for k, v in r.links.items()} == {
        "1": ("L1", STORED), "2": ("L2", LINK_FIELD), "3": ("C3", EMAIL)
    }  # fmt: skip
    assert [link.map_id for link in r.changed] == ["2", "3"]


def test_an_ambiguous_email_is_not_synced_and_says_why() -> None:
    maps = [MapRecord("1", "a@x.com", None, None)]
    r = resolve({}, maps, [_lead("L1", "a@x.com"), _lead("L2", "a@x.com")], ("Lead",))
    assert r.links == {}
    assert r.unlinked == [(MAP, "1", "email matches 2 Salesforce records: Lead L1, Lead L2")]


def test_one_salesforce_record_never_links_to_two_contacts() -> None:
    maps = [MapRecord("1", "a@x.com", None, None), MapRecord("2", "a@x.com", None, None)]
    r = resolve({}, maps, [_lead("L1", "a@x.com")], ("Lead",))
    assert r.links == {}
    assert (CRM, "L1", "matched by 2 HubSpot contacts: 1, 2") in r.unlinked


def test_stronger_evidence_wins_a_shared_record() -> None:
    maps = [MapRecord("1", "a@x.com", None, None), MapRecord("2", None, "L1", None)]
    r = resolve({}, maps, [_lead("L1", "a@x.com")], ("Lead",))
    assert r.links["2"].linked_by == LINK_FIELD and "1" not in r.links
    assert r.unlinked == [(MAP, "1", "Salesforce L1 is already linked to HubSpot contact 2")]


def test_lead_conversion_re_points_the_link_to_the_contact() -> None:
    stored = {"1": Link("1", "Lead", "L1", EMAIL)}
    crms = [
        _lead("L1", "a@x.com", converted_contact_id="C1"),
        CrmRecord("Contact", "C1", "a@x.com"),
    ]
    r = resolve(stored, [MapRecord("1", "a@x.com", None, None)], crms, ("Lead", "Contact"))
    assert r.links["1"] == Link("1", "Contact", "C1", CONVERSION)
    assert r.changed == [r.links["1"]]


def test_a_deleted_or_archived_record_retires_the_link_and_leaves_the_other_side() -> None:
    stored = {"1": Link("1", "Lead", "L1", EMAIL), "2": Link("2", "Lead", "L2", EMAIL)}
    maps = [MapRecord("1", None, None, None), MapRecord("2", None, None, None, archived=True)]
    crms = [_lead("L1", deleted=True), _lead("L2")]
    r = resolve(stored, maps, crms, ("Lead",))
    assert r.links == {}
    assert sorted(r.retired) == [
        ("1", "Salesforce Lead L1 deleted or merged"), ("2", "HubSpot contact archived or merged")
    ]  # fmt: skip


# --------------------------------------------------------------------------- metadata check

SPEC = TwoWaySpec("contacts", (PHONE, STATUS))


@pytest.mark.parametrize(
    ("side", "obj", "fields", "message"),
    [
        (MAP, "contacts", {"hs_lead_status": FieldInfo(True, False, "enumeration")},
         "field phone: HubSpot contacts 'phone' does not exist"),
        (CRM, "Lead", {"Phone": FieldInfo(False, False, "phone"), "Status": FieldInfo(True, False, "picklist")},
         "field phone: Salesforce Lead 'Phone' is read-only"),
        (MAP, "contacts", {"phone": FieldInfo(True, False, "number"), "hs_lead_status": FieldInfo(True, False, "enumeration")},
         "field phone: HubSpot contacts 'phone' is of type number, which type text cannot convert"),
        (MAP, "contacts", {"phone": FieldInfo(True, False, "string"),
                           "hs_lead_status": FieldInfo(True, False, "enumeration", ("NEW", "OPEN"))},
         "field hs_lead_status: HubSpot contacts 'hs_lead_status': value 'IN_PROGRESS' is not one of its options (NEW, OPEN)"),
        (CRM, "Lead", {"Phone": FieldInfo(True, False, "phone"),
                       "Status": FieldInfo(True, False, "picklist", ("Open - Not Contacted", "Working - Contacted", "Nurturing"))},
         "field hs_lead_status: Salesforce Lead 'Status': value 'Nurturing' has no mapping in `values`"),
    ],
)  # fmt: skip
def test_a_bad_mapping_is_refused_before_anything_is_sent(
    side: str, obj: str, fields: dict[str, FieldInfo], message: str
) -> None:
    with pytest.raises(SpecError) as exc:
        check_side(SPEC, side, obj, fields)
    assert str(exc.value).startswith(f"two-way sync contacts: {message}")


# --------------------------------------------------------------------------- apply_change


@pytest.fixture
def state(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    con = connect_state(tmp_path / "reverse.sqlite", ONE_WAY_SCHEMA + SCHEMA)
    yield con
    con.close()


def test_a_change_crosses_once_and_its_echo_stops(state: sqlite3.Connection) -> None:
    spec = TwoWaySpec("contacts", (PHONE, STATUS))
    link = Link("101", "Lead", "00Q1", EMAIL)
    save_links(state, spec.name, [link], [])
    assert find_link(state, spec.name, CRM, "00Q1") == link
    # first sight of both sides (the scheduled path's job): agree on the current values
    first = apply_change(state, spec, link, MAP, {"phone": "+1 555 0100"}, T0)
    assert first.decisions == []  # never synced and the other side unknown: left alone
    seed = plan_link(spec, link, {}, {MAP: ({"phone": "+1", "hs_lead_status": "NEW"}, T0),
                                      CRM: ({"Phone": "+1", "Status": "Open - Not Contacted"}, T0)})  # fmt: skip
    commit(state, spec, seed, "run-0")
    # a phone edit on HubSpot crosses to Salesforce: one write, one field
    plan = apply_change(state, spec, link, MAP, {"phone": "+1 555 0100"}, T0 + timedelta(hours=1))
    assert plan.writes() == {CRM: {"Phone": "+1 555 0100"}}
    commit(state, spec, plan, "run-1")
    # Salesforce reports the value Roundtrip wrote: an echo, nothing to send
    for side, values in ((CRM, {"Phone": "+1 555 0100"}), (MAP, {"phone": "+1 555 0100"})):
        assert apply_change(state, spec, link, side, values, T0 + timedelta(hours=2)).writes() == {}
    # a status change on the CRM side crosses to HubSpot in HubSpot's terms
    plan = apply_change(
        state, spec, link, CRM, {"Status": "Working - Contacted"}, T0 + timedelta(hours=3)
    )
    assert plan.writes() == {MAP: {"hs_lead_status": "IN_PROGRESS"}}


def test_a_refused_write_keeps_the_old_state_so_it_is_tried_again(
    state: sqlite3.Connection,
) -> None:
    spec = TwoWaySpec("contacts", (PHONE,))
    link = Link("101", "Lead", "00Q1", EMAIL)
    commit(
        state,
        spec,
        plan_link(spec, link, {}, {MAP: ({"phone": "1"}, T0), CRM: ({"Phone": "1"}, T0)}),
        "r0",
    )
    plan = apply_change(state, spec, link, MAP, {"phone": "2"}, T0)
    commit(state, spec, plan, "r1", refused=frozenset({CRM}))
    assert apply_change(state, spec, link, MAP, {"phone": "2"}, T0).writes() == {
        CRM: {"Phone": "2"}
    }


def test_a_run_killed_before_its_commit_resends_the_same_writes_once(
    state: sqlite3.Connection,
) -> None:
    """kill -9 between the vendor's answer and the commit: the rerun plans the same writes (the
    second and last write of that change); after its commit nothing is planned."""
    spec = TwoWaySpec("contacts", (PHONE,))
    link = Link("101", "Lead", "00Q1", EMAIL)
    both = {MAP: ({"phone": "1"}, T0), CRM: ({"Phone": "1"}, T0)}
    commit(state, spec, plan_link(spec, link, {}, both), "r0")
    edited = {MAP: ({"phone": "2"}, T0 + timedelta(minutes=1)), CRM: ({"Phone": "1"}, T0)}
    killed = plan_link(spec, link, synced_of(state, spec.name, "101"), edited)
    rerun = plan_link(spec, link, synced_of(state, spec.name, "101"), edited)
    assert killed.writes() == rerun.writes() == {CRM: {"Phone": "2"}}
    commit(state, spec, rerun, "r2")
    # the rerun's own write comes back with the next load: an echo
    after = {MAP: ({"phone": "2"}, T0), CRM: ({"Phone": "2"}, T0 + timedelta(minutes=2))}
    assert plan_link(spec, link, synced_of(state, spec.name, "101"), after).writes() == {}


def test_a_newest_conflict_is_decided_again_by_hubspot_field_times(
    state: sqlite3.Connection,
) -> None:
    """The HubSpot contact was touched last (a score write), but its phone was set before the
    Salesforce one: by record times HubSpot wins, by field times Salesforce does. Only the
    contacts of `newest` conflicts are asked for."""
    spec = TwoWaySpec("contacts", (PHONE, STATUS))
    link = Link("101", "Lead", "00Q1", EMAIL)
    both = {MAP: ({"phone": "1"}, T0), CRM: ({"Phone": "1"}, T0)}
    commit(state, spec, plan_link(spec, link, {}, both), "r0")
    synced = synced_of(state, spec.name, "101")
    edited = {
        MAP: ({"phone": "2"}, T0 + timedelta(hours=3)),  # record modified last …
        CRM: ({"Phone": "3"}, T0 + timedelta(hours=2)),
    }
    plan = plan_link(spec, link, synced, edited)
    assert plan.writes() == {CRM: {"Phone": "2"}}
    asked: list[dict[str, list[str]]] = []

    def read_times(wanted):
        asked.append(dict(wanted))
        return {"101": {"phone": T0 + timedelta(hours=1)}}  # … but the phone was set first

    (again,) = redecide_newest(
        [plan], read_times, lambda p, t: plan_link(spec, p.link, synced, edited, map_field_times=t)
    )
    assert asked == [{"101": ["phone"]}]
    assert again.writes() == {MAP: {"phone": "3"}}
    (decision,) = again.decisions
    assert decision.rule == NEWEST and decision.map_before.at == T0 + timedelta(hours=1)
    settled = plan_link(spec, link, synced, {MAP: ({"phone": "2"}, T0), CRM: ({"Phone": "2"}, T0)})
    assert redecide_newest([settled], read_times, lambda p, t: p) == [settled]
    assert len(asked) == 1  # no conflict: HubSpot is not asked
