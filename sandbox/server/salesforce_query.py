"""SOQL execution for the Salesforce stand-in: validate against the org's fields, run on DuckDB.

`query` hides IsDeleted rows, `queryAll` shows them. Results come in batches (2,000 by default,
`Sforce-Query-Options: batchSize=N` for 200..2000); the rest is fetched with `nextRecordsUrl`
(`/services/data/vXX.X/query/01g…-2000`), a query locator kept in memory while the server runs;
an unknown or expired locator answers INVALID_QUERY_LOCATOR as Salesforce does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sandbox.server.salesforce_schema import NUMERIC, Field, Related, SObject, render
from sandbox.server.soql import BoolOp, Comparison, FieldRef, Literal, Query, SoqlError, parse

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_LOCATORS = 200


def _invalid_field(soql: str, ref: FieldRef, sobject: SObject) -> SoqlError:
    pointer = " " * (ref.column - 1) + "^"
    return SoqlError(
        "INVALID_FIELD",
        f"\n{soql}\n{pointer}\nERROR at Row:1:Column:{ref.column}\n"
        f"No such column '{ref.name}' on entity '{sobject.name}'. If you are attempting to use a "
        "custom field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names.",
    )


@dataclass
class Compiled:
    sobject: SObject
    fields: list[Field | Related]  # the selected fields, in query order
    where: str
    params: list[Any]
    order: str
    limit: int | None
    offset: int
    count: bool


class Compiler:
    """Turns a parsed query into SQL over the sObject's table, checking fields and types."""

    def __init__(self, soql: str, sobject: SObject, sobjects: dict[str, SObject]) -> None:
        self.soql = soql
        self.sobject = sobject
        self.sobjects = sobjects
        self.params: list[Any] = []

    def selected(self, ref: FieldRef) -> Field | Related:
        """A field of the sObject, or a parent's through a relationship (`Account.Name`: the
        reference field AccountId, parent Account; one level, as selected fields only)."""
        relationship, dot, name = ref.name.partition(".")
        if not dot:
            return self.field(ref)
        via = self.sobject.field(f"{relationship}Id")
        # the parent sObject: the relationship's name, or the one it ends with
        # (ConvertedContact → Contact, ReportsTo has none in this org)
        parent = max(
            (o for key, o in self.sobjects.items() if relationship.lower().endswith(key)),
            key=lambda o: len(o.name),
            default=None,
        )
        found = parent.field(name) if parent is not None else None
        if via is None or via.type != "reference" or parent is None or found is None:
            raise _invalid_field(self.soql, ref, self.sobject)
        return Related(relationship, via, parent, found, self.sobject.table)

    def field(self, ref: FieldRef) -> Field:
        found = self.sobject.field(ref.name)
        if found is None:
            raise _invalid_field(self.soql, ref, self.sobject)
        return found

    def value(self, f: Field, literal: Literal) -> Any:
        if literal.kind == "null":
            return None
        expected = {"datetime": ("datetime",), "date": ("date",), "boolean": ("boolean",)}.get(
            f.type, ("number",) if f.type in NUMERIC else ("string",)
        )
        if literal.kind not in expected:
            quoted = " and should not be enclosed in quotes" if literal.kind == "string" else ""
            kind = {"datetime": "dateTime"}.get(f.type, f.type)
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR" if literal.kind != "string" else "MALFORMED_QUERY",
                f"value of filter criterion for field '{f.name}' must be of type {kind}{quoted}",
            )
        return literal.value

    def condition(self, node: Comparison | BoolOp) -> str:
        if isinstance(node, BoolOp):
            if node.op == "NOT":
                return f"NOT ({self.condition(node.parts[0])})"
            return "(" + f" {node.op} ".join(self.condition(p) for p in node.parts) + ")"
        f = self.field(node.field)
        column = f'"{f.name}"'
        if node.op in ("IN", "NOT IN"):
            values = [self.value(f, v) for v in node.value]  # type: ignore[union-attr]
            if f.type not in (*NUMERIC, "boolean", "date", "datetime"):  # case-insensitive
                values = [None if v is None else str(v).lower() for v in values]
                column = f"lower({column})"
            self.params.extend(values)
            return f"{column} {node.op} ({', '.join('?' * len(values))})"
        assert isinstance(node.value, Literal)
        value = self.value(f, node.value)
        if value is None:
            if node.op not in ("=", "!="):
                raise SoqlError(
                    "MALFORMED_QUERY", f"null can only be compared with = or != ({f.name})"
                )
            return f"{column} IS {'NOT ' if node.op == '!=' else ''}NULL"
        self.params.append(value)
        if node.op == "LIKE":
            return f"{column} ILIKE ?"
        # Salesforce string comparisons are case-insensitive.
        if f.type not in (*NUMERIC, "boolean", "date", "datetime"):
            self.params[-1] = str(value).lower()
            return f"lower({column}) {node.op} ?"
        return f"{column} {node.op} ?"

    def compile(self, query: Query, include_deleted: bool) -> Compiled:
        all_fields = list(self.sobject.fields.values())
        if query.fields_function:
            if query.fields_function != "STANDARD" and (query.limit is None or query.limit > 200):
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "The SOQL FIELDS function must have a LIMIT of at most 200",
                )
            keep = {"ALL": lambda f: True, "CUSTOM": lambda f: f.custom,
                    "STANDARD": lambda f: not f.custom}[query.fields_function]  # fmt: skip
            fields = [f for f in all_fields if keep(f)]
        else:
            selected = (self.selected(r) for r in query.fields)
            fields = list({f.name.lower(): f for f in selected}.values())
        where = [] if include_deleted else ['NOT "IsDeleted"']
        if query.where is not None:
            where.append(self.condition(query.where))
        order = [
            f'"{self.field(o.field).name}" {"DESC" if o.descending else "ASC"} '
            f"NULLS {'LAST' if o.nulls_last else 'FIRST'}"
            for o in query.order
        ]
        return Compiled(
            sobject=self.sobject,
            fields=fields,
            where=" AND ".join(where) or "true",
            params=self.params,
            order=", ".join([*order, '"Id"']),
            limit=query.limit,
            offset=query.offset or 0,
            count=query.count,
        )


@dataclass
class Cursor:
    compiled: Compiled
    total: int
    batch: int
    locator: str | None = None


class QueryEngine:
    """Runs SOQL and keeps the cursors behind nextRecordsUrl."""

    def __init__(self, db: Any, sobjects: dict[str, SObject], drift: Any) -> None:
        self.db = db
        self.sobjects = sobjects
        self.drift = drift
        self.cursors: dict[str, Cursor] = {}
        self.ids = itertools.count(1)

    def start(self, soql: str, include_deleted: bool, batch: int) -> Cursor:
        query = parse(soql)
        sobject = self.sobjects.get(query.sobject.lower())
        if sobject is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"\n{soql}\n{' ' * (query.sobject_column - 1)}^\nERROR at Row:1:Column:"
                f"{query.sobject_column}\nsObject type '{query.sobject}' is not supported. If you "
                "are attempting to use a custom object, be sure to append the '__c' after the "
                "entity name. Please reference your WSDL or the describe call for the appropriate "
                "names.",
            )
        compiled = Compiler(soql, sobject, self.sobjects).compile(query, include_deleted)
        total = self.db.execute(
            f"SELECT count(*) FROM {sobject.table} WHERE {compiled.where}", compiled.params
        ).fetchone()[0]
        total = max(total - compiled.offset, 0)
        if compiled.limit is not None:
            total = min(total, compiled.limit)
        return Cursor(compiled, total, batch)

    def fetch(self, cursor: Cursor, start: int, version: str) -> dict[str, Any]:
        """The batch beginning at `start`, with nextRecordsUrl when more remain."""
        c = cursor.compiled
        if c.count:
            return {"totalSize": cursor.total, "done": True, "records": []}
        take = max(min(cursor.batch, cursor.total - start), 0)
        exprs = ", ".join(['"Id"', *(f.select() for f in c.fields)])
        rows = self.db.execute(
            f"SELECT {exprs} FROM {c.sobject.table} WHERE {c.where} ORDER BY {c.order} "
            "LIMIT ? OFFSET ?",
            [*c.params, take, c.offset + start],
        ).fetchall()
        records = [render(c.sobject, version, c.fields, row, self.drift) for row in rows]
        body: dict[str, Any] = {"totalSize": cursor.total, "done": True, "records": records}
        end = start + len(rows)
        if end < cursor.total:
            locator = self.remember(cursor)
            body["done"] = False
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{end}"
        return body

    def remember(self, cursor: Cursor) -> str:
        """The cursor's query locator (18 characters, 01g…); the oldest are forgotten."""
        if cursor.locator is None:
            cursor.locator = f"01g{next(self.ids):015d}"
            self.cursors[cursor.locator] = cursor
            while len(self.cursors) > MAX_LOCATORS:
                self.cursors.pop(next(iter(self.cursors)))
        return cursor.locator

    def resume(self, locator: str) -> tuple[Cursor, int]:
        """The cursor and start position named by `01g…-N` (SoqlError if unknown)."""
        name, _, start = locator.partition("-")
        cursor = self.cursors.get(name)
        if cursor is None or not start.isdigit():
            raise SoqlError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return cursor, int(start)


def batch_size(header: str | None) -> int:
    """The batchSize of a `Sforce-Query-Options` header, clamped to 200..2000 like Salesforce."""
    for part in (header or "").split(","):
        key, _, value = part.partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            return min(max(int(value), MIN_BATCH), DEFAULT_BATCH)
    return DEFAULT_BATCH
