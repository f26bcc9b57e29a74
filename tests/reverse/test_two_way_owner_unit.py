"""`type: owner` and the email opt-out in the two-way engine, without vendors: owner ids compare
as their owners' e-mail addresses, cross as the receiving side's id, and an owner with no
counterpart is a reject naming it; the owner table is read from the vendors only when needed
(and counted); a read-only opt-out property passes the metadata check only as an opt-out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reverse.specs import SpecError
from reverse.two_way.apply import plan_link
from reverse.two_way.check import check_side
from reverse.two_way.owners import Owners
from reverse.two_way.spec import CRM, MAP, FieldMap, TwoWaySpec
from reverse.two_way.state import Link
from reverse.two_way.values import Unconvertible, canonical, outgoing
from reverse.writers import FieldInfo
from warehouse.state_store import connect_state

OWNER = FieldMap("hubspot_owner_id", {"Lead": "OwnerId"}, "crm_to_map", type="owner")
OPT_OUT = FieldMap("hs_email_optout", {"Lead": "HasOptedOutOfEmail"}, type="boolean", opt_out=True)
TABLE = {
    MAP: {"101": "ann@acme.io", "102": "bo@acme.io"},
    CRM: {"005A": "ann@acme.io", "005B": "bo@acme.io", "005C": "admin@acme.io"},
}


class Fetch:
    """The vendors' owner table, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> dict[str, dict[str, str]]:
        self.reads += 1
        return {side: dict(ids) for side, ids in TABLE.items()}


@pytest.fixture
def state(tmp_path: Path) -> sqlite3.Connection:
    return connect_state(tmp_path / "state.sqlite", "")


def test_owner_ids_compare_by_address_and_cross_as_the_other_side_id(state) -> None:
    fetch = Fetch()
    owners = Owners(state, fetch)
    assert canonical(OWNER, MAP, "101", owners) == canonical(OWNER, CRM, "005A", owners)
    assert outgoing(OWNER, MAP, canonical(OWNER, CRM, "005B", owners), owners) == "102"
    assert canonical(OWNER, MAP, "999", owners) == "map:999"  # unknown: differs from all
    assert fetch.reads == 1  # read once, when the first id was missing, not per value
    again = Owners(state, fetch)  # the next run: from the state, no request
    assert canonical(OWNER, CRM, "005A", again) == "ann@acme.io" and fetch.reads == 1


def test_an_owner_without_a_counterpart_names_the_owner(state) -> None:
    owners = Owners(state, Fetch())
    admin = canonical(OWNER, CRM, "005C", owners)
    with pytest.raises(Unconvertible, match=r"Salesforce user 005C \(admin@acme.io\) has no "
                                             r"HubSpot owner with the same e-mail"):  # fmt: skip
        outgoing(OWNER, MAP, admin, owners)
    with pytest.raises(Unconvertible, match="owner ids need the owner table"):
        canonical(OWNER, CRM, "005C")


def test_a_plan_rejects_the_owner_and_keeps_the_other_fields(state) -> None:
    spec = TwoWaySpec("contacts", (OWNER, FieldMap("phone", {"Lead": "Phone"})), ("Lead",))
    link = Link("7", "Lead", "00Q1", "email")
    observed = {
        MAP: ({"hubspot_owner_id": "101", "phone": "1"}, None),
        CRM: ({"OwnerId": "005C", "Phone": "2"}, None),
    }
    plan = plan_link(spec, link, {}, observed, Owners(state, Fetch()))
    assert [d.field for d in plan.decisions] == ["phone"]
    ((field, side, value, reason),) = plan.rejects
    assert (field, side, value) == ("hubspot_owner_id", MAP, "admin@acme.io")
    assert "005C" in reason
    moved = {**observed, CRM: ({"OwnerId": "005B", "Phone": "2"}, None)}
    plan = plan_link(spec, link, {}, moved, Owners(state, Fetch()))
    assert plan.writes() == {MAP: {"hubspot_owner_id": "102", "phone": "2"}}


def test_an_unset_opt_out_is_false_and_a_true_wins(state) -> None:
    spec = TwoWaySpec("contacts", (OPT_OUT,), ("Lead",))
    link = Link("7", "Lead", "00Q1", "email")
    assert canonical(OPT_OUT, MAP, None) == "false"
    quiet = plan_link(spec, link, {}, {MAP: ({"hs_email_optout": None}, None),
                                       CRM: ({"HasOptedOutOfEmail": False}, None)})  # fmt: skip
    assert quiet.writes() == {}
    out = plan_link(spec, link, {}, {MAP: ({"hs_email_optout": "false"}, None),
                                     CRM: ({"HasOptedOutOfEmail": True}, None)})  # fmt: skip
    assert out.writes() == {MAP: {"hs_email_optout": "true"}}


def test_a_read_only_property_passes_the_check_only_as_an_opt_out() -> None:
    read_only = {"hs_email_optout": FieldInfo(False, False, "enumeration")}
    check_side(TwoWaySpec("ok", (OPT_OUT,), ("Lead",)), MAP, "contacts", read_only)
    plain = FieldMap("hs_email_optout", {"Lead": "HasOptedOutOfEmail"}, type="boolean")
    with pytest.raises(SpecError, match="hs_email_optout' is read-only"):
        check_side(TwoWaySpec("no", (plain,), ("Lead",)), MAP, "contacts", read_only)
    other = FieldMap("hs_other_optout", {"Lead": "X"}, type="boolean", opt_out=True)
    with pytest.raises(SpecError, match="read-only"):
        check_side(TwoWaySpec("no", (other,), ("Lead",)), MAP, "contacts",
                   {"hs_other_optout": FieldInfo(False, False, "bool")})  # fmt: skip
    owner_types = {"hubspot_owner_id": FieldInfo(True, False, "enumeration")}
    check_side(TwoWaySpec("o", (OWNER,), ("Lead",)), MAP, "contacts", owner_types)
    check_side(TwoWaySpec("o", (OWNER,), ("Lead",)), CRM, "Lead",
               {"OwnerId": FieldInfo(True, False, "reference")})  # fmt: skip
