"""sObject Collections writes: `POST composite/sobjects` (create), `PATCH composite/sobjects`
(update by Id), `DELETE composite/sobjects?ids=…` (to the recycle bin) and `PATCH composite/sobjects/{Object}/{ExternalIdField}` (upsert by external id).

At most 200 records. Each record gets `{"id","success","errors"}` in request order; with
`allOrNone` one failure rolls every record back (ALL_OR_NONE_OPERATION_ROLLED_BACK). Writes set
LastModifiedDate and SystemModstamp to the world clock's now, or 1 ms past the record's last
stamp when the world clock has not moved since (it stands still between `sandbox advance`s;
Salesforce's stamps of a record only ever grow, and pollers key changes on them).
"""

from __future__ import annotations

import itertools
from typing import Any

from sandbox.server.salesforce_schema import Field, SObject

MAX_RECORDS = 200
_SYSTEM = {"id", "isdeleted", "createddate", "lastmodifieddate", "systemmodstamp"}


class RecordError(Exception):
    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.error = {"statusCode": code, "message": message, "fields": fields or []}


class Writer:
    def __init__(self, db: Any, sobjects: dict[str, SObject], now: Any) -> None:
        self.db = db
        self.sobjects = sobjects
        self.now = now
        self.new_ids = itertools.count(1)

    def sobject_of(self, record: dict[str, Any], expected: SObject | None = None) -> SObject:
        kind = (record.get("attributes") or {}).get("type")
        if not kind:
            if expected is not None:
                return expected
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        sobject = self.sobjects.get(str(kind).lower())
        if sobject is None:
            raise RecordError("INVALID_TYPE", f"sObject type '{kind}' is not supported.")
        if expected is not None and sobject is not expected:
            raise RecordError("INVALID_TYPE", f"Record type {kind} does not match {expected.name}")
        return sobject

    def values(self, sobject: SObject, record: dict[str, Any], skip: set[str]) -> dict[Field, Any]:
        """The record's field values, checked against the sObject's fields and their types."""
        values: dict[Field, Any] = {}
        for name, value in record.items():
            if name == "attributes" or name.lower() in skip:
                continue
            f = sobject.field(name)
            if f is None:
                raise RecordError(
                    "INVALID_FIELD",
                    f"No such column '{name}' on sobject of type {sobject.name}",
                    [name],
                )
            if not f.updateable or f.name.lower() in _SYSTEM:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {f.name}. Please check the security settings "
                    "of this field and verify that it is read/write for your profile or permission set.",
                    [f.name],
                )
            try:
                values[f] = f.coerce(value)
            except (TypeError, ValueError):
                raise RecordError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{f.name}: value not of required type: {value}",
                    [f.name],
                ) from None
            if values[f] is None and not f.nillable:
                raise RecordError(
                    "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{f.name}]", [f.name]
                )
        return values

    def find(self, sobject: SObject, column: str, key: Any) -> tuple[str, bool] | None:
        """(Id, IsDeleted) of the record whose `column` equals `key`, or None."""
        return self.db.execute(
            f'SELECT "Id", "IsDeleted" FROM {sobject.table} WHERE "{column}" = ? '
            'ORDER BY "IsDeleted", "Id" LIMIT 1',
            [key],
        ).fetchone()

    def update(self, sobject: SObject, record_id: str, values: dict[Field, Any]) -> None:
        sets = ", ".join(f'"{f.name}" = ?' for f in values)
        self.db.execute(
            f"UPDATE {sobject.table} SET {sets + ', ' if sets else ''}"
            '"LastModifiedDate" = greatest(?, "LastModifiedDate" + INTERVAL 1 MILLISECOND), '
            '"SystemModstamp" = greatest(?, "SystemModstamp" + INTERVAL 1 MILLISECOND) '
            'WHERE "Id" = ?',
            [*values.values(), self.now, self.now, record_id],
        )

    def insert(self, sobject: SObject, values: dict[Field, Any]) -> str:
        missing = [
            f.name
            for f in sobject.fields.values()
            if not f.nillable and f.updateable and f.type != "boolean" and f not in values
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}", missing
            )
        while True:
            new_id = f"{sobject.key_prefix}0rT{next(self.new_ids):012d}"
            if self.find(sobject, "Id", new_id) is None:
                break
        row: dict[str, Any] = {"Id": new_id, "IsDeleted": False, "CreatedDate": self.now,
                               "LastModifiedDate": self.now, "SystemModstamp": self.now}  # fmt: skip
        for f in sobject.fields.values():
            if f.type == "boolean" and not f.nillable:
                row.setdefault(f.name, False)
        row.update({f.name: v for f, v in values.items()})
        row = {k: v for k, v in row.items() if sobject.field(k) is not None}
        columns = ", ".join(f'"{k}"' for k in row)
        self.db.execute(
            f"INSERT INTO {sobject.table} ({columns}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        return new_id

    def update_one(self, record: dict[str, Any]) -> dict[str, Any]:
        sobject = self.sobject_of(record)
        record_id = record.get("id") or record.get("Id")
        if not record_id:
            raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
        values = self.values(sobject, record, {"id"})
        found = self.find(sobject, "Id", str(record_id))
        if found is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if found[1]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        self.update(sobject, found[0], values)
        return {"id": found[0], "success": True, "errors": []}

    def create_one(self, record: dict[str, Any]) -> dict[str, Any]:
        sobject = self.sobject_of(record)
        if any(k.lower() == "id" for k in record):
            raise RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        values = self.values(sobject, record, set())
        if sobject.name == "CampaignMember":
            self.refuse_duplicate_member({f.name: v for f, v in values.items()})
        return {"id": self.insert(sobject, values), "success": True, "errors": []}

    def refuse_duplicate_member(self, member: dict[str, Any]) -> None:
        """A Lead or Contact is in a Campaign at most once (DUPLICATE_VALUE, as Salesforce says)."""
        for who in ("LeadId", "ContactId"):
            if (
                member.get(who)
                and self.db.execute(
                    f'SELECT 1 FROM salesforce_campaign_member WHERE "CampaignId" = ? AND "{who}" = ? '
                    'AND NOT "IsDeleted"',
                    [member.get("CampaignId"), member[who]],
                ).fetchone()
            ):
                raise RecordError("DUPLICATE_VALUE", "Already a campaign member.", [])

    def upsert_one(
        self, sobject: SObject, key_field: Field, record: dict[str, Any]
    ) -> dict[str, Any]:
        self.sobject_of(record, sobject)
        key = next((v for k, v in record.items() if k.lower() == key_field.name.lower()), None)
        if key in (None, ""):
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{key_field.name}]",
                [key_field.name],
            )
        values = self.values(sobject, record, {"id"})
        found = self.find(sobject, key_field.name, key_field.coerce(key))
        if found is not None and found[1]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        if found is None:
            return {
                "id": self.insert(sobject, values),
                "success": True,
                "errors": [],
                "created": True,
            }
        values.pop(key_field, None)
        self.update(sobject, found[0], values)
        return {"id": found[0], "success": True, "errors": [], "created": False}

    def delete_one(self, record: dict[str, Any]) -> dict[str, Any]:
        """Move a record to the recycle bin (`IsDeleted`), found by its Id's key prefix."""
        record_id = str(record.get("id") or "")
        sobject = next(
            (
                s
                for s in self.sobjects.values()
                if s.key_prefix and record_id.startswith(s.key_prefix)
            ),
            None,
        )
        if sobject is None:
            raise RecordError("MALFORMED_ID", f"malformed id {record_id}", [])
        found = self.find(sobject, "Id", record_id)
        if found is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if found[1]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        self.db.execute(
            f'UPDATE {sobject.table} SET "IsDeleted" = true, '
            '"SystemModstamp" = greatest(?, "SystemModstamp" + INTERVAL 1 MILLISECOND) '
            'WHERE "Id" = ?',
            [self.now, record_id],
        )
        return {"id": record_id, "success": True, "errors": []}

    def apply(self, records: list[Any], all_or_none: bool, one: Any) -> list[dict[str, Any]]:
        """Run `one(record)` per record; with all_or_none, roll back everything on any failure."""
        self.db.execute("BEGIN TRANSACTION")
        results: list[dict[str, Any]] = []
        try:
            for record in records:
                try:
                    if not isinstance(record, dict):
                        raise RecordError("JSON_PARSER_ERROR", "each record must be a JSON object")
                    results.append(one(record))
                except RecordError as exc:
                    results.append({"success": False, "errors": [exc.error]})
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if all_or_none and not all(r["success"] for r in results):
            self.db.execute("ROLLBACK")
            rolled_back = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                           "message": "Record rolled back because not all records were valid and "
                           "the request was using AllOrNone header", "fields": []}  # fmt: skip
            return [
                r
                if not r["success"]
                else {"id": r["id"], "success": False, "errors": [rolled_back]}
                for r in results
            ]
        self.db.execute("COMMIT")
        return results
