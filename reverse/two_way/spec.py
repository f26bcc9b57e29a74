"""Two-way sync specs (the `two_way:` list of `reverse/syncs.yml`): which HubSpot property pairs with which Salesforce
field, in which direction, who wins a conflict, and how values convert.

Per field mapping:

| key | meaning |
|---|---|
| `map` | the HubSpot contact property |
| `crm` | the Salesforce field: one name for Lead and Contact, or `{Lead: …, Contact: …}` |
| `direction` | `both` (default) · `crm_to_map` · `map_to_crm`: the other side is overwritten by the owner |
| `conflict` | for `both`: `newest` (default: HubSpot's time of the value, from its property history, against the Salesforce record's LastModifiedDate; see `field_times.py`) · `crm_wins` · `map_wins` |
| `type` | `text` (default) · `number` · `boolean` · `date` · `email` (compared lower-cased) · `owner` (HubSpot owner id ↔ Salesforce user id, matched by e-mail address: `owners.py`): how values compare and convert |
| `values` | a `{crm value: map value}` table for picklists / enumerations (one-to-one when the MAP writes back) |
| `opt_out` | true for an opt-out flag: `true` on either side always wins (compliance, not preference) |

Shape errors name the file, the sync and the field; checks against the vendors' metadata (field
exists, writable, type) live in `check.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from croniter import croniter

from reverse.specs import DEFAULT_SPECS, SpecError, read_spec_document

MAP, CRM = "map", "crm"  # the two sides: HubSpot (marketing automation) and Salesforce (CRM)
MAP_SYSTEM, CRM_SYSTEM, MAP_OBJECT = "hubspot", "salesforce", "contacts"
CRM_OBJECTS = ("Lead", "Contact")
DIRECTIONS = ("both", "crm_to_map", "map_to_crm")
CONFLICTS = ("newest", "crm_wins", "map_wins")
TYPES = ("text", "number", "boolean", "date", "email", "owner")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SYNC_KEYS = {
    "name", "description", "crm_objects", "create", "propagate_deletes", "fields", "schedule",
}  # fmt: skip
DEFAULT_SCHEDULE = "20 * * * *"
_FIELD_KEYS = {"map", "crm", "direction", "conflict", "type", "values", "opt_out"}


@dataclass(frozen=True)
class FieldMap:
    map: str  # HubSpot property
    crm: dict[str, str]  # Salesforce object → field (objects without the field are skipped)
    direction: str = "both"
    conflict: str = "newest"
    type: str = "text"
    values: dict[str, str] = field(default_factory=dict)  # crm value → map value
    opt_out: bool = False

    def writes_to(self, side: str) -> bool:
        """May a value flow into `side`?"""
        return self.direction == "both" or self.direction == (
            "crm_to_map" if side == MAP else "map_to_crm"
        )


@dataclass(frozen=True)
class TwoWaySpec:
    name: str
    fields: tuple[FieldMap, ...]
    crm_objects: tuple[str, ...] = CRM_OBJECTS
    create: dict[str, bool] = field(  # per direction: make the unmatched record's counterpart
        default_factory=lambda: {"crm_to_map": False, "map_to_crm": False}
    )
    propagate_deletes: bool = False
    description: str = ""
    schedule: str = DEFAULT_SCHEDULE  # cron of `roundtrip schedule`

    def crm_fields(self, crm_object: str) -> list[tuple[FieldMap, str]]:
        """(mapping, Salesforce field) of every mapping that exists on `crm_object`."""
        return [(f, f.crm[crm_object]) for f in self.fields if crm_object in f.crm]


def _field(raw: Any, where: str, crm_objects: tuple[str, ...]) -> FieldMap:
    if not isinstance(raw, dict) or not {"map", "crm"} <= set(raw):
        raise SpecError(f"{where}: each field mapping needs `map` and `crm`")
    unknown = sorted(set(raw) - _FIELD_KEYS)
    if unknown:
        raise SpecError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    name = str(raw["map"])
    where = f"{where} ({name})"
    crm = raw["crm"]
    crm_by_object = {o: str(crm) for o in crm_objects} if isinstance(crm, str) else crm
    if not isinstance(crm_by_object, dict) or not crm_by_object:
        raise SpecError(f"{where}: `crm` must be a field name or {{Lead: field, Contact: field}}")
    for obj in crm_by_object:
        if obj not in crm_objects:
            raise SpecError(f"{where}: `crm` object {obj!r} is not one of {', '.join(crm_objects)}")
    choices = {"direction": DIRECTIONS, "conflict": CONFLICTS, "type": TYPES}
    chosen = {k: str(raw.get(k, v[0])) for k, v in choices.items()}
    for key, allowed in choices.items():
        if chosen[key] not in allowed:
            raise SpecError(
                f"{where}: `{key}` must be one of {', '.join(allowed)}, got {chosen[key]!r}"
            )
    values = raw.get("values") or {}
    if not isinstance(values, dict):
        raise SpecError(f"{where}: `values` must be a mapping of crm value: map value")
    values = {str(k): str(v) for k, v in values.items()}
    if chosen["direction"] != "crm_to_map" and len(set(values.values())) != len(values):
        doubled = sorted({v for v in values.values() if list(values.values()).count(v) > 1})
        raise SpecError(
            f"{where}: `values` maps several crm values to {', '.join(doubled)}; a field the MAP "
            "writes back needs a one-to-one table (or direction: crm_to_map)"
        )
    opt_out = raw.get("opt_out", False)
    if not isinstance(opt_out, bool) or (opt_out and chosen["type"] != "boolean"):
        raise SpecError(f"{where}: `opt_out` must be true or false, on a field of type boolean")
    return FieldMap(
        name,
        {str(k): str(v) for k, v in crm_by_object.items()},
        chosen["direction"],
        chosen["conflict"],
        chosen["type"],
        values,
        opt_out,
    )


def _sync(raw: Any, where: str) -> TwoWaySpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: each two-way sync must be a mapping")
    unknown = sorted(set(raw) - _SYNC_KEYS)
    if unknown:
        raise SpecError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    name = str(raw.get("name") or "")
    if not _NAME.match(name):
        raise SpecError(f"{where}: `name` must be lower_snake_case, got {name!r}")
    where = f"{where} ({name})"
    objects = raw.get("crm_objects", list(CRM_OBJECTS))
    if not isinstance(objects, list) or not objects or set(objects) - set(CRM_OBJECTS):
        raise SpecError(f"{where}: `crm_objects` must list some of {', '.join(CRM_OBJECTS)}")
    create = raw.get("create") or {}
    if not isinstance(create, dict) or set(create) - {"crm_to_map", "map_to_crm"}:
        raise SpecError(f"{where}: `create` must be {{crm_to_map: bool, map_to_crm: bool}}")
    if not all(isinstance(v, bool) for v in create.values()):
        raise SpecError(f"{where}: `create` values must be true or false")
    propagate = raw.get("propagate_deletes", False)
    if not isinstance(propagate, bool):
        raise SpecError(f"{where}: `propagate_deletes` must be true or false")
    schedule = str(raw.get("schedule", DEFAULT_SCHEDULE))
    if not croniter.is_valid(schedule):
        raise SpecError(f"{where}: `schedule` {schedule!r} is not a valid cron expression")
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise SpecError(f"{where}: `fields` must list the field mappings")
    fields = [_field(f, f"{where} fields[{n}]", tuple(objects)) for n, f in enumerate(raw_fields)]
    for side in ("map", "crm"):
        names = (
            [f.map for f in fields]
            if side == "map"
            else [f"{o}.{n}" for f in fields for o, n in f.crm.items()]
        )
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise SpecError(f"{where}: {side} field(s) {', '.join(doubled)} mapped twice")
    return TwoWaySpec(
        name,
        tuple(fields),
        tuple(objects),
        {"crm_to_map": False, "map_to_crm": False, **create},
        propagate,
        str(raw.get("description", "")),
        schedule,
    )


def load_two_way(path: Path = DEFAULT_SPECS) -> list[TwoWaySpec]:
    """Every two-way sync of the spec file's `two_way:` list, shape-checked (none without it)."""
    syncs = read_spec_document(path).get("two_way", [])
    if not isinstance(syncs, list):
        raise SpecError(f"{path}: `two_way` must be a list of two-way syncs")
    specs = [_sync(raw, f"{path.name} two_way[{n}]") for n, raw in enumerate(syncs)]
    names = [s.name for s in specs]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise SpecError(f"{path}: two-way sync name(s) {', '.join(doubled)} used twice")
    return specs
