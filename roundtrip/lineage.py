"""Column-level lineage over dbt's compiled SQL with sqlglot: every source column a model column
is computed from, through every CTE and every branch of a union, down to dbt sources and seeds.
A row count (`count(*)`) has no column: it comes from the rows of the table its query reads
first (its FROM, followed through CTEs and unions), recorded as the column `*`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify


@dataclass(frozen=True, order=True)
class Origin:
    """A column of a dbt source or seed that a model column is computed from."""

    node_id: str
    column: str


class ColumnLineage:
    """Origins of model columns, resolved model by model and memoised."""

    def __init__(self, manifest: dict[str, Any], catalog: dict[str, Any]) -> None:
        self.manifest = manifest
        self.nodes = {**manifest["nodes"], **manifest["sources"]}
        self.by_relation = {
            _relation_key(node["schema"], node.get("alias") or node["name"]): node_id
            for node_id, node in self.nodes.items()
            if node.get("resource_type") in ("model", "seed", "source")
        }
        self.schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for node_id, entry in {**catalog["nodes"], **catalog.get("sources", {})}.items():
            node = self.nodes.get(node_id)
            if node is None:
                continue
            table = node.get("alias") or node.get("identifier") or node["name"]
            columns = {name.lower(): col["type"] for name, col in entry["columns"].items()}
            database = self.schema.setdefault(node["database"], {})
            database.setdefault(node["schema"], {})[table] = columns
        self._parsed: dict[str, exp.Expression | None] = {}
        self.origins = cache(self._origins)
        self.row_origins = cache(self._row_origins)

    def _origins(self, node_id: str, column: str) -> frozenset[Origin]:
        """The source and seed columns behind `node_id`.`column` (empty for constants)."""
        node = self.nodes[node_id]
        if node["resource_type"] in ("source", "seed"):
            return frozenset({Origin(node_id, column.lower())})
        parsed = self._parse(node_id)
        if parsed is None:
            return frozenset()
        try:
            root = lineage(column.lower(), parsed, dialect="duckdb", trim_selects=False)
        except Exception:  # sqlglot cannot follow this column: say nothing rather than guess
            return frozenset()
        found: set[Origin] = set()
        for leaf in root.walk():
            if leaf.downstream:
                continue
            if isinstance(leaf.source, exp.Table):
                parent = self.by_relation.get(_relation_key(leaf.source.db, leaf.source.name))
                if parent is not None:
                    found |= self.origins(parent, leaf.name.rsplit(".", 1)[-1].strip('"'))
            elif _counts_rows(leaf.expression):
                found |= self._driving_rows(parsed, leaf.source)
        return frozenset(found)

    def _row_origins(self, node_id: str) -> frozenset[Origin]:
        """The source or seed whose rows a model's rows come from (its outermost FROM)."""
        node = self.nodes[node_id]
        if node["resource_type"] in ("source", "seed"):
            return frozenset({Origin(node_id, "*")})
        parsed = self._parse(node_id)
        return frozenset() if parsed is None else self._driving_rows(parsed, parsed)

    def _driving_rows(self, tree: exp.Expression, query: exp.Expression) -> frozenset[Origin]:
        """Row origins of `query`'s FROM (every branch of a union), CTE names resolved in `tree`."""
        if isinstance(query, exp.Union):
            return self._driving_rows(tree, query.left) | self._driving_rows(tree, query.right)
        if isinstance(query, exp.Subquery):
            return self._driving_rows(tree, query.this)
        source = query.args.get("from_")
        table = source.this if source is not None else None
        if isinstance(table, exp.Subquery):
            return self._driving_rows(tree, table.this)
        if not isinstance(table, exp.Table):
            return frozenset()
        if not table.db:
            ctes = {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}
            if table.name in ctes:
                return self._driving_rows(tree, ctes[table.name])
        parent = self.by_relation.get(_relation_key(table.db, table.name))
        return frozenset() if parent is None else self.row_origins(parent)

    def _parse(self, node_id: str) -> exp.Expression | None:
        if node_id not in self._parsed:
            code = self.nodes[node_id].get("compiled_code")
            try:
                tree = sqlglot.parse_one(code, dialect="duckdb") if code else None
                self._parsed[node_id] = (
                    qualify(
                        tree, schema=self.schema, dialect="duckdb", validate_qualify_columns=False
                    )
                    if tree is not None
                    else None
                )
            except Exception:  # unparseable SQL: no lineage for this model
                self._parsed[node_id] = None
        return self._parsed[node_id]


def _counts_rows(expression: exp.Expression) -> bool:
    """`count(*)` (or `count(1)`) somewhere in a projection: a number of rows, not of values."""
    return any(
        isinstance(count.this, exp.Star | exp.Literal) for count in expression.find_all(exp.Count)
    )


def _relation_key(schema: str, name: str) -> str:
    return f"{schema}.{name}".lower()


def origin_label(manifest: dict[str, Any], origin: Origin) -> str:
    """`raw_hubspot.contacts.email` for a source column, `seed channel_taxonomy.channel` for a seed's,
    `rows of raw_hubspot.form_submissions` for a row count."""
    if origin.node_id.startswith("source."):
        source = manifest["sources"][origin.node_id]
        table = f"{source['schema']}.{source['name']}"
    else:
        table = f"seed {manifest['nodes'][origin.node_id]['name']}"
    return f"rows of {table}" if origin.column == "*" else f"{table}.{origin.column}"


def origin_system(manifest: dict[str, Any], origin: Origin) -> str:
    """The source system (dbt source name) of a source column; `dbt seed` for a seed's."""
    if origin.node_id.startswith("source."):
        return str(manifest["sources"][origin.node_id]["source_name"])
    return "dbt seed"


def origin_is_pii(manifest: dict[str, Any], origin: Origin) -> bool:
    """Whether the source column is tagged `meta: {pii: true}` in its sources YAML."""
    if not origin.node_id.startswith("source."):
        return False
    columns = {k.lower(): v for k, v in manifest["sources"][origin.node_id]["columns"].items()}
    return bool((columns.get(origin.column, {}).get("meta") or {}).get("pii"))
