"""The Salesforce org's sObjects and fields (from salesforce_fields) and record rendering.

Field names are case-insensitive in SOQL and writes; records are rendered with the canonical API
names, datetimes as `2026-01-02T03:04:05.000+0000`, dates as `YYYY-MM-DD`, and `attributes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from sandbox.server.soql import parse_datetime

KEY_PREFIXES = {"Lead": "00Q", "Contact": "003", "Account": "001", "Opportunity": "006",
                "Campaign": "701", "CampaignMember": "00v", "OpportunityContactRole": "00K",
                "Task": "00T", "User": "005"}  # fmt: skip
_SOAP_TYPES = {"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean",
               "datetime": "xsd:dateTime", "date": "xsd:date", "double": "xsd:double",
               "currency": "xsd:double", "int": "xsd:int", "percent": "xsd:double"}  # fmt: skip
NUMERIC = ("double", "currency", "int", "percent")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    custom: bool
    nillable: bool
    updateable: bool
    external_id: bool

    def select(self) -> str:
        """SQL rendering this field the way the REST API serialises it."""
        column = f'"{self.name}"'
        if self.type == "datetime":
            return f"strftime({column}, '%Y-%m-%dT%H:%M:%S.%g+0000')"
        if self.type == "date":
            return f"CAST({column} AS VARCHAR)"
        return column

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "custom": self.custom,
            "nillable": self.nillable,
            "updateable": self.updateable,
            "createable": self.updateable,
            "externalId": self.external_id,
            "idLookup": self.external_id or self.name == "Id",
            "unique": self.external_id,
            "filterable": True,
            "sortable": True,
            "length": 0 if self.type in (*NUMERIC, "boolean", "date", "datetime") else 255,
            "precision": 18 if self.type in ("double", "currency") else 0,
            "scale": 2 if self.type in ("double", "currency") else 0,
            "calculated": False,
            "defaultedOnCreate": self.type == "boolean" or not self.updateable,
            "referenceTo": [],
            "picklistValues": [],
        }

    def coerce(self, value: Any) -> Any:
        """A JSON value for this field as a DuckDB parameter; ValueError if of the wrong type."""
        if value is None:
            return None
        if self.type == "boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if self.type in NUMERIC:
            if isinstance(value, bool):
                raise ValueError
            return int(value) if self.type == "int" else float(value)
        if self.type == "datetime":
            return parse_datetime(str(value))
        if self.type == "date":
            return date.fromisoformat(str(value)[:10])
        if isinstance(value, dict | list):
            raise ValueError
        return str(value)


@dataclass(frozen=True)
class Related:
    """A parent's field selected through a relationship (`Account.Name` on Contact): read with a
    correlated subquery on the reference field, rendered as a nested record (null when unset)."""

    relationship: str  # Account
    via: Field  # AccountId on the child
    parent: SObject
    field: Field  # Name on the parent
    child_table: str

    @property
    def name(self) -> str:
        return f"{self.relationship}.{self.field.name}"

    def select(self) -> str:
        return (
            f'(SELECT struct_pack(id := p."Id", v := {self.field.select()}) FROM '
            f'{self.parent.table} p WHERE p."Id" = {self.child_table}."{self.via.name}")'
        )

    def put(self, record: dict[str, Any], value: dict[str, Any] | None, version: str) -> None:
        if value is None:
            record.setdefault(self.relationship, None)
            return
        nested = record.get(self.relationship) or {
            "attributes": {
                "type": self.parent.name,
                "url": self.parent.record_url(version, value["id"]),
            }
        }
        nested[self.field.name] = value["v"]
        record[self.relationship] = nested


@dataclass(frozen=True)
class SObject:
    name: str
    table: str
    key_prefix: str
    fields: dict[str, Field]  # lower-cased name → field

    def field(self, name: str) -> Field | None:
        return self.fields.get(name.lower())

    def record_url(self, version: str, record_id: str) -> str:
        return f"/services/data/{version}/sobjects/{self.name}/{record_id}"


def table_name(sobject: str) -> str:
    """Lead → salesforce_lead, OpportunityContactRole → salesforce_opportunity_contact_role."""
    return "salesforce_" + re.sub(r"(?<!^)(?=[A-Z])", "_", sobject).lower()


def load_sobjects(db: duckdb.DuckDBPyConnection) -> dict[str, SObject]:
    """lower-cased sObject name → SObject, for every sObject with fields and a table."""
    rows = db.execute(
        "SELECT sobject, name, label, type, custom, nillable, updateable, external_id "
        "FROM salesforce_fields ORDER BY sobject"
    ).fetchall()
    tables = {
        r[0] for r in db.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    columns: dict[str, list[str]] = {}
    for table, column in db.execute(
        "SELECT table_name, column_name FROM information_schema.columns ORDER BY ordinal_position"
    ).fetchall():
        columns.setdefault(table, []).append(column)
    fields: dict[str, dict[str, Field]] = {}
    for sobject, *spec in rows:
        fields.setdefault(sobject, {})[spec[0].lower()] = Field(*spec)
    result = {}
    for sobject, by_name in fields.items():
        table = table_name(sobject)
        if table not in tables:
            continue
        ordered = {c.lower(): by_name[c.lower()] for c in columns[table] if c.lower() in by_name}
        prefix = KEY_PREFIXES.get(sobject, "a00")
        result[sobject.lower()] = SObject(sobject, table, prefix, ordered)
    return result


def render(
    sobject: SObject, version: str, fields: list[Field | Related], row: tuple, drift: Any
) -> dict[str, Any]:
    """One record: `attributes` first, then the fields in query order (Id must be in `row[0]`)."""
    record: dict[str, Any] = {
        "attributes": {"type": sobject.name, "url": sobject.record_url(version, row[0])}
    }
    for f, value in zip(fields, row[1:], strict=True):
        if isinstance(f, Related):
            f.put(record, value, version)
        else:
            record[f.name] = value
    return drift(record)
