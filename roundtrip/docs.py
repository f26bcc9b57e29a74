"""`roundtrip docs`: dbt's docs site, the data dictionary and the integration map.

The data dictionary (`docs/data_dictionary.md` and `.csv`) has one row per mart column: Field,
Source System, Business Type, Data Type, Description, Example, plus the model, the source columns
it is computed from (sqlglot's column lineage over dbt's compiled SQL, through every CTE and union
branch: `roundtrip/lineage.py`), a PII flag (set when any of those source columns is tagged
`meta: {pii: true}`, or by the column's own `meta.pii`) and, for fields pushed back to a CRM, the
property written (`meta.crm_property`). Each mart is introduced by its grain and description. It is
built from dbt's manifest and catalog and from the published warehouse (for examples). The integration map
(`docs/integration_map.md`) is built from the enabled configuration, the status page
(`docs/status.html`, see `monitor/status_page.py`) from the health-check history and open alerts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from connectors.registry import vendor
from monitor.status_page import write_status_page
from reverse.specs import load_specs
from reverse.two_way.spec import TwoWaySpec, load_two_way
from roundtrip.lineage import ColumnLineage, origin_is_pii, origin_label, origin_system
from roundtrip.report.metrics import marketing_metrics
from roundtrip.settings import Settings
from roundtrip.stages.report import report
from roundtrip.stages.sync import specs_path
from roundtrip.stages.transform import DOCS_TARGET, run_dbt
from warehouse.location import WarehousePaths
from warehouse.lock import writer_lock

DICTIONARY_COLUMNS = (
    "Field",
    "Source System",
    "Business Type",
    "Data Type",
    "Description",
    "Example",
    "Model",
    "Lineage",
    "PII",
    "CRM Property",
)
MAX_ORIGINS_SHOWN = 6


@dataclass(frozen=True)
class DictionaryRow:
    field: str
    source_system: str
    business_type: str
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
            self.business_type,
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


def business_type(name: str, physical: str) -> str:
    """The type an analyst reads (String, Integer, Currency, Date, ...) from the physical type and
    the column's name."""
    physical = physical.upper()
    if physical.startswith(("VARCHAR", "TEXT", "STRING")):
        return "Identifier" if name.endswith(("_id", "_key")) else "String"
    if physical == "BOOLEAN":
        return "Boolean"
    if physical == "DATE":
        return "Date"
    if physical.startswith("TIMESTAMP"):
        return "Timestamp"
    if name.endswith(("_rate", "_share")) or name in ("click_through_rate", "credit"):
        return "Percentage"
    if any(w in name for w in ("amount", "revenue", "spend", "cost", "cac")):
        return "Currency"
    if name == "return_on_ad_spend":
        return "Ratio"
    if physical in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "UBIGINT"):
        return "Integer"
    return "Decimal"


@dataclass(frozen=True)
class MartDoc:
    model: str
    grain: str
    description: str


def mart_docs(manifest: dict[str, Any]) -> dict[str, MartDoc]:
    """Grain (the model's `meta.grain`, else the description's first sentence) per mart."""
    docs = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] != "marts":
            continue
        description = " ".join((node.get("description") or "").split())
        meta = {**(node["config"].get("meta") or {}), **(node.get("meta") or {})}
        grain = meta.get("grain") or (description.split(". ")[0].removeprefix("Grain: "))
        name = f"{node['schema']}.{node['name']}"
        docs[name] = MartDoc(name, grain, description)
    return docs


def dictionary_rows(
    manifest: dict[str, Any],
    catalog: dict[str, Any],
    published: Path,
) -> Iterator[DictionaryRow]:
    """One row per column of every mart model, in model and column order."""
    lineage = ColumnLineage(manifest, catalog)
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
                origins = sorted(lineage.origins(node_id, name))
                pii = bool(meta.get("pii", any(origin_is_pii(manifest, o) for o in origins)))
                labels = [origin_label(manifest, o) for o in origins]
                shown = ", ".join(labels[:MAX_ORIGINS_SHOWN]) + (
                    f" (+{len(labels) - MAX_ORIGINS_SHOWN} more)"
                    if len(labels) > MAX_ORIGINS_SHOWN
                    else ""
                )
                yield DictionaryRow(
                    field=name,
                    source_system=", ".join(sorted({origin_system(manifest, o) for o in origins}))
                    or "(computed)",
                    business_type=str(
                        meta.get("business_type") or business_type(name, column["type"])
                    ),
                    data_type=column["type"],
                    description=(doc.get("description") or "").strip(),
                    example=_example(con, node["schema"], node["name"], name, pii),
                    model=f"{node['schema']}.{node['name']}",
                    lineage=shown or "(computed: no source column)",
                    pii=pii,
                    crm_property=str(meta.get("crm_property", "")),
                )


def _example(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str, pii: bool
) -> str:
    if pii:
        return "(personal data: not shown)"
    try:
        row = con.execute(
            f'select "{column}"::varchar from "{schema}"."{table}" '
            f'where "{column}" is not null limit 1'
        ).fetchone()
    except duckdb.Error:
        return ""
    return "" if row is None else str(row[0])[:60]


def write_dictionary(
    rows: list[DictionaryRow], docs_dir: Path, marts: dict[str, MartDoc] | None = None
) -> None:
    docs_dir.mkdir(parents=True, exist_ok=True)
    with (docs_dir / "data_dictionary.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(row.values() for row in rows)
    lines = [
        "# Data dictionary",
        "",
        "Every column of every mart, generated by `roundtrip docs` from dbt's manifest and catalog and",
        "the published warehouse. Lineage lists the source columns (raw tables loaded by dlt, or dbt",
        "seeds) each column is computed from, found by sqlglot's column lineage on dbt's compiled SQL",
        "through every CTE and union branch; Source System follows from it, and so does PII (any source",
        "column tagged `meta: {pii: true}`). Business Type is what the value means (String, Integer,",
        "Currency, Percentage, Date, ...), Data Type how DuckDB stores it. Also in",
        "`data_dictionary.csv`, and in DuckDB itself (column comments).",
        "",
    ]
    model = None
    for row in rows:
        if row.model != model:
            model = row.model
            lines += ["", f"## {model}", ""]
            if marts and model in marts:
                lines += [f"**Grain:** {marts[model].grain}.", "", marts[model].description, ""]
            lines += ["| " + " | ".join(DICTIONARY_COLUMNS) + " |"]
            lines.append("|" + "---|" * len(DICTIONARY_COLUMNS))
        cells = [v.replace("|", "\\|").replace("\n", " ") for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    lines += metric_lines()
    (docs_dir / "data_dictionary.md").write_text("\n".join(lines) + "\n")


def metric_lines() -> list[str]:
    """The marketing metrics' one definition (var `marketing_metrics`) as a Markdown table."""
    lines = [
        "",
        "## Metrics",
        "",
        "Defined once in `dbt_project/dbt_project.yml` (var `marketing_metrics`): the marts compute",
        "them per row, the report over a period as sum(numerator) / sum(denominator).",
        "",
        "| Metric | Label | Definition | Description |",
        "|---|---|---|---|",
    ]
    for metric in marketing_metrics().values():
        lines.append(
            f"| {metric.name} | {metric.label} | `{metric.numerator} / {metric.denominator}` "
            f"| {metric.description} |"
        )
    return lines


def write_integration_map(settings: Settings, docs_dir: Path) -> None:
    """Source, Destination, Data, Frequency, Method for every enabled load, the transform,
    every reverse sync and the real-time flows."""
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
    lines += _realtime_rows()
    (docs_dir / "integration_map.md").write_text("\n".join(lines) + "\n")


def _realtime_rows() -> list[str]:
    """The flows `roundtrip serve` runs (realtime/flows.yml) and its Salesforce change poll."""
    from realtime.flows import load_flows

    sources = {("form.submission", "website"): "website forms (`POST /forms/<id>`)",
               ("form.submission", "hubspot"): "HubSpot form submissions (webhook)",
               ("email.click", "hubspot"): "HubSpot e-mail clicks (webhook)"}  # fmt: skip
    targets = {"upsert_lead": "Salesforce Lead (update or create) + CampaignMember",
               "create_task": "Salesforce Task on the Lead/Contact"}  # fmt: skip
    rows = []
    for flow in load_flows().flows:
        allowed = flow.filter.get("source", ("website", "hubspot"))
        origin = "; ".join(
            text for (activity, source), text in sources.items()
            if activity in flow.activities and source in allowed
        )  # fmt: skip
        fields = ", ".join(flow.fields) or "subject, date, who"
        rows.append(
            f"| {origin} | {targets[flow.action]} | {fields} | real-time, seconds "
            f"(`roundtrip serve`) | signed webhook / form post → durable inbox → flow "
            f"`{flow.name}` |"
        )
    rows.append(
        "| Salesforce Lead, Contact changes | event inbox (schema `events` on publish) | Id, "
        "e-mail, status, conversion | every 60 s (`roundtrip serve`) | SOQL poll on SystemModstamp |"
    )
    return rows


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
                "opt-out wins (HubSpot: unsubscribe-all; never opted back in)"
                if fm.opt_out
                else fm.conflict
                if fm.direction == "both"
                else ("Salesforce" if fm.direction == "crm_to_map" else "HubSpot")
            )
            if fm.type == "owner":
                owner += " (HubSpot owner ↔ Salesforce user by e-mail)"
            lines.append(
                f"| {spec.name} | {fm.map} | {crm} | {arrow} | {owner} | "
                f"real-time, seconds (`roundtrip serve`: webhook / Salesforce poll); "
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
    write_dictionary(rows, docs_dir, mart_docs(manifest))
    write_integration_map(settings, docs_dir)
    status_page = write_status_page(
        WarehousePaths(settings.warehouse_dir), docs_dir / "status.html"
    )
    performance = report(settings)
    return [
        docs_dir / "data_dictionary.md",
        docs_dir / "data_dictionary.csv",
        docs_dir / "integration_map.md",
        status_page,
        performance,
        target / "index.html",
    ]


def docs_server(site: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server for dbt's docs site (index.html, manifest.json, catalog.json) on 127.0.0.1;
    port 0 picks a free one."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_docs(site: Path, port: int, *, echo: Callable[[str], None]) -> None:
    """Serve dbt's docs site until Ctrl-C."""
    with docs_server(site, port) as server:
        echo(f"serving dbt docs at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            echo("stopped")
