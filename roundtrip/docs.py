"""`roundtrip docs`: dbt's docs site, the data dictionary and the integration map.

The data dictionary (`docs/data_dictionary.md` and `.csv`) has one row per mart column: Field,
Source System, Data Type, Description, Example, plus the model, the lineage to the source column,
a PII flag and, for fields pushed back to a CRM, the property written (the column's
`meta.crm_property` in its model YAML). It is built from
dbt's manifest and catalog and from the published warehouse (for examples). The integration map
(`docs/integration_map.md`) is built from the enabled configuration, the status page
(`docs/status.html`, see `monitor/status_page.py`) from the health-check history and open alerts.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from connectors.registry import vendor
from monitor.status_page import write_status_page
from reverse.specs import load_specs
from reverse.two_way.spec import TwoWaySpec, load_two_way
from roundtrip.settings import Settings
from roundtrip.stages.sync import specs_path
from roundtrip.stages.transform import DOCS_TARGET, run_dbt
from warehouse.location import WarehousePaths
from warehouse.lock import writer_lock

DICTIONARY_COLUMNS = (
    "Field",
    "Source System",
    "Data Type",
    "Description",
    "Example",
    "Model",
    "Lineage",
    "PII",
    "CRM Property",
)
PII_NAME = re.compile(r"(^|_)(email|phone|first_name|last_name|full_name|firstname|lastname)($|_)")


@dataclass(frozen=True)
class DictionaryRow:
    field: str
    source_system: str
    data_type: str
    description: str
    example: str
    model: str
    lineage: str
    pii: bool
    crm_property: str

    def values(self) -> list[str]:
        return [
            self.field,
            self.source_system,
            self.data_type,
            self.description,
            self.example,
            self.model,
            self.lineage,
            "yes" if self.pii else "no",
            self.crm_property,
        ]


def generate_dbt_docs(settings: Settings) -> Path:
    """`dbt docs generate` on the working file; returns dbt's target folder."""
    paths = WarehousePaths(settings.warehouse_dir)
    with writer_lock(paths.lock_file, "roundtrip docs"):
        ok, failures = run_dbt(["docs", "generate"], settings, paths, DOCS_TARGET)
    if not ok:
        raise RuntimeError("dbt docs generate failed: " + "; ".join(failures))
    return paths.work_dir / DOCS_TARGET


class Lineage:
    """Name-based column lineage through dbt's DAG, down to the staging model and its source."""

    def __init__(self, manifest: dict[str, Any], catalog: dict[str, Any]) -> None:
        self.manifest = manifest
        self.columns = {
            node_id: {c.lower() for c in node["columns"]}
            for node_id, node in {**catalog["nodes"], **catalog.get("sources", {})}.items()
        }

    def trace(self, node_id: str, column: str) -> list[str]:
        """The chain of nodes (model.column) the column comes through, deepest last."""
        chain = [f"{self._name(node_id)}.{column}"]
        current = node_id
        while True:
            parents = self.manifest["parent_map"].get(current, [])
            carrying = [p for p in parents if column.lower() in self.columns.get(p, set())]
            if not carrying:
                break
            current = carrying[0]
            chain.append(f"{self._name(current)}.{column}")
        sources = self._sources_of(current)
        if sources and current.startswith("model."):
            chain.append(" + ".join(sources))
        return chain

    def systems(self, node_id: str, column: str) -> list[str]:
        """Source systems upstream of the column's deepest carrier (every source if unknown)."""
        deepest = node_id
        for step in self.trace(node_id, column)[1:]:
            name = step.rsplit(".", 1)[0]
            deepest = next((n for n in self.columns if self._name(n) == name), deepest)
        return sorted(
            {self.manifest["sources"][s]["source_name"] for s in self._all_sources(deepest)}
        )

    def _sources_of(self, node_id: str) -> list[str]:
        return [
            f"{self.manifest['sources'][p]['schema']}.{self.manifest['sources'][p]['name']}"
            for p in self.manifest["parent_map"].get(node_id, [])
            if p.startswith("source.")
        ]

    def _all_sources(self, node_id: str) -> set[str]:
        seen, stack, found = set(), [node_id], set()
        while stack:
            current = stack.pop()
            for parent in self.manifest["parent_map"].get(current, []):
                if parent.startswith("source."):
                    found.add(parent)
                elif parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return found

    def _name(self, node_id: str) -> str:
        node = self.manifest["nodes"].get(node_id) or self.manifest["sources"].get(node_id)
        return f"{node['schema']}.{node['name']}" if node else node_id


def dictionary_rows(
    manifest: dict[str, Any],
    catalog: dict[str, Any],
    published: Path,
) -> Iterator[DictionaryRow]:
    """One row per column of every mart model, in model and column order."""
    lineage = Lineage(manifest, catalog)
    with duckdb.connect(str(published), read_only=True) as con:
        for node_id in sorted(catalog["nodes"]):
            node = manifest["nodes"].get(node_id)
            if node is None or node["resource_type"] != "model" or node["schema"] != "marts":
                continue
            documented = {k.lower(): v for k, v in node["columns"].items()}
            columns = sorted(
                catalog["nodes"][node_id]["columns"].values(), key=lambda c: c["index"]
            )
            for column in columns:
                name = column["name"]
                doc = documented.get(name.lower(), {})
                meta = doc.get("meta") or {}
                yield DictionaryRow(
                    field=name,
                    source_system=", ".join(lineage.systems(node_id, name)) or "(computed)",
                    data_type=column["type"],
                    description=(doc.get("description") or "").strip(),
                    example=_example(
                        con, node["schema"], node["name"], name, bool(meta.get("pii"))
                    ),
                    model=f"{node['schema']}.{node['name']}",
                    lineage=" ← ".join(lineage.trace(node_id, name)),
                    pii=bool(meta.get("pii", PII_NAME.search(name.lower()) is not None)),
                    crm_property=str(meta.get("crm_property", "")),
                )


def _example(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str, pii: bool
) -> str:
    if pii or PII_NAME.search(column.lower()):
        return "(personal data: not shown)"
    try:
        row = con.execute(
            f'select "{column}"::varchar from "{schema}"."{table}" '
            f'where "{column}" is not null limit 1'
        ).fetchone()
    except duckdb.Error:
        return ""
    return "" if row is None else str(row[0])[:60]


def write_dictionary(rows: list[DictionaryRow], docs_dir: Path) -> None:
    docs_dir.mkdir(parents=True, exist_ok=True)
    with (docs_dir / "data_dictionary.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(row.values() for row in rows)
    lines = [
        "# Data dictionary",
        "",
        "Every column of every mart, generated by `roundtrip docs` from dbt's manifest and catalog and",
        "the published warehouse. Lineage follows the column by name down to the raw table it came",
        "from. Also in `data_dictionary.csv`, and in DuckDB itself (column comments).",
        "",
    ]
    model = None
    for row in rows:
        if row.model != model:
            model = row.model
            lines += ["", f"## {model}", "", "| " + " | ".join(DICTIONARY_COLUMNS) + " |"]
            lines.append("|" + "---|" * len(DICTIONARY_COLUMNS))
        cells = [v.replace("|", "\\|").replace("\n", " ") for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    (docs_dir / "data_dictionary.md").write_text("\n".join(lines) + "\n")


def write_integration_map(settings: Settings, docs_dir: Path) -> None:
    """Source, Destination, Data, Frequency, Method for every enabled load, the transform and
    every reverse sync."""
    lines = [
        "# Integration map",
        "",
        "Generated by `roundtrip docs` from the enabled configuration.",
        "",
        "| Source | Destination | Data | Frequency | Method |",
        "|---|---|---|---|---|",
    ]
    for system in settings.enabled_systems():
        described = vendor(system.name)
        data, method = described.loads, described.method
        where = "sandbox stand-in" if system.is_sandbox else "vendor API"
        lines.append(
            f"| {system.name} ({where}) | DuckDB `raw_{system.name}` | {data} | "
            f"each `roundtrip load` | dlt, incremental merge; {method} |"
        )
    lines.append(
        "| DuckDB `raw_*` | DuckDB `staging` → `intermediate` → `marts` | customer view, campaign "
        "view, attribution, lead scores | each `roundtrip transform` | dbt build |"
    )
    for spec in load_specs(specs_path()):
        dest = spec.destination
        lines.append(
            f"| DuckDB `{spec.model}` | {dest.system} {dest.object} (by {dest.match_field}) | "
            f"{', '.join(spec.fields)} | cron `{spec.schedule}` (`roundtrip sync {spec.name}`) | "
            f"reverse sync, {spec.mode}: changed rows only, vendor batch endpoint |"
        )
    lines += two_way_map_lines(load_two_way(specs_path()))
    (docs_dir / "integration_map.md").write_text("\n".join(lines) + "\n")


def two_way_map_lines(specs: list[TwoWaySpec]) -> list[str]:
    """The two-way flows of the integration map: one row per field, with its owner."""
    if not specs:
        return []
    lines = [
        "",
        "Two-way syncs (HubSpot contacts ↔ Salesforce leads/contacts, linked by stored link, "
        "HubSpot's Salesforce id fields, then normalized email):",
        "",
        "| Sync | HubSpot | Salesforce | Direction | Owner / conflict rule | Frequency |",
        "|---|---|---|---|---|---|",
    ]
    for spec in specs:
        for fm in spec.fields:
            crm = ", ".join(f"{obj}.{name}" for obj, name in fm.crm.items())
            arrow = {"both": "↔", "crm_to_map": "←", "map_to_crm": "→"}[fm.direction]
            owner = (
                "opt-out wins"
                if fm.opt_out
                else fm.conflict
                if fm.direction == "both"
                else ("Salesforce" if fm.direction == "crm_to_map" else "HubSpot")
            )
            lines.append(
                f"| {spec.name} | {fm.map} | {crm} | {arrow} | {owner} | "
                f"cron `{spec.schedule}` (`roundtrip sync {spec.name}`) |"
            )
    return lines


def build_docs(settings: Settings) -> list[Path]:
    docs_dir = settings.project_dir / "docs"
    target = generate_dbt_docs(settings)
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    published = WarehousePaths(settings.warehouse_dir).published
    rows = list(dictionary_rows(manifest, catalog, published))
    write_dictionary(rows, docs_dir)
    write_integration_map(settings, docs_dir)
    status_page = write_status_page(
        WarehousePaths(settings.warehouse_dir), docs_dir / "status.html"
    )
    return [
        docs_dir / "data_dictionary.md",
        docs_dir / "data_dictionary.csv",
        docs_dir / "integration_map.md",
        status_page,
        target / "index.html",
    ]
