"""The diff: a sync's model rows against what the destination last accepted, in DuckDB.

Each model row becomes a JSON payload of its mapped fields (`to_json(struct_pack(...))`) and
the md5 of that payload is compared with the hash the destination accepted (reverse.state):
new and changed rows are planned, unchanged ones are not, so a sync with nothing changed
sends no write request at all. Mirror syncs also plan a clear for every accepted key that
left the model. Planned rows stream out in batches; nothing holds the whole model in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from reverse.specs import SyncSpec, check_against_model, model_relation
from reverse.state import CLEAR_HASH, DEAD, GONE, RETRYING, known_hashes
from reverse.writers import CLEAR, INSERT, UPDATE, Change

WAREHOUSE = "wh"  # the published warehouse, attached read-only


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class PlanCounts:
    inserts: int = 0
    updates: int = 0
    clears: int = 0
    skipped_null: int = (
        0  # rows whose mapped values are all null (null_policy keep): nothing to send
    )
    invalid: int = 0  # rows without a key, or whose key is duplicated in the model
    retried: int = 0  # planned rows the destination rejected before
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def planned(self) -> int:
        return self.inserts + self.updates + self.clears


def _non_finite(column: str, name: str) -> str:
    """SQL naming `name` when the row's `column` is a NaN or infinite float, else NULL."""
    quoted = quote_identifier(column)
    return (
        f"CASE WHEN typeof({quoted}) IN ('DOUBLE', 'FLOAT') "
        f"AND NOT isfinite(TRY_CAST({quoted} AS DOUBLE)) THEN '{name}' END"
    )


def material_change(spec: SyncSpec) -> str:
    """SQL, over `valid.payload` and the accepted `known.payload`, true when the row moved
    enough to send: a field with a `min_change` by at least its threshold, any other field by
    any change, and any field turning null or non-null."""
    terms = []
    for name in spec.fields:
        path = "'$.\"" + name.replace("'", "''").replace('"', '\\"') + "\"'"
        new = f"json_extract_string(valid.payload, {path})"
        old = f"json_extract_string(known.payload, {path})"
        threshold = spec.min_change.get(name)
        if threshold is None:
            terms.append(f"{new} IS DISTINCT FROM {old}")
        else:
            terms.append(
                f"coalesce(abs(TRY_CAST({new} AS DOUBLE) - TRY_CAST({old} AS DOUBLE)) >= {threshold!r}, "
                f"({new} IS NULL) != ({old} IS NULL))"
            )
    return "(" + " OR ".join(terms) + ")"


class Planner:
    """Open on the published warehouse; `counts()` then `changes()` for one spec."""

    def __init__(self, published: Path) -> None:
        self.con = duckdb.connect()
        # timestamps with a time zone render in UTC, whatever TZ the process runs in (a hash
        # must not change between the scheduler and a shell)
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"ATTACH '{published}' AS {WAREHOUSE} (READ_ONLY)")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Planner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, spec: SyncSpec) -> None:
        check_against_model(spec, self.con, WAREHOUSE)

    def prepare(
        self,
        spec: SyncSpec,
        state: sqlite3.Connection,
        *,
        full: bool,
        forget: Collection[str] = (),
    ) -> PlanCounts:
        """Build this spec's plan as temp tables and count it. Keys in `forget` are planned as
        if the destination had never accepted them (the overwritten records a real run's
        reconciliation drops from the state: a dry run plans their repair too)."""
        schema, table = model_relation(spec)
        self.con.register("known_arrow", known_hashes(state, spec.name))
        self.con.register("forget_arrow", pa.table({"key": pa.array(list(forget), pa.string())}))
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE known AS SELECT key, "
            "CASE WHEN forgotten THEN NULL ELSE fields_hash END AS fields_hash, "
            "CASE WHEN forgotten THEN NULL ELSE payload END AS payload, "
            "reject_hash, reject_status FROM ("
            "SELECT *, key IN (SELECT key FROM forget_arrow) AS forgotten FROM known_arrow)"
        )
        self.con.unregister("known_arrow")
        self.con.unregister("forget_arrow")
        values = ", ".join(
            f"{quote_identifier(m.field)} := {quote_identifier(m.column)}" for m in spec.mappings
        )
        all_null = " AND ".join(f"{quote_identifier(m.column)} IS NULL" for m in spec.mappings)
        # NaN / Infinity have no JSON form and no vendor accepts them: such a row is not sent
        non_finite = ", ".join(_non_finite(m.column, m.field) for m in spec.mappings)
        # a null filter value selects the rows where the column is null
        where = (
            " AND ".join(f"{quote_identifier(c)} IS NOT DISTINCT FROM ?" for c in spec.filter)
            or "TRUE"
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE model AS
            SELECT
                CAST({quote_identifier(spec.key)} AS VARCHAR) AS key,
                nullif(concat_ws(', ', {non_finite}), '') AS non_finite,
                CASE WHEN non_finite IS NULL THEN to_json(struct_pack({values})) END AS payload,
                ({all_null}) AS all_null,
                count(*) OVER (PARTITION BY {quote_identifier(spec.key)}) AS copies
            FROM {WAREHOUSE}.{quote_identifier(schema)}.{quote_identifier(table)}
            WHERE {where}
            """,
            list(spec.filter.values()),
        )
        skip_null = "model.all_null" if spec.null_policy == "keep" else "FALSE"
        first_action = INSERT if spec.mode == "upsert" else UPDATE
        clear_payload = orjson.dumps(dict.fromkeys(spec.fields)).decode()
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE plan AS
            WITH valid AS (
                SELECT key, payload, md5(payload) AS fields_hash
                FROM model
                WHERE key IS NOT NULL AND copies = 1 AND non_finite IS NULL AND NOT {skip_null}
            )
            SELECT
                valid.key,
                CASE WHEN known.fields_hash IS NULL THEN '{first_action}' ELSE '{UPDATE}' END
                    AS action,
                valid.payload,
                valid.fields_hash,
                coalesce(known.reject_status, '{GONE}') != '{GONE}' AS retry
            FROM valid
            LEFT JOIN known ON valid.key = known.key
            WHERE (? OR (known.fields_hash IS DISTINCT FROM valid.fields_hash AND (
                known.payload IS NULL OR known.reject_status = '{RETRYING}' OR {material_change(spec)}
            )))
              AND NOT coalesce(
                  known.reject_status = '{DEAD}' AND known.reject_hash = valid.fields_hash, FALSE
              )
            UNION ALL
            SELECT known.key, '{CLEAR}', '{clear_payload}', NULL, known.reject_hash IS NOT NULL
            FROM known
            WHERE ? AND known.fields_hash IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM model WHERE model.key = known.key)
              AND NOT coalesce(
                  known.reject_status = '{DEAD}' AND known.reject_hash = '{CLEAR_HASH}', FALSE
              )
            """,
            [full, spec.mode == "mirror"],
        )
        counts = PlanCounts()
        for action, n, retried in self.con.execute(
            "SELECT action, count(*), count(*) FILTER (WHERE retry) FROM plan GROUP BY action"
        ).fetchall():
            setattr(counts, f"{action}s", n)
            counts.retried += retried
        counts.skipped_null, counts.invalid = self.con.execute(
            "SELECT count(*) FILTER (WHERE key IS NOT NULL AND copies = 1 AND non_finite IS NULL "
            f"AND {skip_null}), count(*) FILTER (WHERE key IS NULL OR copies > 1 "
            "OR non_finite IS NOT NULL) FROM model"
        ).fetchall()[0]
        for action in (INSERT, UPDATE, CLEAR):
            rows = self.con.execute(
                "SELECT key, payload FROM plan WHERE action = ? ORDER BY key LIMIT 5", [action]
            ).fetchall()
            if rows:
                counts.samples[action] = [{"key": k, **orjson.loads(p)} for k, p in rows]
        return counts

    def duplicate_keys(self) -> list[tuple[str, int]]:
        """Keys that appear more than once in the model (never sent: which row would win?)."""
        return self.con.execute(
            "SELECT key, any_value(copies) FROM model WHERE copies > 1 AND key IS NOT NULL "
            "GROUP BY key ORDER BY key"
        ).fetchall()

    def non_finite_keys(self) -> list[tuple[str, str]]:
        """(key, fields) of the rows holding NaN or Infinity in a mapped field (never sent)."""
        return self.con.execute(
            "SELECT key, non_finite FROM model WHERE non_finite IS NOT NULL AND key IS NOT NULL "
            "AND copies = 1 ORDER BY key"
        ).fetchall()

    def left_model(self) -> list[str]:
        """Keys with an open reject that are no longer in the model."""
        return [
            r[0]
            for r in self.con.execute(
                f"SELECT key FROM known WHERE reject_status IS NOT NULL AND reject_status != '{GONE}' "
                "AND NOT EXISTS (SELECT 1 FROM model WHERE model.key = known.key)"
            ).fetchall()
        ]

    def changes(self, spec: SyncSpec, batch_size: int) -> Iterator[list[Change]]:
        """The planned changes in batches of `batch_size` (clears batched on their own)."""
        keep_nulls = spec.null_policy == "clear"
        for action in (INSERT, UPDATE, CLEAR):
            reader = self.con.sql(
                "SELECT key, payload, fields_hash, retry FROM plan WHERE action = $action "
                "ORDER BY key",
                params={"action": action},
            ).to_arrow_reader(batch_size)
            for batch in reader:
                rows = batch.to_pydict()
                changes = []
                for key, payload, fields_hash, retry in zip(
                    rows["key"], rows["payload"], rows["fields_hash"], rows["retry"], strict=True
                ):
                    values = orjson.loads(payload)
                    if action != CLEAR and not keep_nulls:
                        values = {k: v for k, v in values.items() if v is not None}
                    changes.append(Change(key, action, values, fields_hash, payload, retry))
                yield changes
