"""PageConverter: typed Arrow tables from vendor pages; drift and bad records made visible.

Most pages take the vectorised path (Arrow infers the JSON types, then casts); a page it cannot
take goes value by value. Both must mean the same thing, so each page here is converted both ways.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from pipelines.arrow_pages import TIMESTAMP, DriftEvent, PageConverter, Reject, _as_struct_table

COLUMNS = {
    "id": pa.string(),
    "amount": pa.int64(),
    "score": pa.float64(),
    "active": pa.bool_(),
    "changed_at": TIMESTAMP,
    "name": pa.string(),
}
T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)


def converter() -> tuple[PageConverter, list[Reject], list[DriftEvent]]:
    rejects: list[Reject] = []
    drift: list[DriftEvent] = []
    return (
        PageConverter("deals", dict(COLUMNS), ("id",), rejects.append, drift.append),
        rejects,
        drift,
    )


def both_ways(rows: list[Any]) -> pa.Table:
    """Convert `rows`, and check the value-by-value path gives the very same table."""
    fast, _, fast_drift = converter()
    table = fast.convert(rows)
    slow, _, slow_drift = converter()
    valid = [r for r in rows if slow._valid(r)]
    assert table is not None
    assert table.equals(slow._convert_table(None, valid))
    assert fast_drift == slow_drift
    return table


PAGES = {
    "vendor numbers as text": [
        {"id": "1", "amount": "12", "score": "0.5", "changed_at": str(T0_MS), "name": "a"},
        {"id": "2", "amount": "12.0", "score": "", "changed_at": "", "name": ""},
    ],
    "JSON numbers": [
        {"id": "1", "amount": 12, "score": 3, "changed_at": T0_MS, "name": 7},
        {"id": "2", "amount": None, "score": 0.25, "changed_at": None, "name": None},
    ],
    "ISO timestamps": [
        {"id": "1", "changed_at": "2026-01-02T03:04:05.678Z"},
        {"id": "2", "changed_at": "2026-01-02T03:04:05.678+00:00"},
    ],
    "Salesforce and naive timestamps": [
        {"id": "1", "changed_at": "2026-01-02T03:04:05.678+0000"},
        {"id": "2", "changed_at": "2026-01-02T03:04:05.678"},
    ],
    "booleans as text and as JSON": [
        {"id": "1", "active": "true"},
        {"id": "2", "active": "false"},
        {"id": "3", "active": True},
    ],
    "a field the vendor retyped": [
        {"id": "1", "amount": "12"},
        {"id": "2", "amount": "twelve"},
    ],
    "a new field, nested": [
        {"id": "1", "sentBy": {"id": "x", "created": T0_MS}},
        {"id": "2", "portalId": 1},
    ],
    "mixed JSON types in one field": [
        {"id": "1", "amount": 12, "name": "a"},
        {"id": "2", "amount": "13", "name": 5},
    ],
}


@pytest.mark.parametrize("rows", PAGES.values(), ids=PAGES.keys())
def test_vectorised_and_value_by_value_conversion_agree(rows: list[dict]) -> None:
    both_ways(rows)


def test_values_are_typed() -> None:
    table = both_ways(PAGES["vendor numbers as text"] + PAGES["ISO timestamps"])
    assert table["amount"].to_pylist() == [12, 12, None, None]
    assert table["score"].to_pylist() == [0.5, None, None, None]
    assert table["changed_at"].to_pylist() == [T0, None, T0, T0]
    assert table.schema.field("changed_at").type == TIMESTAMP


def test_a_retyped_field_keeps_its_text_in_a_variant_column() -> None:
    conv, _, drift = converter()
    table = conv.convert(PAGES["a field the vendor retyped"])
    assert table["amount"].to_pylist() == [12, None]
    assert table["amount__v_text"].to_pylist() == [None, "twelve"]
    assert [(d.column, d.kind) for d in drift] == [("amount", "type_change")]


def test_a_new_field_becomes_a_text_column() -> None:
    conv, _, drift = converter()
    table = conv.convert(PAGES["a new field, nested"])
    assert table["sentBy"].to_pylist() == [f'{{"id":"x","created":{T0_MS}}}', None]
    assert table["portalId"].to_pylist() == [None, "1"]
    assert {(d.column, d.kind) for d in drift} == {
        ("sentBy", "new_column"),
        ("portalId", "new_column"),
    }


def test_records_without_a_key_or_not_objects_are_rejected_with_their_payload() -> None:
    conv, rejects, _ = converter()
    table = conv.convert([{"id": "1"}, {"id": ""}, {"amount": 3}, ["not", "an", "object"]])
    assert table["id"].to_pylist() == ["1"]
    assert [r.reason for r in rejects] == [
        "record lacks its primary key field(s) id",
        "record lacks its primary key field(s) id",
        "record is not a JSON object",
    ]
    assert rejects[1].payload == '{"amount":3}'


def test_pages_with_one_json_type_per_field_take_the_vectorised_path() -> None:
    mixed = {"mixed JSON types in one field", "booleans as text and as JSON"}
    for name, rows in PAGES.items():
        assert (_as_struct_table(rows) is None) == (name in mixed), name
