"""Sync specs as code: `reverse/syncs.yml` parsed into `SyncSpec`s and checked before anything is sent.

Checked here, offline: the shape of every spec (names, modes, null policy, batch size, cron).
Checked against the published warehouse (`check_against_model`): the model, key, filter and
mapped columns exist. Checked against the destination (reverse/writers/, one metadata
read): the object and fields exist and are writable. Every message names the sync and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml
from croniter import croniter

DEFAULT_SPECS = Path(__file__).resolve().parent / "syncs.yml"
MODES = ("update", "upsert", "mirror")
NULL_POLICIES = ("keep", "clear")
DEFAULT_MAX_ATTEMPTS = 5
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SPEC_KEYS = {
    "name", "model", "filter", "key", "destination", "mode", "mappings", "null_policy",
    "batch_size", "schedule", "max_attempts", "description", "min_change",
}  # fmt: skip
_DESTINATION_KEYS = {"system", "object", "match_field"}
_NUMERIC_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE",
}  # fmt: skip


def _numeric(data_type: str) -> bool:
    return data_type in _NUMERIC_TYPES or data_type.startswith("DECIMAL")


class SpecError(ValueError):
    """A sync spec is invalid; the message names the file, the sync and the field."""


@dataclass(frozen=True)
class Mapping:
    column: str  # the model's column
    field: str  # the destination's field / property


@dataclass(frozen=True)
class Destination:
    system: str  # hubspot | salesforce
    object: str  # contacts | Lead | Contact
    match_field: str  # the destination field the key is matched on


@dataclass(frozen=True)
class SyncSpec:
    name: str
    model: str  # table or view of the published warehouse: "marts.crm_record_scores"
    key: str  # the model column holding the destination's match value
    destination: Destination
    mode: str
    mappings: tuple[Mapping, ...]
    null_policy: str = "keep"
    batch_size: int | None = None  # None: the destination's maximum
    schedule: str = "0 * * * *"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    filter: dict[str, Any] = field(default_factory=dict)  # column → required value
    description: str = ""
    # destination field → the least move of its number, since the value the destination last
    # accepted, that sends the record; a change of any other mapped field (a tier, a date)
    # always sends it, and so does a value turning null or non-null
    min_change: dict[str, float] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return [m.field for m in self.mappings]


def _require(raw: dict[str, Any], key: str, where: str) -> Any:
    value = raw.get(key)
    if value in (None, "", [], {}):
        raise SpecError(f"{where}: `{key}` is required")
    return value


def _parse_one(raw: Any, where: str, defaults: dict[str, Any]) -> SyncSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: each sync must be a mapping")
    raw = {**defaults, **raw}
    unknown = sorted(set(raw) - _SPEC_KEYS)
    if unknown:
        raise SpecError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    name = str(_require(raw, "name", where))
    where = f"{where} ({name})"
    if not _NAME.match(name):
        raise SpecError(f"{where}: `name` must be lower_snake_case, got {name!r}")
    dest = _require(raw, "destination", where)
    if not isinstance(dest, dict) or set(dest) - _DESTINATION_KEYS:
        raise SpecError(
            f"{where}: `destination` must be a mapping of {', '.join(sorted(_DESTINATION_KEYS))}"
        )
    destination = Destination(
        str(_require(dest, "system", f"{where} destination")),
        str(_require(dest, "object", f"{where} destination")),
        str(_require(dest, "match_field", f"{where} destination")),
    )
    mode = str(raw.get("mode", "update"))
    if mode not in MODES:
        raise SpecError(f"{where}: `mode` must be one of {', '.join(MODES)}, got {mode!r}")
    null_policy = str(raw.get("null_policy", "keep"))
    if null_policy not in NULL_POLICIES:
        raise SpecError(
            f"{where}: `null_policy` must be one of {', '.join(NULL_POLICIES)}, got {null_policy!r}"
        )
    mappings = []
    for n, item in enumerate(_require(raw, "mappings", where)):
        if not isinstance(item, dict) or set(item) != {"from", "to"}:
            raise SpecError(f"{where}: mappings[{n}] must be {{from: <column>, to: <field>}}")
        mappings.append(Mapping(str(item["from"]), str(item["to"])))
    targets = [m.field for m in mappings]
    duplicated = sorted({f for f in targets if targets.count(f) > 1})
    if duplicated:
        raise SpecError(f"{where}: field(s) {', '.join(duplicated)} mapped twice")
    if destination.match_field in targets:
        raise SpecError(f"{where}: the match field {destination.match_field} cannot be mapped")
    schedule = str(raw.get("schedule", "0 * * * *"))
    if not croniter.is_valid(schedule):
        raise SpecError(f"{where}: `schedule` {schedule!r} is not a valid cron expression")
    batch_size, max_attempts = raw.get("batch_size"), raw.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
    for key, value, optional in (
        ("batch_size", batch_size, True),
        ("max_attempts", max_attempts, False),
    ):
        if not (value is None and optional) and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise SpecError(f"{where}: `{key}` must be a positive integer, got {value!r}")
    min_change = _parse_min_change(raw.get("min_change"), targets, where)
    flt = raw.get("filter") or {}
    if not isinstance(flt, dict):
        raise SpecError(f"{where}: `filter` must be a mapping of column: value")
    return SyncSpec(
        name=name,
        model=str(_require(raw, "model", where)),
        key=str(_require(raw, "key", where)),
        destination=destination,
        mode=mode,
        mappings=tuple(mappings),
        null_policy=null_policy,
        batch_size=batch_size,
        schedule=schedule,
        max_attempts=max_attempts,
        filter=dict(flt),
        description=str(raw.get("description", "")),
        min_change=min_change,
    )


def _parse_min_change(raw: Any, targets: list[str], where: str) -> dict[str, float]:
    """`min_change: {field: threshold}` over mapped destination fields, thresholds > 0."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: `min_change` must be a mapping of destination field: number")
    parsed = {}
    for name, threshold in raw.items():
        if name not in targets:
            raise SpecError(
                f"{where}: min_change {name}: not a mapped destination field "
                f"(mapped: {', '.join(targets)})"
            )
        if (
            not isinstance(threshold, int | float)
            or isinstance(threshold, bool)
            or not threshold > 0
            or threshold == float("inf")
        ):
            raise SpecError(
                f"{where}: min_change {name}: must be a positive number, got {threshold!r}"
            )
        parsed[str(name)] = float(threshold)
    return parsed


def read_spec_document(path: Path) -> dict[str, Any]:
    """The spec file's top-level mapping (one-way `syncs:` and `defaults:`, `two_way:`)."""
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise SpecError(f"cannot read sync specs {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{path}: expected a mapping with `syncs:` (and optional `defaults:`)")
    return document


def load_specs(path: Path = DEFAULT_SPECS) -> list[SyncSpec]:
    """Every sync of the spec file, shape-checked."""
    document = read_spec_document(path)
    defaults = document.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SpecError(f"{path}: `defaults` must be a mapping of setting: value")
    syncs = document.get("syncs")
    if not isinstance(syncs, list):
        raise SpecError(f"{path}: expected a `syncs:` list")
    specs = [_parse_one(raw, f"{path.name} syncs[{n}]", defaults) for n, raw in enumerate(syncs)]
    names = [s.name for s in specs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SpecError(f"{path}: sync name(s) {', '.join(duplicated)} used twice")
    return specs


def select_specs(specs: list[SyncSpec], names: tuple[str, ...]) -> list[SyncSpec]:
    """The specs named (all when none are), refusing unknown names."""
    known = {s.name: s for s in specs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SpecError(f"unknown sync(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names] if names else specs


def model_relation(spec: SyncSpec) -> tuple[str, str]:
    """(schema, table) of the spec's model; a bare name lives in `marts`."""
    schema, _, table = spec.model.rpartition(".")
    return schema or "marts", table


def check_against_model(spec: SyncSpec, con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """The model exists in the warehouse attached as `catalog`, with every column the spec uses."""
    schema, table = model_relation(spec)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = ? AND table_name = ?",
        [catalog, schema, table],
    ).fetchall()
    if not rows:
        raise SpecError(
            f"sync {spec.name}: model {schema}.{table} does not exist in the published warehouse "
            "(run `roundtrip transform`, or fix `model`)"
        )
    columns = {r[0]: r[1] for r in rows}
    used = [("key", spec.key)]
    used += [("filter", c) for c in spec.filter]
    used += [(f"mappings from {m.field}", m.column) for m in spec.mappings]
    for role, column in used:
        if column not in columns:
            raise SpecError(
                f"sync {spec.name}: {role}: column {column!r} is not in {schema}.{table} "
                f"(columns: {', '.join(sorted(columns))})"
            )
    for m in spec.mappings:
        if m.field in spec.min_change and not _numeric(columns[m.column]):
            raise SpecError(
                f"sync {spec.name}: min_change {m.field}: column {m.column!r} is "
                f"{columns[m.column]}, not a number"
            )
