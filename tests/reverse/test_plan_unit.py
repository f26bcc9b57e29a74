"""The reverse planner (reverse/plan.py) on a tiny published warehouse: what is planned, with
which action, payload and hash, against a sync state built with reverse.state's functions.

Fast: no sandbox, no CLI; each test copies a DuckDB file of a few rows into tmp_path."""

from __future__ import annotations

import hashlib
import math
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from connectors.hubspot import VENDOR as HUBSPOT
from reverse.engine import run_sync
from reverse.plan import Planner
from reverse.specs import Destination, Mapping, SpecError, load_specs
from reverse.state import DEAD, GONE, RETRYING, retire_rejects
from reverse.writers import CLEAR, INSERT, UPDATE, Change, WriteResult
from tests.reverse.unit_support import (
    Warehouse,
    accept,
    actions,
    by_key,
    make_spec,
    open_state,
    plan,
    reject,
    reject_rows,
    sync_once,
)

ROWS = [("1", 10, "A"), ("2", 20, "B"), ("3", 30, "C")]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = Warehouse(tmp_path_factory.mktemp("template"))
    warehouse.set_model(ROWS)
    return warehouse.path


@pytest.fixture
def wh(tmp_path: Path, template: Path) -> Warehouse:
    """A published warehouse whose model `marts.scores` holds ROWS (a copy: fast to set up)."""
    warehouse = Warehouse(tmp_path)
    shutil.copyfile(template, warehouse.path)
    return warehouse


@pytest.fixture
def state(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    con = open_state(tmp_path)
    yield con
    con.close()


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# --------------------------------------------------------------------------- first run


@pytest.mark.parametrize(
    ("mode", "action"), [("update", UPDATE), ("mirror", UPDATE), ("upsert", INSERT)]
)
def test_first_run_plans_every_row_with_the_modes_first_action(
    wh: Warehouse, state: sqlite3.Connection, mode: str, action: str
) -> None:
    p = plan(wh, state, make_spec(mode=mode))
    assert actions(p.changes) == {"1": action, "2": action, "3": action}
    c = p.counts
    assert (c.inserts, c.updates, c.clears, c.planned) == (
        3 * (action == INSERT),
        3 * (action == UPDATE),
        0,
        3,
    )
    assert (c.invalid, c.skipped_null, c.retried) == (0, 0, 0)
    first = by_key(p.changes)["1"]
    assert first.values == {"lead_score": 10, "lead_tier": "A"}
    assert first.payload == '{"lead_score":10,"lead_tier":"A"}'
    assert first.fields_hash == md5(first.payload)  # what the state compares against
    assert first.retry is False


def test_samples_show_the_first_planned_rows_per_action(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    wh.set_model([(str(n), n, "A") for n in range(1, 8)])
    counts = plan(wh, state, make_spec()).counts
    # at most 5, ordered by key, each with the key and the mapped destination fields
    assert counts.samples == {
        UPDATE: [{"key": k, "lead_score": int(k), "lead_tier": "A"} for k in "12345"]
    }


# --------------------------------------------------------------------------- the diff


@pytest.mark.parametrize("mode", ["upsert", "mirror"])  # update: as upsert, minus the inserts
def test_nothing_changed_plans_nothing(wh: Warehouse, state: sqlite3.Connection, mode: str) -> None:
    spec = make_spec(mode=mode)
    assert len(sync_once(wh, state, spec)) == 3
    p = plan(wh, state, spec)
    c = p.counts
    assert (c.planned, c.invalid, c.skipped_null, c.samples) == (0, 0, 0, {})
    assert p.batches == []  # not even an empty batch: no request is sent


def test_rows_in_another_order_are_unchanged(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec()
    sync_once(wh, state, spec)
    wh.set_model(reversed(ROWS))
    assert plan(wh, state, spec).changes == []


@pytest.mark.parametrize("mode", ["upsert", "mirror"])  # update: test_an_accepted_change_…
def test_a_changed_value_of_an_accepted_key_is_an_update(
    wh: Warehouse, state: sqlite3.Connection, mode: str
) -> None:
    spec = make_spec(mode=mode)
    before = by_key(sync_once(wh, state, spec))
    wh.set_model([("1", 10, "A"), ("2", 21, "B"), ("3", 30, "C")])
    p = plan(wh, state, spec)
    assert [(c.key, c.action, c.values) for c in p.changes] == [
        ("2", UPDATE, {"lead_score": 21, "lead_tier": "B"})
    ]
    assert p.changes[0].fields_hash != before["2"].fields_hash
    assert (p.counts.updates, p.counts.inserts, p.counts.planned) == (1, 0, 1)


@pytest.mark.parametrize(
    ("mode", "action"), [("update", UPDATE), ("mirror", UPDATE), ("upsert", INSERT)]
)
def test_a_new_key_after_a_run(
    wh: Warehouse, state: sqlite3.Connection, mode: str, action: str
) -> None:
    spec = make_spec(mode=mode)
    sync_once(wh, state, spec)
    wh.set_model([*ROWS, ("4", 40, "D")])
    assert actions(plan(wh, state, spec).changes) == {"4": action}


def test_an_accepted_change_is_not_planned_again(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec()
    sync_once(wh, state, spec)
    wh.set_model([("1", 11, "A"), *ROWS[1:]])
    assert [(c.key, c.action) for c in sync_once(wh, state, spec)] == [("1", UPDATE)]
    assert plan(wh, state, spec).changes == []


# --------------------------------------------------------------------------- min_change


def test_a_move_below_min_change_is_not_sent_and_drift_adds_up(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(min_change={"lead_score": 5.0})
    sync_once(wh, state, spec)
    wh.set_model([("1", 14, "A"), ("2", 16, "B"), ("3", 30, "C")])  # +4 (below), -4 (below)
    assert plan(wh, state, spec).changes == []
    wh.set_model([("1", 15, "A"), ("2", 15, "B"), ("3", 30, "C")])  # +5, -5 since the last send
    p = plan(wh, state, spec)
    assert [(c.key, c.values) for c in p.changes] == [
        ("1", {"lead_score": 15, "lead_tier": "A"}),
        ("2", {"lead_score": 15, "lead_tier": "B"}),
    ]
    accept(state, spec, p.changes)
    assert plan(wh, state, spec).changes == []


def test_a_tier_change_is_always_sent_with_the_current_score(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(min_change={"lead_score": 5.0})
    sync_once(wh, state, spec)
    wh.set_model([("1", 11, "B"), *ROWS[1:]])
    assert [(c.key, c.values) for c in plan(wh, state, spec).changes] == [
        ("1", {"lead_score": 11, "lead_tier": "B"})
    ]


@pytest.mark.parametrize("score", [None, 10])
def test_a_score_turning_null_or_back_is_a_change_whatever_the_threshold(
    wh: Warehouse, state: sqlite3.Connection, score: int | None
) -> None:
    spec = make_spec(min_change={"lead_score": 50.0}, null_policy="clear")
    wh.set_model([("1", None if score else 10, "A")])
    sync_once(wh, state, spec)
    wh.set_model([("1", score, "A")])
    assert [c.values for c in plan(wh, state, spec).changes] == [
        {"lead_score": score, "lead_tier": "A"}
    ]


def test_full_resync_ignores_min_change(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(min_change={"lead_score": 5.0})
    sync_once(wh, state, spec)
    wh.set_model([("1", 11, "A"), *ROWS[1:]])
    assert len(plan(wh, state, spec, full=True).changes) == 3


def test_a_retried_reject_is_sent_even_below_min_change(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(min_change={"lead_score": 5.0})
    sync_once(wh, state, spec)
    wh.set_model([("1", 20, "A"), *ROWS[1:]])
    reject(state, spec, plan(wh, state, spec).changes)
    wh.set_model([("1", 12, "A"), *ROWS[1:]])  # back within the threshold of what was accepted
    assert [c.retry for c in plan(wh, state, spec).changes] == [True]


def test_forgotten_keys_are_planned_as_never_accepted(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    """The overwritten records a real run's reconciliation drops: a dry run plans them too."""
    spec = make_spec(min_change={"lead_score": 5.0})
    sync_once(wh, state, spec)
    with Planner(wh.path) as planner:
        counts = planner.prepare(spec, state, full=False, forget={"2"})
        assert [c.key for batch in planner.changes(spec, 10) for c in batch] == ["2"]
    assert counts.updates == 1


@pytest.mark.parametrize(
    ("mode", "expected"), [("mirror", {"3": CLEAR}), ("update", {}), ("upsert", {})]
)
def test_an_accepted_key_that_left_the_model(
    wh: Warehouse, state: sqlite3.Connection, mode: str, expected: dict[str, str]
) -> None:
    spec = make_spec(mode=mode)
    sync_once(wh, state, spec)
    wh.set_model(ROWS[:2])
    p = plan(wh, state, spec)
    assert actions(p.changes) == expected
    assert p.counts.clears == len(expected)


def test_a_mirror_clear_nulls_every_mapped_field_and_nothing_else(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(mode="mirror")  # null_policy keep: a clear is sent as nulls all the same
    sync_once(wh, state, spec)
    wh.set_model(ROWS[:2])
    p = plan(wh, state, spec)
    [clear] = p.changes
    assert (clear.key, clear.action, clear.fields_hash, clear.retry) == ("3", CLEAR, None, False)
    assert clear.values == {"lead_score": None, "lead_tier": None}  # not the match field
    assert orjson.loads(clear.payload) == clear.values
    assert p.counts.samples == {CLEAR: [{"key": "3", "lead_score": None, "lead_tier": None}]}


def test_an_accepted_clear_is_not_planned_again(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(mode="mirror")
    sync_once(wh, state, spec)
    wh.set_model(ROWS[:2])
    assert [c.action for c in sync_once(wh, state, spec)] == [CLEAR]
    assert plan(wh, state, spec).changes == []
    wh.set_model(ROWS)  # back in the model: the destination holds nothing of ours for it
    assert actions(plan(wh, state, spec).changes) == {"3": UPDATE}


def test_mirror_clears_only_keys_the_destination_accepted(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(mode="mirror")
    changes = plan(wh, state, spec).changes
    accept(state, spec, changes[:2])
    reject(state, spec, changes[2:])  # "3" was refused: the destination holds nothing of ours
    wh.set_model([])
    p = plan(wh, state, spec)
    assert actions(p.changes) == {"1": CLEAR, "2": CLEAR}
    assert p.left_model == ["3"]  # its open reject is retired instead


def test_mirror_does_not_clear_a_key_still_in_the_model(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    """A key whose row is now all null (keep) or duplicated is still in the model: not cleared."""
    spec = make_spec(mode="mirror")
    sync_once(wh, state, spec)
    wh.set_model([("1", None, None), ("2", 20, "B"), ("2", 22, "B"), ("3", 30, "C")])
    p = plan(wh, state, spec)
    assert p.changes == []
    assert (p.counts.skipped_null, p.counts.invalid, p.counts.clears) == (1, 2, 0)


def test_a_key_filtered_out_of_the_model_is_cleared_by_mirror(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    columns = "id VARCHAR, score INTEGER, tier VARCHAR, crm_system VARCHAR"
    wh.set_model([("1", 10, "A", "hubspot"), ("2", 20, "B", "hubspot")], columns)
    spec = make_spec(mode="mirror", filter={"crm_system": "hubspot"})
    sync_once(wh, state, spec)
    wh.set_model([("1", 10, "A", "hubspot"), ("2", 20, "B", "salesforce")], columns)
    assert actions(plan(wh, state, spec).changes) == {"2": CLEAR}


def test_full_resync_plans_unchanged_rows_as_updates(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(mode="upsert")
    sync_once(wh, state, spec)
    p = plan(wh, state, spec, full=True)
    assert actions(p.changes) == {"1": UPDATE, "2": UPDATE, "3": UPDATE}
    assert p.counts.updates == 3


def test_the_filter_selects_rows_by_typed_values(wh: Warehouse, state: sqlite3.Connection) -> None:
    columns = "id VARCHAR, score INTEGER, tier VARCHAR, crm_system VARCHAR, active BOOLEAN"
    wh.set_model(
        [
            ("1", 10, "A", "hubspot", True),
            ("2", 20, "B", "salesforce", True),
            ("3", 30, "C", "hubspot", False),
        ],
        columns,
    )
    spec = make_spec(filter={"crm_system": "hubspot", "active": True})
    assert actions(plan(wh, state, spec).changes) == {"1": UPDATE}


def test_a_null_filter_value_is_refused_or_selects_null_rows(
    wh: Warehouse, state: sqlite3.Connection, tmp_path: Path
) -> None:
    columns = "id VARCHAR, score INTEGER, tier VARCHAR, deleted_at DATE"
    wh.set_model(
        [("1", 10, "A", None), ("2", 20, "B", None), ("3", 30, "C", "2024-01-02")], columns
    )
    spec = make_spec(mode="mirror")
    sync_once(wh, state, spec)
    specs = tmp_path / "syncs.yml"
    specs.write_text(
        "syncs:\n  - name: scores\n    model: marts.scores\n    key: id\n    mode: mirror\n"
        "    filter: {deleted_at: null}\n"
        "    destination: {system: hubspot, object: contacts, match_field: hs_object_id}\n"
        "    mappings: [{from: score, to: lead_score}, {from: tier, to: lead_tier}]\n"
    )
    try:
        [filtered] = load_specs(specs)
    except SpecError as exc:
        assert "(scores)" in str(exc) and "filter" in str(exc)
        return
    assert filtered == replace(spec, filter={"deleted_at": None})
    assert actions(plan(wh, state, filtered).changes) == {"3": CLEAR}  # only the deleted row


# --------------------------------------------------------------------------- rejects and retries


def test_a_rejected_record_is_retried_with_the_retry_flag(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(mode="upsert")
    changes = plan(wh, state, spec).changes
    accept(state, spec, changes[:2])
    reject(state, spec, changes[2:])
    assert reject_rows(state, spec.name) == {"3": (1, RETRYING)}
    p = plan(wh, state, spec)
    # never accepted: the first action again, flagged as a retry
    assert [(c.key, c.action, c.retry) for c in p.changes] == [("3", INSERT, True)]
    assert p.counts.retried == 1


def test_a_rejected_update_of_an_accepted_key_is_retried(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec()
    sync_once(wh, state, spec)
    wh.set_model([("1", 11, "A"), *ROWS[1:]])
    reject(state, spec, plan(wh, state, spec).changes)
    p = plan(wh, state, spec)
    assert [(c.key, c.action, c.retry, c.values["lead_score"]) for c in p.changes] == [
        ("1", UPDATE, True, 11)
    ]
    assert p.counts.retried == 1


def test_a_dead_record_is_not_sent_again_until_its_value_changes(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(max_attempts=2)
    changes = plan(wh, state, spec).changes
    accept(state, spec, changes[:2])
    assert reject(state, spec, changes[2:]) == 0
    assert reject(state, spec, plan(wh, state, spec).changes) == 1
    assert reject_rows(state, spec.name) == {"3": (2, DEAD)}
    assert plan(wh, state, spec).changes == []
    assert plan(wh, state, spec, full=True).counts.updates == 2  # not even by a full resync
    wh.set_model([*ROWS[:2], ("3", 31, "C")])
    p = plan(wh, state, spec)
    assert [(c.key, c.retry) for c in p.changes] == [("3", True)]
    assert p.counts.retried == 1


def test_a_retired_reject_back_in_the_model_is_not_a_retry(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec()
    reject(state, spec, plan(wh, state, spec).changes[2:])
    retire_rejects(state, spec.name, ["3"])  # it left the model in between
    assert reject_rows(state, spec.name)["3"] == (1, GONE)
    p = plan(wh, state, spec)
    assert [(c.key, c.retry) for c in p.changes] == [("1", False), ("2", False), ("3", False)]
    assert p.counts.retried == 0


def test_left_model_lists_open_rejects_no_longer_in_the_model(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec()
    reject(state, spec, plan(wh, state, spec).changes[1:])
    wh.set_model(ROWS[:2])
    assert plan(wh, state, spec).left_model == ["3"]
    retire_rejects(state, spec.name, ["3"])
    assert plan(wh, state, spec).left_model == []


def test_a_rejected_clear_is_retried(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(mode="mirror")
    sync_once(wh, state, spec)
    wh.set_model(ROWS[:2])
    reject(state, spec, plan(wh, state, spec).changes)
    p = plan(wh, state, spec)
    assert [(c.key, c.action, c.retry) for c in p.changes] == [("3", CLEAR, True)]
    assert p.counts.retried == 1


class RefusingWriter:
    """A destination that accepts every insert and update and refuses every clear."""

    vendor = HUBSPOT  # the spec's destination: batches of at most its 100

    def requests(self) -> tuple[int, int]:
        return (0, 0)

    def write(self, spec: Any, changes: list[Change]) -> list[WriteResult]:
        return [
            WriteResult(c.key, False, reason="locked")
            if c.action == CLEAR
            else WriteResult(c.key, True, record_id=c.key)
            for c in changes
        ]


def test_a_dead_clear_is_not_sent_again(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(mode="mirror", max_attempts=2)
    writer: Any = RefusingWriter()
    with Planner(wh.path) as planner:
        assert run_sync(spec, planner, state, writer).accepted == 3
    wh.set_model(ROWS[:2])
    for _ in range(2):
        with Planner(wh.path) as planner:
            report = run_sync(spec, planner, state, writer)
        assert (report.counts.clears, report.rejected) == (1, 1)
    assert reject_rows(state, spec.name) == {"3": (2, DEAD)}
    with Planner(wh.path) as planner:
        report = run_sync(spec, planner, state, writer)
    assert report.counts.planned == 0  # dead: not sent again until something changes


# --------------------------------------------------------------------------- null policy


def test_keep_never_sends_a_null_but_hashes_it(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(null_policy="keep")
    sync_once(wh, state, spec)
    wh.set_model([("1", None, "A"), *ROWS[1:]])
    p = plan(wh, state, spec)
    # the value changed (the null is in the payload and its hash) but only non-nulls go out
    assert [(c.key, c.action, c.values) for c in p.changes] == [("1", UPDATE, {"lead_tier": "A"})]
    assert p.changes[0].payload == '{"lead_score":null,"lead_tier":"A"}'
    assert p.changes[0].fields_hash == md5(p.changes[0].payload)
    assert p.counts.samples[UPDATE] == [{"key": "1", "lead_score": None, "lead_tier": "A"}]
    accept(state, spec, p.changes)
    assert plan(wh, state, spec).changes == []


def test_clear_sends_the_null(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(null_policy="clear")
    sync_once(wh, state, spec)
    wh.set_model([("1", None, "A"), *ROWS[1:]])
    changes = plan(wh, state, spec).changes
    assert [(c.key, c.values) for c in changes] == [("1", {"lead_score": None, "lead_tier": "A"})]


@pytest.mark.parametrize(
    ("null_policy", "sent", "skipped"),
    [("keep", {}, 1), ("clear", {"1": {"lead_score": None, "lead_tier": None}}, 0)],
)
def test_an_all_null_row(
    wh: Warehouse,
    state: sqlite3.Connection,
    null_policy: str,
    sent: dict[str, dict[str, Any]],
    skipped: int,
) -> None:
    wh.set_model([("1", None, None), *ROWS[1:]])
    p = plan(wh, state, make_spec(null_policy=null_policy, mode="upsert"))
    assert {c.key: c.values for c in p.changes if c.key == "1"} == sent
    assert (p.counts.skipped_null, p.counts.inserts) == (skipped, 3 - skipped)


def test_keep_leaves_an_accepted_value_when_the_row_turns_all_null(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    spec = make_spec(null_policy="keep", mode="mirror")
    sync_once(wh, state, spec)
    wh.set_model([("1", None, None), *ROWS[1:]])
    p = plan(wh, state, spec)
    assert p.changes == []  # neither an update of nulls nor a clear
    assert p.counts.skipped_null == 1


# --------------------------------------------------------------------------- invalid keys


def test_duplicate_keys_are_never_sent_and_counted_invalid(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    wh.set_model([("1", 10, "A"), ("2", 20, "B"), ("2", 21, "B"), ("2", 22, "B"), ("3", 30, "C")])
    p = plan(wh, state, make_spec(), full=True)
    assert sorted(actions(p.changes)) == ["1", "3"]
    assert p.duplicates == [("2", 3)]  # the engine records these as rejects
    assert (p.counts.invalid, p.counts.planned) == (3, 2)  # every copy counts


def test_a_key_repeated_only_across_filtered_rows_is_not_a_duplicate(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    columns = "id VARCHAR, score INTEGER, tier VARCHAR, crm_system VARCHAR"
    wh.set_model([("1", 10, "A", "hubspot"), ("1", 11, "A", "salesforce")], columns)
    p = plan(wh, state, make_spec(filter={"crm_system": "hubspot"}))
    assert [(c.key, c.values["lead_score"]) for c in p.changes] == [("1", 10)]
    assert (p.counts.invalid, p.duplicates) == (0, [])


def test_null_keys_are_invalid_and_not_duplicates(wh: Warehouse, state: sqlite3.Connection) -> None:
    wh.set_model([(None, 10, "A"), (None, 11, "B"), ("3", 30, "C")])
    p = plan(wh, state, make_spec())
    assert (p.counts.invalid, p.counts.updates, p.duplicates) == (2, 1, [])


def test_a_resolved_duplicate_is_sent(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec()
    sync_once(wh, state, spec)
    wh.set_model([*ROWS, ("3", 31, "C")])
    assert plan(wh, state, spec).changes == []
    wh.set_model([*ROWS[:2], ("3", 31, "C")])
    assert [(c.key, c.values["lead_score"]) for c in plan(wh, state, spec).changes] == [("3", 31)]


# --------------------------------------------------------------------------- types and hashes

# column type, SQL literal → the JSON in the payload and the value sent
TYPED = {
    "int": ("INTEGER", "12", "12", 12),
    "bigint": ("BIGINT", "9007199254740993", "9007199254740993", 9007199254740993),  # > 2**53
    "double": ("DOUBLE", "12.0", "12.0", 12.0),
    "double_fraction": ("DOUBLE", "0.1", "0.1", 0.1),
    "decimal": ("DECIMAL(10,2)", "12.50", "12.5", 12.5),
    "decimal_integral": ("DECIMAL(10,2)", "12", "12.0", 12.0),
    "boolean": ("BOOLEAN", "true", "true", True),
    "text": ("VARCHAR", "'Tier \"A\" é'", '"Tier \\"A\\" é"', 'Tier "A" é'),
    "date": ("DATE", "'2024-01-02'", '"2024-01-02"', "2024-01-02"),
    "timestamp": (
        "TIMESTAMP",
        "'2024-01-02 03:04:05'",
        '"2024-01-02 03:04:05"',
        "2024-01-02 03:04:05",
    ),
}


@pytest.fixture(scope="module")
def typed_changes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Change]:
    """One row per case of TYPED, each mapped alone (`v` → `f`) in a model of its own column type;
    planned once for the module."""
    root = tmp_path_factory.mktemp("typed")
    wh, state = Warehouse(root), open_state(root)
    columns = ", ".join(
        f"'{name}' AS id_{name}, CAST({literal} AS {sql_type}) AS {name}"
        for name, (sql_type, literal, _, _) in TYPED.items()
    )
    wh.set_model_sql(f"SELECT {columns}")
    changes = {}
    for name in TYPED:
        spec = make_spec(name=f"typed_{name}", key=f"id_{name}", mappings=(Mapping(name, "f"),))
        [changes[name]] = plan(wh, state, spec).changes
    state.close()
    return changes


@pytest.mark.parametrize("case", TYPED)
def test_column_types_become_json_values(typed_changes: dict[str, Change], case: str) -> None:
    _, _, payload, value = TYPED[case]
    change = typed_changes[case]
    assert change.payload == f'{{"f":{payload}}}'
    assert change.fields_hash == md5(change.payload)
    assert change.values == {"f": value}
    assert type(change.values["f"]) is type(value)


def test_an_int_and_a_float_of_the_same_value_hash_differently(
    typed_changes: dict[str, Change],
) -> None:
    """A model column retyped from INTEGER to DOUBLE re-sends every row (12 → 12.0); a DECIMAL
    of an integral value is written like the DOUBLE (12.00 → 12.0) and is not re-sent."""
    hashes = {name: c.fields_hash for name, c in typed_changes.items()}
    assert hashes["int"] != hashes["double"]
    assert hashes["double"] == hashes["decimal_integral"]


def test_the_key_is_sent_as_text(wh: Warehouse, state: sqlite3.Connection) -> None:
    wh.set_model([(42, 10, "A"), (7, 20, "B")], "id BIGINT, score INTEGER, tier VARCHAR")
    p = plan(wh, state, make_spec())
    assert [c.key for c in p.changes] == ["42", "7"]  # ordered as text
    assert p.counts.samples[UPDATE][0]["key"] == "42"


def test_destination_field_names_keep_their_case(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(
        destination=Destination("salesforce", "Lead", "Id"),
        mappings=(Mapping("score", "Lead_Score__c"), Mapping("tier", "Lead_Tier__c")),
    )
    assert plan(wh, state, spec).changes[0].payload == '{"Lead_Score__c":10,"Lead_Tier__c":"A"}'


def test_columns_that_need_quoting(wh: Warehouse, state: sqlite3.Connection) -> None:
    wh.set_model([("1", 10, "A")], 'id VARCHAR, "lead score" INTEGER, "Tier""s" VARCHAR')
    spec = make_spec(mappings=(Mapping("lead score", "lead_score"), Mapping('Tier"s', "lead_tier")))
    with Planner(wh.path) as planner:
        planner.check(spec)
    assert [c.values for c in plan(wh, state, spec).changes] == [
        {"lead_score": 10, "lead_tier": "A"}
    ]


def test_hashes_are_stable_between_runs(wh: Warehouse, state: sqlite3.Connection) -> None:
    wh.set_model_sql(
        "SELECT '1' AS id, 12.5::DOUBLE AS score, 'A' AS tier, DATE '2024-01-02' AS d, "
        "TIMESTAMP '2024-01-02 03:04:05' AS ts, 3.10::DECIMAL(5,2) AS dec, NULL::INTEGER AS n"
    )
    spec = make_spec(
        mappings=tuple(Mapping(c, c) for c in ("score", "tier", "d", "ts", "dec", "n")),
        null_policy="clear",
    )
    [first] = plan(wh, state, spec).changes
    [second] = plan(wh, state, spec).changes  # another planner, another connection
    assert first == second
    assert first.payload == (
        '{"score":12.5,"tier":"A","d":"2024-01-02","ts":"2024-01-02 03:04:05","dec":3.1,"n":null}'
    )
    assert first.fields_hash == md5(first.payload)


@pytest.fixture
def time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process time zone (as a shell's or a scheduler's TZ would); restored after."""

    def set_zone(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_a_timestamptz_hash_does_not_depend_on_the_process_time_zone(
    wh: Warehouse, state: sqlite3.Connection, time_zone: Callable[[str], None]
) -> None:
    wh.set_model_sql("SELECT '1' AS id, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS ts")
    spec = make_spec(mappings=(Mapping("ts", "last_engagement"),))
    time_zone("UTC")
    sync_once(wh, state, spec)
    time_zone("America/New_York")
    assert plan(wh, state, spec).changes == []


def test_a_nan_score_does_not_stop_the_plan(wh: Warehouse, state: sqlite3.Connection) -> None:
    wh.set_model_sql(
        "SELECT * FROM (VALUES ('1', 0.0 / 0.0, 'A'), ('2', 20.0, 'B')) t(id, score, tier)"
    )
    changes = plan(wh, state, make_spec()).changes
    assert by_key(changes)["2"].values == {"lead_score": 20.0, "lead_tier": "B"}
    assert not any(
        isinstance(v, float) and math.isnan(v) for c in changes for v in c.values.values()
    )


def test_a_non_finite_score_is_counted_invalid_and_named(
    wh: Warehouse, state: sqlite3.Connection
) -> None:
    wh.set_model_sql(
        "SELECT * FROM (VALUES ('1', 'infinity'::DOUBLE, 'A'), ('2', 20.0, 'B')) t(id, score, tier)"
    )
    with Planner(wh.path) as planner:
        counts = planner.prepare(make_spec(), state, full=False)
        assert (counts.updates, counts.invalid) == (1, 1)
        assert planner.non_finite_keys() == [("1", "lead_score")]


# --------------------------------------------------------------------------- batches and checks


def test_changes_come_in_batches_per_action(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(mode="mirror")
    wh.set_model([(str(n), n, "A") for n in range(1, 6)])
    sync_once(wh, state, spec)
    wh.set_model([("1", 100, "A"), ("2", 200, "A"), ("6", 6, "A"), ("7", 7, "A"), ("8", 8, "A")])
    batches = plan(wh, state, spec, batch_size=2).batches
    # new and changed keys are updates in mirror mode; clears are batched on their own
    assert [[(c.action, c.key) for c in b] for b in batches] == [
        [(UPDATE, "1"), (UPDATE, "2")],
        [(UPDATE, "6"), (UPDATE, "7")],
        [(UPDATE, "8")],
        [(CLEAR, "3"), (CLEAR, "4")],
        [(CLEAR, "5")],
    ]


def test_upsert_batches_inserts_before_updates(wh: Warehouse, state: sqlite3.Connection) -> None:
    spec = make_spec(mode="upsert")
    sync_once(wh, state, spec)
    wh.set_model([("1", 11, "A"), *ROWS[1:], ("0", 0, "Z")])
    batches = plan(wh, state, spec, batch_size=10).batches
    assert [[(c.action, c.key) for c in b] for b in batches] == [[(INSERT, "0")], [(UPDATE, "1")]]


@pytest.fixture(scope="module")
def template_planner(template: Path) -> Iterator[Planner]:
    with Planner(template) as planner:
        yield planner


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"model": "marts.nope"},
            "sync scores: model marts.nope does not exist in the published warehouse (run "
            "`roundtrip transform`, or fix `model`)",
        ),
        (
            {"key": "crm_id"},
            "sync scores: key: column 'crm_id' is not in marts.scores (columns: id, score, tier)",
        ),
        (
            {"filter": {"crm_system": "hubspot"}},
            "sync scores: filter: column 'crm_system' is not in marts.scores (columns: id, score, "
            "tier)",
        ),
        (
            {"mappings": (Mapping("score", "lead_score"), Mapping("grade", "lead_tier"))},
            "sync scores: mappings from lead_tier: column 'grade' is not in marts.scores "
            "(columns: id, score, tier)",
        ),
    ],
)
def test_check_against_the_model_names_the_sync_and_the_column(
    template_planner: Planner, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError) as err:
        template_planner.check(make_spec(**overrides))
    assert str(err.value) == message


def test_check_refuses_a_threshold_on_a_text_column(template_planner: Planner) -> None:
    with pytest.raises(SpecError) as err:
        template_planner.check(make_spec(min_change={"lead_tier": 1.0}))
    assert (
        str(err.value)
        == "sync scores: min_change lead_tier: column 'tier' is VARCHAR, not a number"
    )
    template_planner.check(make_spec(min_change={"lead_score": 1.0}))


def test_check_accepts_the_model_and_a_bare_model_name(template_planner: Planner) -> None:
    template_planner.check(make_spec())
    template_planner.check(make_spec(model="scores"))  # a bare name is a table of `marts`


def test_the_published_warehouse_is_attached_read_only(template_planner: Planner) -> None:
    with pytest.raises(Exception, match="read-only"):
        template_planner.con.execute("DELETE FROM wh.marts.scores")
