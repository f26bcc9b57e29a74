"""Turn pages of vendor records into typed pyarrow tables, with schema drift made visible.

Each resource declares the columns it knows and their Arrow types (from the vendor's metadata:
HubSpot property definitions, Salesforce describe, or the report's headers). A page becomes one
Arrow table:

- a field the declaration does not know appears as a new string column (drift: `new_column`);
- a value that no longer converts to its column's type (the vendor retyped the field) is kept as
  text in the variant column `<name>__v_text`, the way dlt names variants, and the typed column is
  left null for that row (drift: `type_change`) — the load never fails on it;
- a record that is not an object, or lacks its primary key, is a reject with the reason and the
  raw payload, never dropped silently.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("us", tz="UTC")
VARIANT_SUFFIX = "__v_text"


@dataclass(frozen=True)
class Reject:
    """A record or page that could not be loaded, kept with its reason and raw payload."""

    resource: str
    reason: str
    payload: str
    record_key: str | None = None


@dataclass(frozen=True)
class DriftEvent:
    """A change in the shape of the vendor's data noticed while loading."""

    resource: str
    column: str
    kind: str  # new_column | type_change
    detail: str


@dataclass
class PageConverter:
    """Converts pages of flat records of one resource into Arrow tables of a stable schema."""

    resource: str
    columns: dict[str, pa.DataType]
    primary_key: tuple[str, ...]
    on_reject: Callable[[Reject], None]
    on_drift: Callable[[DriftEvent], None]
    _known_variants: set[str] = field(default_factory=set)

    def convert(self, records: Iterable[Any]) -> pa.Table | None:
        """Return the page as an Arrow table, or None when no record survived."""
        records = records if isinstance(records, list) else list(records)
        page = _as_struct_table(records)
        if page is not None and self._keys_complete(page):
            return self._convert_table(page, records)
        rows = [r for r in records if self._valid(r)]
        if not rows:
            return None
        return self._convert_table(None, rows)

    def _convert_table(self, page: pa.Table | None, rows: list[Mapping[str, Any]]) -> pa.Table:
        """Typed columns from `page` (the rows as Arrow inferred them) where a vectorised cast
        gives the declared type, else value by value from `rows`."""
        self._learn_new_columns(page.column_names if page is not None else _keys(rows))
        arrays: dict[str, pa.Array] = {}
        for name, arrow_type in self.columns.items():
            typed = None
            if page is not None:
                inferred = page[name] if name in page.column_names else None
                typed = _cast_inferred(inferred, arrow_type, len(rows))
            variant = None
            if typed is None:
                values = [row.get(name) for row in rows]
                typed, variant = self._convert_column(name, values, arrow_type)
            arrays[name] = typed
            if variant is not None or name in self._known_variants:
                arrays[name + VARIANT_SUFFIX] = (
                    variant if variant is not None else pa.nulls(len(rows), pa.string())
                )
        return pa.table(arrays)

    def _keys_complete(self, page: pa.Table) -> bool:
        """Every row has its primary key (else the page goes record by record, for rejects)."""
        for key in self.primary_key:
            if key not in page.column_names:
                return False
            column = page[key]
            if column.null_count:
                return False
            if pa.types.is_string(column.type) and pc.any(pc.equal(column, "")).as_py():
                return False
        return True

    def _valid(self, record: Any) -> bool:
        if not isinstance(record, Mapping):
            self.on_reject(
                Reject(self.resource, "record is not a JSON object", _dump(record), None)
            )
            return False
        missing = [k for k in self.primary_key if record.get(k) in (None, "")]
        if missing:
            self.on_reject(
                Reject(
                    self.resource,
                    f"record lacks its primary key field(s) {', '.join(missing)}",
                    _dump(record),
                    None,
                )
            )
            return False
        return True

    def _learn_new_columns(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key in self.columns or key.endswith(VARIANT_SUFFIX):
                continue
            self.columns[key] = pa.string()
            self.on_drift(
                DriftEvent(
                    self.resource, key, "new_column", "a field the vendor did not declare before"
                )
            )

    def _convert_column(
        self, name: str, values: list[Any], arrow_type: pa.DataType
    ) -> tuple[pa.Array, pa.Array | None]:
        if pa.types.is_string(arrow_type):
            try:  # the common case: every value is already text or null
                return pa.array(values, pa.string()), None
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return pa.array([_as_text(v) for v in values], pa.string()), None
        try:
            return _to_arrow(values, arrow_type), None
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError, OverflowError):
            pass
        typed: list[Any] = []
        variant: list[str | None] = []
        bad_example = None
        for value in values:
            try:
                typed.append(_to_arrow([value], arrow_type)[0].as_py())
                variant.append(None)
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError, OverflowError):
                typed.append(None)
                variant.append(_as_text(value))
                bad_example = bad_example if bad_example is not None else value
        if name not in self._known_variants:
            self._known_variants.add(name)
            self.on_drift(
                DriftEvent(
                    self.resource,
                    name,
                    "type_change",
                    f"expected {arrow_type}, got {bad_example!r}; kept as text in "
                    f"{name}{VARIANT_SUFFIX}",
                )
            )
        return pa.array(typed, arrow_type), pa.array(variant, pa.string())


def _keys(rows: list[Mapping[str, Any]]) -> list[str]:
    """Every key of `rows`, in order of first appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def without_pandas_probe() -> None:
    """Spare a load process the import of pandas (~0.5 s, ~50 MiB), which pyarrow performs the
    first time `pa.array` meets a Python list, only to ask whether the list is a pandas object;
    our pages never are. With pandas hidden for one conversion, pyarrow's shim notes "no pandas"
    and stops asking; anything that later asks pyarrow for a pandas conversion still gets one
    (the shim imports pandas then). Call it once, early, in a process that converts pages and
    hands pyarrow no pandas objects (the load runner); it does nothing once pandas is loaded."""
    if "pandas" in sys.modules:
        return
    hidden = _HidePandas()
    sys.meta_path.insert(0, hidden)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(hidden)


class _HidePandas:
    """An import finder under which `import pandas` fails (see `without_pandas_probe`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas":
            raise ModuleNotFoundError("hidden from pyarrow's pandas probe", name=name)


def _as_struct_table(records: list[Any]) -> pa.Table | None:
    """The page as one Arrow table with types inferred in C++, or None when some record is not
    an object or a field's values do not share one JSON type (the value-by-value path decides)."""
    if not records or not all(type(r) is dict for r in records):
        return None
    try:
        rows = pa.array(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    return pa.Table.from_struct_array(rows) if pa.types.is_struct(rows.type) else None


def _cast_inferred(
    column: pa.ChunkedArray | None, arrow_type: pa.DataType, length: int
) -> pa.Array | None:
    """`column` (as Arrow inferred it from JSON) in `arrow_type` when a vectorised cast means
    what the value-by-value conversion means; None when it needs that conversion."""
    if column is None or pa.types.is_null(column.type):
        return pa.nulls(length, arrow_type)
    values = column.combine_chunks()
    if values.type == arrow_type:
        return values
    if pa.types.is_integer(values.type):
        if pa.types.is_timestamp(arrow_type):
            return _from_epoch_ms(values, arrow_type)
        if pa.types.is_string(arrow_type) or pa.types.is_floating(arrow_type):
            return pc.cast(values, arrow_type)
    if pa.types.is_string(values.type) and not (
        pa.types.is_string(arrow_type) or pa.types.is_boolean(arrow_type)
    ):
        blanked = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        try:
            return _text_to_arrow(blanked, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            return None
    return None


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return _dump(value)
    return str(value)


def _dump(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _to_arrow(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """Convert raw JSON values (often strings, as vendors send numbers) to `arrow_type`."""
    cleaned = [None if v == "" else v for v in values]
    if pa.types.is_boolean(arrow_type):
        return pa.array([_parse_bool(v) for v in cleaned], arrow_type)
    if all(v is None or isinstance(v, str) for v in cleaned):
        try:
            return _text_to_arrow(pa.array(cleaned, pa.string()), arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if not pa.types.is_timestamp(arrow_type):
                raise
    if pa.types.is_timestamp(arrow_type):
        return _to_timestamps(cleaned, arrow_type)
    return pa.array(cleaned, arrow_type)


def _text_to_arrow(text: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """Vectorised conversion of text (no blanks) to `arrow_type`; raises when a value does not
    convert."""
    if pa.types.is_timestamp(arrow_type):
        if pc.all(pc.match_substring_regex(text, r"^[0-9]+$")).as_py() is not False:
            return _from_epoch_ms(pc.cast(text, pa.int64()), arrow_type)
        return pc.cast(text, arrow_type)  # ISO 8601 with a zone
    if pa.types.is_integer(arrow_type):
        # "12.0" from some vendors is still an integer
        as_float = pc.cast(text, pa.float64())
        if pc.all(pc.equal(pc.floor(as_float), as_float)).as_py() is False:
            raise ValueError("fractional value in an integer column")
        return pc.cast(as_float, arrow_type)
    return pc.cast(text, arrow_type)


def _to_timestamps(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """Epoch milliseconds (numbers or digits), or anything `_parse_timestamp` reads, value by
    value."""
    present = [v for v in values if v is not None]
    if all(type(v) is int or (type(v) is str and v.isdigit()) for v in present):
        millis = pa.array([None if v is None else int(v) for v in values], pa.int64())
        return _from_epoch_ms(millis, arrow_type)
    return pa.array([_parse_timestamp(v) for v in values], arrow_type)


def _from_epoch_ms(millis: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """Integer epoch milliseconds (how HubSpot sends times) as `arrow_type` timestamps."""
    return pc.cast(pc.cast(millis, pa.timestamp("ms", tz="UTC")), arrow_type)


def _parse_timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)  # epoch milliseconds
    text = str(value)
    if text.endswith("+0000"):  # Salesforce: 2026-01-02T03:04:05.000+0000
        text = text[:-5] + "+00:00"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def batched_tables(tables: Iterable[pa.Table | None], min_rows: int = 20_000) -> Iterator[pa.Table]:
    """Concatenate small page tables into batches of at least `min_rows` (memory stays bounded)."""
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        if table is None or table.num_rows == 0:
            continue
        pending.append(table)
        count += table.num_rows
        if count >= min_rows:
            yield pa.concat_tables(pending, promote_options="default")
            pending, count = [], 0
    if pending:
        yield pa.concat_tables(pending, promote_options="default")
