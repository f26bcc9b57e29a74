"""HubSpot CRM: objects (list, get, search, batch read/update/upsert), properties, associations.

Objects live in hubspot_{contacts,companies,deals}; every non-bookkeeping column is a property
(a string, NULL = unset). `createdate`, the modified-date property (`lastmodifieddate` for
contacts, `hs_lastmodifieddate` for companies and deals) and `hs_object_id` are derived from the
bookkeeping columns. Lists page by keyset on id (`after` = the last id served); search pages by
offset and is capped at 10,000 results like HubSpot's; archived records never reach search.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
import pyarrow as pa
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server import hubspot_legacy, hubspot_standard
from sandbox.server.common import (
    Endpoint,
    VendorContext,
    VendorError,
    VendorPolicy,
    json_response,
    read_json_body,
)
from sandbox.server.hubspot_errors import error_body
from sandbox.server.hubspot_standard import CORE_PROPERTIES, canonical, singular
from sandbox.server.snapshot import Snapshots

LIST_MAX = 100
SEARCH_MAX = 200
SEARCH_CAP = 10_000
BATCH_MAX = 100
HISTORY_BATCH_MAX = 50  # inputs of a batch read asking for `propertiesWithHistory`
_BOOKKEEPING = ("id", "created_at", "updated_at", "archived", "archived_at")
# (from, to) → HubSpot-defined association type id; the world stores one direction per pair.
ASSOCIATION_TYPES = {
    ("contacts", "companies"): 279, ("companies", "contacts"): 280,
    ("deals", "contacts"): 3, ("contacts", "deals"): 4,
    ("deals", "companies"): 341, ("companies", "deals"): 342,
}  # fmt: skip
_ENUM_OPTIONS = {
    "lifecyclestage": ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
                       "opportunity", "customer", "evangelist", "other"),
    "dealstage": ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                  "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"),
    "lead_tier": ("A", "B", "C", "D"),
}  # fmt: skip
# HubSpot-defined properties whose value no API call sets directly (`readOnlyValue`): the email
# opt-out changes only through the Communication Preferences API (hubspot_preferences.py).
READ_ONLY_VALUES = {"hs_email_optout"}
_DEFAULTS = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": ("amount", "closedate", "createdate", "dealname", "dealstage",
              "hs_lastmodifieddate", "hs_object_id", "pipeline"),
}  # fmt: skip


@dataclass(frozen=True)
class Prop:
    """One property: its column (selected, filtered, sorted on) and type."""

    name: str
    label: str
    type: str
    field_type: str
    group: str
    hubspot_defined: bool
    column: str
    writable: bool
    derived: int | None = None  # index into (id, createdAt, updatedAt) for derived properties


@dataclass(frozen=True)
class ObjectType:
    name: str
    table: str | None  # None: a standard object the company has no records of
    modified: str
    props: dict[str, Prop]

    @property
    def defaults(self) -> tuple[str, ...]:
        return _DEFAULTS.get(self.name, ("createdate", self.modified, "hs_object_id"))


def _derived(name: str, modified: str) -> dict[str, Prop]:
    """The properties every object has, derived from the bookkeeping columns."""
    group = f"{singular(name)}information"
    return {
        "createdate": Prop("createdate", "Create Date", "datetime", "date", group, True,
                           "created_at", False, derived=1),
        modified: Prop(modified, "Last Modified Date", "datetime", "date", group, True,
                       "updated_at", False, derived=2),
        "hs_object_id": Prop("hs_object_id", "Record ID", "number", "number", group, True,
                             "id", False, derived=0),
    }  # fmt: skip


def empty_object_type(name: str) -> ObjectType:
    """A standard object without records: HubSpot's core property definitions, no table."""
    group = f"{singular(name)}information"
    props = _derived(name, "hs_lastmodifieddate")
    for prop, (label, kind, field_type) in CORE_PROPERTIES[name].items():
        props[prop] = Prop(prop, label, kind, field_type, group, True, f'"{prop}"', True)
    return ObjectType(name, None, "hs_lastmodifieddate", props)


def load_object_types(ctx: VendorContext) -> dict[str, ObjectType]:
    types = {}
    for name in ("contacts", "companies", "deals"):
        table = f"hubspot_{name}"
        modified = "lastmodifieddate" if name == "contacts" else "hs_lastmodifieddate"
        columns = [
            r[0]
            for r in ctx.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        defined = {
            r[0]: r[1:]
            for r in ctx.db.execute(
                "SELECT name, label, type, field_type, group_name, hubspot_defined "
                "FROM hubspot_properties WHERE object_type = ?",
                [name],
            ).fetchall()
        }
        group = f"{singular(name)}information"
        props = _derived(name, modified)
        for column in columns:
            if column in _BOOKKEEPING:
                continue
            label, kind, field_type, group_name, hubspot_defined = defined.get(
                column, (column, "string", "text", group, True)
            )
            quoted = f'"{column}"'
            props[column] = Prop(column, label, kind, field_type, group_name, hubspot_defined,
                                 quoted, column not in READ_ONLY_VALUES)  # fmt: skip
        types[name] = ObjectType(name, table, modified, props)
    return types


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as HubSpot's ISO 8601 string (2026-01-02T03:04:05.123Z)."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class Crm:
    """The CRM handlers over one world; `types` is read once (the schema does not change)."""

    def __init__(self, ctx: VendorContext, policy: VendorPolicy) -> None:
        self.ctx = ctx
        self.policy = policy
        self.types = load_object_types(ctx)
        self.snapshots = Snapshots(ctx.db)
        self._links: dict[tuple[str, str], dict[int, list[int]]] = {}

    # ------------------------------------------------------------------ helpers
    def bad(self, message: str, status: int = 400) -> VendorError:
        return VendorError(self.policy.error(status, message))

    def object_type(self, name: str) -> ObjectType:
        """Plural, singular or type id (`0-1`), as HubSpot accepts them."""
        plural = canonical(name)
        if plural is not None and plural not in self.types and plural in CORE_PROPERTIES:
            self.types[plural] = empty_object_type(plural)
        obj = self.types.get(plural or name)
        if obj is None:
            raise self.bad(f"Unable to infer object type from: {name}")
        return obj

    def int_param(self, value: str | int | None, name: str, default: int, maximum: int) -> int:
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.bad(f"{name} must be an integer, got {value!r}") from None
        if number < 0 or number > maximum:
            raise self.bad(f"{name} must be between 0 and {maximum}, got {number}")
        return number

    @staticmethod
    def wanted(obj: ObjectType, requested: list[str]) -> list[str]:
        """Requested properties that exist (HubSpot ignores unknown ones), else the defaults."""
        names = [p.strip() for item in requested for p in item.split(",") if p.strip()]
        known = [n for n in dict.fromkeys(names) if n in obj.props]
        return known if names else list(obj.defaults)

    @staticmethod
    def exprs(obj: ObjectType, props: list[str]) -> list[str]:
        """SQL for the bookkeeping columns (timestamps as epoch ms) and the stored properties."""
        stored = [obj.props[p].column for p in props if obj.props[p].derived is None]
        bookkeeping = ["id", "epoch_ms(created_at)", "epoch_ms(updated_at)", "archived"]
        return [*bookkeeping, "epoch_ms(archived_at)", *stored]

    def select(self, obj: ObjectType, props: list[str]) -> str:
        return f"SELECT {', '.join(self.exprs(obj, props))} FROM {obj.table}"

    def render(self, obj: ObjectType, row: tuple, props: list[str]) -> dict[str, Any]:
        record_id, created_ms, updated_ms, archived, archived_ms, *values = row
        head = (str(record_id), iso_ms(created_ms), iso_ms(updated_ms))
        stored = iter(values)
        properties = {
            p: next(stored) if (d := obj.props[p].derived) is None else head[d] for p in props
        }
        record = {
            "id": head[0],
            "properties": self.ctx.faults.drift(properties),
            "createdAt": head[1],
            "updatedAt": head[2],
            "archived": archived,
        }
        if archived:
            record["archivedAt"] = iso_ms(archived_ms)
        return record

    def associations(
        self, obj: ObjectType, ids: list[int], to_type: str
    ) -> dict[int, list[tuple[int, int]]]:
        """from id → [(to id, type id)] for `ids`, read from both stored directions."""
        type_id = ASSOCIATION_TYPES.get((obj.name, to_type))
        if type_id is None or not ids:
            return {}
        links = self.links(obj.name, to_type)
        return {i: [(to_id, type_id) for to_id in links[i]] for i in ids if i in links}

    def links(self, from_type: str, to_type: str) -> dict[int, list[int]]:
        """from id → to ids for one pair of types, read once: associations never change while
        the servers run, and a query per batch of ids scans the whole table twice."""
        pair = (from_type, to_type)
        if pair not in self._links:
            rows = self.ctx.db.execute(
                "SELECT from_id, to_id FROM hubspot_associations WHERE from_object_type = ? "
                "AND to_object_type = ? UNION SELECT to_id, from_id FROM hubspot_associations "
                "WHERE to_object_type = ? AND from_object_type = ? ORDER BY 1, 2",
                [from_type, to_type, from_type, to_type],
            ).fetchall()
            links: dict[int, list[int]] = {}
            for from_id, to_id in rows:
                links.setdefault(from_id, []).append(to_id)
            self._links[pair] = links
        return self._links[pair]

    # ------------------------------------------------------------------ list / get
    async def list_objects(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        if obj.table is None:
            return self.ctx.page({"results": []})
        query = request.query_params
        limit = self.int_param(query.get("limit"), "limit", 10, LIST_MAX)
        after = self.int_param(query.get("after"), "after", 0, 2**62)
        archived = query.get("archived", "false").lower() == "true"
        props = self.wanted(obj, query.getlist("properties"))
        # types HubSpot does not know, or the record has none of, are left out (200, not 400)
        assoc_types = [
            plural
            for item in query.getlist("associations")
            for t in item.split(",")
            if (plural := canonical(t)) is not None
        ]
        snapshot = self.snapshots.get(obj.table, "archived" if archived else "NOT archived")
        rows, more = snapshot.page(after, limit, self.exprs(obj, props))
        results = [self.render(obj, row, props) for row in rows]
        ids = [int(r["id"]) for r in results]
        for to_type in assoc_types:
            found = self.associations(obj, ids, to_type)
            label = f"{singular(obj.name)}_to_{singular(to_type)}"
            for record in results:
                linked = found.get(int(record["id"]))
                if linked:
                    record.setdefault("associations", {})[to_type] = {
                        "results": [{"id": str(i), "type": label} for i, _ in linked]
                    }
        body: dict[str, Any] = {"results": results}
        if more:
            cursor = results[-1]["id"]
            params = [(k, v) for k, v in query.multi_items() if k != "after"]
            link = (
                f"{self.ctx.base_url}{request.url.path}?{urlencode([*params, ('after', cursor)])}"
            )
            body["paging"] = {"next": {"after": cursor, "link": link}}
        return self.ctx.page(body)

    async def get_object(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        if obj.table is None:
            raise VendorError(
                json_response(error_body("resource not found", "OBJECT_NOT_FOUND"), 404)
            )
        query = request.query_params
        props = self.wanted(obj, query.getlist("properties"))
        archived = query.get("archived", "false").lower() == "true"
        id_property = query.get("idProperty")
        key = request.path_params["objectId"]
        if id_property and id_property != "hs_object_id":
            if id_property not in obj.props:
                raise self.bad(f"Property {id_property!r} does not exist")
            where, param = f"lower(trim({obj.props[id_property].column})) = lower(trim(?))", key
        else:
            if not key.isdigit():
                raise self.bad(f"Object id {key!r} is not a valid id", 404)
            where, param = "id = ?", int(key)
        row = self.ctx.db.execute(
            self.select(obj, props) + f" WHERE {where} AND archived = ? LIMIT 1", [param, archived]
        ).fetchone()
        if row is None:
            raise VendorError(
                json_response(error_body("resource not found", "OBJECT_NOT_FOUND"), 404)
            )
        record = self.render(obj, row, props)
        with_history = self.wanted(obj, query.getlist("propertiesWithHistory"))
        if query.getlist("propertiesWithHistory"):
            record["propertiesWithHistory"] = self.history(obj, [record["id"]], with_history)[
                record["id"]
            ]
        return json_response(record)

    # ------------------------------------------------------------------ search
    def filter_sql(self, obj: ObjectType, flt: dict[str, Any]) -> tuple[str, list[Any]]:
        name = flt.get("propertyName")
        operator = str(flt.get("operator", "EQ")).upper()
        prop = obj.props.get(name or "")
        if prop is None:
            raise self.bad(
                f"There was a problem with the request: property {name!r} does not exist"
            )
        column = prop.column
        convert: Callable[[Any], Any] = str
        if prop.type in ("datetime", "date") and prop.column in ("created_at", "updated_at"):
            convert = _to_timestamp
        elif prop.type == "number":
            column, convert = f"TRY_CAST({column} AS DOUBLE)", float
        else:
            column = f"lower({column})"
            convert = lambda v: str(v).lower()  # noqa: E731
        try:
            if operator == "HAS_PROPERTY":
                return f"{prop.column} IS NOT NULL", []
            if operator == "NOT_HAS_PROPERTY":
                return f"{prop.column} IS NULL", []
            if operator in ("IN", "NOT_IN"):
                values = [convert(v) for v in flt.get("values") or []]
                if not values:
                    raise self.bad(f"operator {operator} on {name!r} needs `values`")
                sql = f"{column} {'NOT ' if operator == 'NOT_IN' else ''}IN ({', '.join('?' * len(values))})"
                return sql, values
            if operator == "BETWEEN":
                return f"{column} BETWEEN ? AND ?", [
                    convert(flt.get("value")),
                    convert(flt.get("highValue")),
                ]
            if operator == "CONTAINS_TOKEN":
                pattern = str(flt.get("value", "")).lower().replace("*", "%")
                return f"lower({prop.column}) LIKE ?", [
                    pattern if "%" in pattern else f"%{pattern}%"
                ]
            sql_op = {"EQ": "=", "NEQ": "!=", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}.get(
                operator
            )
            if sql_op is None:
                raise self.bad(f"Unsupported filter operator {operator!r} on {name!r}")
            if flt.get("value") is None:
                raise self.bad(f"filter on {name!r} with operator {operator} needs a value")
            return f"{column} {sql_op} ?", [convert(flt["value"])]
        except (TypeError, ValueError):
            raise self.bad(f"Invalid filter value for {name!r}: {flt.get('value')!r}") from None

    async def search(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        body = await read_json_body(request, self.policy)
        if not isinstance(body, dict):
            raise self.bad("Invalid input JSON: expected an object")
        if obj.table is None:
            return self.ctx.page({"total": 0, "results": []})
        limit = self.int_param(body.get("limit"), "limit", 10, SEARCH_MAX)
        offset = self.int_param(body.get("after"), "after", 0, 2**62)
        if offset >= SEARCH_CAP:
            raise self.bad(
                f"Search results are capped at {SEARCH_CAP}: cannot page past after={offset}. "
                "Narrow the query (e.g. restart from the last modified date seen)."
            )
        groups, params = [], []
        for group in body.get("filterGroups") or []:
            parts = []
            for flt in group.get("filters") or []:
                sql, values = self.filter_sql(obj, flt)
                parts.append(sql)
                params.extend(values)
            if parts:
                groups.append("(" + " AND ".join(parts) + ")")
        where = "NOT archived" + (f" AND ({' OR '.join(groups)})" if groups else "")
        order = []
        for sort in body.get("sorts") or []:
            if isinstance(sort, str):
                sort = {"propertyName": sort.lstrip("-"),
                        "direction": "DESCENDING" if sort.startswith("-") else "ASCENDING"}  # fmt: skip
            prop = obj.props.get(sort.get("propertyName", ""))
            if prop is None:
                raise self.bad(f"Cannot sort by unknown property {sort.get('propertyName')!r}")
            direction = "DESC" if str(sort.get("direction", "")).upper() == "DESCENDING" else "ASC"
            order.append(f"{prop.column} {direction}")
        order.append("id")
        props = self.wanted(obj, list(body.get("properties") or []))
        total = self.ctx.db.execute(
            f"SELECT count(*) FROM {obj.table} WHERE {where}", params
        ).fetchone()[0]
        take = min(limit, SEARCH_CAP - offset)
        rows = self.ctx.db.execute(
            self.select(obj, props)
            + f" WHERE {where} ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
            [*params, take, offset],
        ).fetchall()
        out: dict[str, Any] = {
            "total": total,
            "results": [self.render(obj, r, props) for r in rows],
        }
        if offset + len(rows) < total:
            out["paging"] = {"next": {"after": str(offset + len(rows))}}
        return self.ctx.page(out)

    # ------------------------------------------------------------------ batch
    async def batch_inputs(self, request: Request) -> tuple[ObjectType, dict[str, Any], list[dict]]:
        obj = self.object_type(request.path_params["objectType"])
        body = await read_json_body(request, self.policy)
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
            raise self.bad("Invalid input JSON: `inputs` must be a list of objects")
        if len(inputs) > BATCH_MAX:
            raise self.bad(f"Batch input limit exceeded: {len(inputs)} inputs, at most {BATCH_MAX}")
        return obj, body, inputs

    def batch_response(self, results: list[dict], errors: list[dict], started: str) -> Response:
        out: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": started,
            "completedAt": _iso(datetime.now(UTC)),
        }
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = errors
            return json_response(out, 207)
        return json_response(out)

    def not_found(self, obj: ObjectType, ids: list[str]) -> dict[str, Any]:
        return {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": f"Could not get some {singular(obj.name).upper()} objects, they may be "
            f"deleted or not exist. Check that ids are valid.",
            "context": {"ids": ids},
            "errors": [],  # HubSpot's StandardError carries both, usually empty
            "links": {},
        }

    def existing(self, obj: ObjectType, ids: list[str]) -> set[str]:
        numeric = [int(i) for i in ids if i.isdigit()]
        if not numeric:
            return set()
        rows = self.ctx.db.execute(
            f"SELECT CAST(id AS VARCHAR) FROM {obj.table} WHERE NOT archived AND id IN "
            f"({', '.join('?' * len(numeric))})",
            numeric,
        ).fetchall()
        return {r[0] for r in rows}

    def fetch(self, obj: ObjectType, ids: list[str], props: list[str]) -> list[dict[str, Any]]:
        numeric = [int(i) for i in ids if i.isdigit()]
        if not numeric:
            return []
        rows = self.ctx.db.execute(
            self.select(obj, props) + f" WHERE id IN ({', '.join('?' * len(numeric))}) ORDER BY id",
            numeric,
        ).fetchall()
        return [self.render(obj, r, props) for r in rows]

    async def batch_read(self, request: Request) -> Response:
        started = _iso(datetime.now(UTC))
        obj, body, inputs = await self.batch_inputs(request)
        props = self.wanted(obj, list(body.get("properties") or []))
        asked_history = list(body.get("propertiesWithHistory") or [])
        if asked_history and len(inputs) > HISTORY_BATCH_MAX:
            raise self.bad(
                "The maximum number of inputs supported in a batch request for property "
                f"histories is {HISTORY_BATCH_MAX}. Please reduce the number of items and try again"
            )
        ids = [str(i.get("id", "")) for i in inputs]
        found = self.existing(obj, ids) if obj.table is not None else set()
        missing = [i for i in ids if i not in found]
        results = self.fetch(obj, [i for i in ids if i in found], props) if found else []
        if asked_history and results:
            histories = self.history(
                obj, [r["id"] for r in results], self.wanted(obj, asked_history)
            )
            for record in results:
                record["propertiesWithHistory"] = histories[record["id"]]
        return self.batch_response(
            results, [self.not_found(obj, missing)] if missing else [], started
        )

    def validate(self, obj: ObjectType, properties: Any) -> dict[str, str | None]:
        """Property values as stored strings; a HubSpot 400 VALIDATION_ERROR when one is bad."""
        if not isinstance(properties, dict) or not properties:
            raise self.bad("No properties found to update, please provide at least one.")
        problems, values = [], {}
        for name, value in properties.items():
            prop = obj.props.get(name)
            text = None if value is None or value == "" else _as_hubspot_string(value)
            if prop is None:
                problems.append(
                    (name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
                )
            elif not prop.writable:
                problems.append(
                    (
                        name,
                        "READ_ONLY_VALUE",
                        f'"{name}" is a read only property; its value cannot be set.',
                    )
                )
            elif text is not None and name in _ENUM_OPTIONS and text not in _ENUM_OPTIONS[name]:
                problems.append((name, "INVALID_OPTION",
                                 f'{text} was not one of the allowed options: {list(_ENUM_OPTIONS[name])}'))  # fmt: skip
            elif text is not None and prop.type == "number" and not _is_number(text):
                problems.append(
                    (name, "INVALID_DECIMAL", f"{text!r} is not a valid number for {name}")
                )
            else:
                values[name] = text
        if problems:
            detail = [
                {"isValid": False, "message": message, "error": code, "name": name,
                 "localizedErrorMessage": message}
                for name, code, message in problems
            ]  # fmt: skip
            raise VendorError(
                json_response(
                    error_body(
                        f"Property values were not valid: {orjson.dumps(detail).decode()}",
                        "VALIDATION_ERROR",
                    ),
                    400,
                )
            )
        return values

    def write(
        self, obj: ObjectType, items: list[tuple[int, dict[str, str | None]]], created: bool = False
    ) -> None:
        """Set property values on records (one statement per property, not per record), append
        them to the property history, and tell the webhook dispatcher (`ctx.on_write`)."""
        if any(values for _, values in items):
            self.store(obj, items)
        if items and self.ctx.on_write is not None:
            self.ctx.on_write(obj.name, items, created)

    def store(self, obj: ObjectType, items: list[tuple[int, dict[str, str | None]]]) -> None:
        self.snapshots.invalidate(obj.table)
        written = pa.table(
            {
                "id": [record_id for record_id, values in items for _ in values],
                "property": [name for _, values in items for name in values],
                "value": pa.array([v for _, values in items for v in values.values()], pa.string()),
            }
        )
        db = self.ctx.db.cursor()  # its own client context: no other handler's open result
        db.register("written", written)
        try:
            for name in sorted(set(written.column("property").to_pylist())):
                db.execute(
                    f'UPDATE {obj.table} SET "{name}" = written.value FROM written '
                    f"WHERE written.property = ? AND {obj.table}.id = written.id",
                    [name],
                )
            db.execute(
                f"UPDATE {obj.table} SET updated_at = ? "
                "WHERE id IN (SELECT DISTINCT id FROM written)",
                [self.ctx.now],
            )
            db.execute(
                "INSERT INTO hubspot_property_history "
                "SELECT ?, id, property, value, ?, 'INTEGRATION' FROM written",
                [obj.name, self.ctx.now],
            )
        finally:
            db.close()

    def history(
        self, obj: ObjectType, ids: list[str], props: list[str]
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """`propertiesWithHistory` of records `ids`: every value of `props` written through the
        API or a user's edit, newest first. As in HubSpot the newest entry is the current value: a
        value set without a logged write (the generator's world) gets one entry, dated the record's
        creation when it has no history, else its last modification."""
        current = {r["id"]: r for r in self.fetch(obj, ids, props)}
        rows = (
            self.ctx.db.execute(
                "SELECT CAST(object_id AS VARCHAR), property, value, epoch_ms(timestamp), source_type "
                "FROM hubspot_property_history WHERE object_type = ? "
                f"AND object_id IN ({', '.join('?' * len(current))}) "
                f"AND property IN ({', '.join('?' * len(props))}) ORDER BY rowid DESC",
                [obj.name, *map(int, current), *props],
            ).fetchall()
            if current and props
            else []
        )
        out: dict[str, dict[str, list[dict[str, Any]]]] = {
            record_id: {p: [] for p in props} for record_id in current
        }
        for record_id, prop, value, ms, source in rows:
            out[record_id][prop].append(
                {"value": value, "timestamp": iso_ms(ms), "sourceType": source}
            )
        for record_id, record in current.items():
            for prop, entries in out[record_id].items():
                value = record["properties"].get(prop)
                if value is not None and (not entries or entries[0]["value"] != value):
                    at = record["updatedAt"] if entries else record["createdAt"]
                    entries.insert(0, {"value": value, "timestamp": at, "sourceType": "CRM_UI"})
        return out

    async def batch_update(self, request: Request) -> Response:
        started = _iso(datetime.now(UTC))
        obj, _, inputs = await self.batch_inputs(request)
        ids = [str(i.get("id", "")) for i in inputs]
        if len(set(ids)) != len(ids):
            raise self.bad("Duplicate IDs found in batch input: ids must be unique")
        validated = [self.validate(obj, i.get("properties")) for i in inputs]
        found = self.existing(obj, ids)
        missing = [i for i in ids if i not in found]
        self.write(
            obj,
            [(int(i), values) for i, values in zip(ids, validated, strict=True) if i in found],
        )
        props = sorted({n for values in validated for n in values} | set(obj.defaults))
        results = self.fetch(obj, [i for i in ids if i in found], props)
        return self.batch_response(
            results, [self.not_found(obj, missing)] if missing else [], started
        )

    async def batch_archive(self, request: Request) -> Response:
        """`POST /crm/v3/objects/{type}/batch/archive`: archive the records (204, no body, whatever
        each record's state, as HubSpot answers: https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/delete-contacts)."""
        obj, _, inputs = await self.batch_inputs(request)
        ids = [int(i) for i in (str(x.get("id", "")) for x in inputs) if i.isdigit()]
        if ids:
            self.snapshots.invalidate(obj.table)
            self.ctx.db.execute(
                f"UPDATE {obj.table} SET archived = true, archived_at = ?, updated_at = ? "
                f"WHERE NOT archived AND id IN ({', '.join('?' * len(ids))})",
                [self.ctx.now, self.ctx.now, *ids],
            )
        return Response(status_code=204)

    async def batch_upsert(self, request: Request) -> Response:
        started = _iso(datetime.now(UTC))
        obj, _, inputs = await self.batch_inputs(request)
        results = []
        for item in inputs:
            id_property = item.get("idProperty")
            if obj.name != "contacts" or id_property != "email":
                raise self.bad(
                    f"Unable to perform update/upsert by non-unique property {id_property!r} "
                    f"(this sandbox upserts {obj.name} by idProperty=email only)"
                )
            key = str(item.get("id", "")).strip()
            if not key:
                raise self.bad("Upsert input without id (the email address)")
            values = self.validate(obj, item.get("properties"))
            rows = self.ctx.db.execute(
                f"SELECT id FROM {obj.table} WHERE NOT archived AND lower(trim(email)) = lower(?) "
                "ORDER BY id LIMIT 1",
                [key],
            ).fetchall()
            row = rows[0] if rows else None
            if row is None:
                new_id = self.ctx.db.execute(
                    f"SELECT coalesce(max(id), 0) + 1 FROM {obj.table}"
                ).fetchall()[0][0]
                self.ctx.db.execute(
                    f"INSERT INTO {obj.table} (id, created_at, updated_at, archived, email) "
                    "VALUES (?, ?, ?, false, ?)",
                    [new_id, self.ctx.now, self.ctx.now, key],
                )
                self.snapshots.invalidate(obj.table)
                values.pop("email", None)
                record_id, created = new_id, True
            else:
                record_id, created = row[0], False
            if values or created:
                self.write(obj, [(record_id, values)], created)
            props = sorted(set(values) | set(obj.defaults))
            record = self.fetch(obj, [str(record_id)], props)[0]
            record["new"] = created
            results.append(record)
        return self.batch_response(results, [], started)

    # ------------------------------------------------------------------ properties
    def property_json(self, prop: Prop) -> dict[str, Any]:
        options = [
            {"label": o, "value": o, "displayOrder": n, "hidden": False}
            for n, o in enumerate(_ENUM_OPTIONS.get(prop.name, ()))
        ]
        return {
            "name": prop.name,
            "label": prop.label,
            "type": prop.type,
            "fieldType": prop.field_type,
            "description": "",
            "groupName": prop.group,
            "options": options,
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": prop.name in ("email", "hs_object_id"),
            "hidden": False,
            "hubspotDefined": prop.hubspot_defined,
            "formField": prop.writable,
            "createdAt": "2020-01-01T00:00:00.000Z",
            "updatedAt": "2020-01-01T00:00:00.000Z",
            "modificationMetadata": {
                "archivable": not prop.hubspot_defined,
                "readOnlyDefinition": prop.hubspot_defined,
                "readOnlyValue": not prop.writable,
            },
        }

    async def properties(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        return json_response({"results": [self.property_json(p) for p in obj.props.values()]})

    async def property(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        prop = obj.props.get(request.path_params["name"])
        if prop is None:
            raise self.bad(f"Unable to find property {request.path_params['name']!r}", 404)
        return json_response(self.property_json(prop))

    async def legacy_properties(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        return json_response(
            [
                {**self.property_json(p), "readOnlyValue": not p.writable,
                 "deleted": False, "mutableDefinitionNotDeletable": p.hubspot_defined}
                for p in obj.props.values()
            ]
        )  # fmt: skip

    async def schemas(self, request: Request) -> Response:
        """Custom object schemas: this portal has none (standard objects are not listed)."""
        return json_response({"results": []})

    # ------------------------------------------------------------------ associations v4
    def association_types(self, from_type: str, to_type: str) -> list[dict[str, Any]]:
        type_id = ASSOCIATION_TYPES.get((from_type, to_type))
        return [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]

    async def object_associations(self, request: Request) -> Response:
        obj = self.object_type(request.path_params["objectType"])
        to_type = self.object_type(request.path_params["toObjectType"]).name
        key = request.path_params["objectId"]
        if not key.isdigit():
            raise self.bad(f"Object id {key!r} is not a valid id")
        linked = self.associations(obj, [int(key)], to_type).get(int(key), [])
        kinds = self.association_types(obj.name, to_type)
        return json_response(
            {"results": [{"toObjectId": i, "associationTypes": kinds} for i, _ in linked]}
        )

    async def batch_associations(self, request: Request) -> Response:
        started = _iso(datetime.now(UTC))
        obj = self.object_type(request.path_params["fromObjectType"])
        to_type = self.object_type(request.path_params["toObjectType"]).name
        body = await read_json_body(request, self.policy)
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or len(inputs) > 1000:
            raise self.bad("`inputs` must be a list of at most 1000 {id} objects")
        ids = [str(i.get("id", "")) for i in inputs if isinstance(i, dict)]
        found = self.associations(obj, [int(i) for i in ids if i.isdigit()], to_type)
        kinds = self.association_types(obj.name, to_type)
        results, errors = [], []
        for record_id in ids:
            linked = found.get(int(record_id)) if record_id.isdigit() else None
            if linked:
                results.append({"from": {"id": record_id},
                                "to": [{"toObjectId": i, "associationTypes": kinds} for i, _ in linked]})  # fmt: skip
            else:
                errors.append({
                    "status": "error", "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": f"No {singular(to_type)} is associated with {singular(obj.name)} {record_id}.",
                    "context": {"fromObjectId": [record_id]}, "errors": [], "links": {},
                })  # fmt: skip
        return self.batch_response(results, errors, started)


def _to_timestamp(value: Any) -> datetime:
    """A search filter value for a date property: epoch milliseconds or ISO 8601."""
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC).replace(tzinfo=None)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _as_hubspot_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def endpoints(crm: Crm) -> list[Endpoint]:
    ctx = crm.ctx
    objects = "/crm/v3/objects/{objectType}"
    return [
        Endpoint(objects, crm.list_objects),
        Endpoint(f"{objects}/search", crm.search, ("POST",)),
        Endpoint(f"{objects}/batch/read", crm.batch_read, ("POST",)),
        Endpoint(f"{objects}/batch/update", crm.batch_update, ("POST",)),
        Endpoint(f"{objects}/batch/upsert", crm.batch_upsert, ("POST",)),
        Endpoint(f"{objects}/batch/archive", crm.batch_archive, ("POST",)),
        Endpoint(objects + "/{objectId}", crm.get_object),
        Endpoint("/crm/v3/properties/{objectType}", crm.properties),
        Endpoint("/crm/v3/properties/{objectType}/{name}", crm.property),
        Endpoint("/properties/v2/{objectType}/properties", crm.legacy_properties),
        Endpoint("/crm/v3/schemas", crm.schemas),
        *hubspot_standard.endpoints(ctx),
        *hubspot_legacy.endpoints(crm),
        Endpoint("/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}",
                 crm.object_associations),
        Endpoint("/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read",
                 crm.batch_associations, ("POST",)),
    ]  # fmt: skip
