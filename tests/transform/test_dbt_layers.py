"""The dbt project's layers only point down (dbt Labs' "How we structure our dbt projects"):
staging reads sources and nothing else, and is the only layer that does; intermediate models
read staging, other intermediates and seeds, never a mart. Read from the files: no dbt run."""

from __future__ import annotations

import re
from pathlib import Path

from roundtrip.stages.transform import DBT_PROJECT

LAYERS = ("staging", "intermediate", "marts")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*")
REF = re.compile(r"""\bref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)""")
SOURCE = re.compile(r"\bsource\(")
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\((.*?)\{%-?\s*endmacro", re.S)


def code(path: Path) -> str:
    return SQL_COMMENT.sub("", JINJA_COMMENT.sub("", path.read_text()))


def refs(text: str) -> set[str]:
    """Names in `ref('model')` / `ref('package', 'model')`."""
    return {second or first for first, second in REF.findall(text)}


def models() -> dict[str, str]:
    """Model name → its layer (the folder under models/ it lives in)."""
    found: dict[str, str] = {}
    for layer in LAYERS:
        for path in (DBT_PROJECT / "models" / layer).rglob("*.sql"):
            assert path.stem not in found, f"two models named {path.stem}"
            found[path.stem] = layer
    stray = {
        p.relative_to(DBT_PROJECT).as_posix()
        for p in (DBT_PROJECT / "models").rglob("*.sql")
        if p.relative_to(DBT_PROJECT / "models").parts[0] not in LAYERS
    }
    assert not stray, f"models outside {', '.join(LAYERS)}: {sorted(stray)}"
    return found


def source_macros() -> set[str]:
    """Macros whose body calls source(): calling one reads a source too."""
    names = set()
    for path in (DBT_PROJECT / "macros").rglob("*.sql"):
        for name, body in MACRO.findall(code(path)):
            if SOURCE.search(body):
                names.add(name)
    return names


def reads_source(text: str, macros: set[str]) -> bool:
    return bool(SOURCE.search(text)) or any(re.search(rf"\b{m}\(", text) for m in macros)


def test_layers_only_point_down() -> None:
    layer_of = models()
    seeds = {p.stem for p in (DBT_PROJECT / "seeds").glob("*.csv")}
    via_macro = source_macros()
    allowed = {
        "staging": set(),
        "intermediate": {"staging", "intermediate", "seed"},
        "marts": {"staging", "intermediate", "marts", "seed"},
    }
    problems = []
    for layer in LAYERS:
        for path in sorted((DBT_PROJECT / "models" / layer).rglob("*.sql")):
            text = code(path)
            where = path.relative_to(DBT_PROJECT).as_posix()
            for name in sorted(refs(text)):
                target = "seed" if name in seeds else layer_of.get(name)
                if target is None:
                    problems.append(f"{where}: ref('{name}') is no model or seed")
                elif target not in allowed[layer]:
                    problems.append(f"{where}: refs {name} ({target}), not allowed in {layer}")
            if layer == "staging" and not reads_source(text, via_macro):
                problems.append(f"{where}: a staging model reads no source")
            if layer != "staging" and reads_source(text, via_macro):
                problems.append(f"{where}: source() outside staging")
    assert problems == []


def test_tests_of_lower_layers_do_not_ref_marts() -> None:
    """A relationships test (or unit-test input) of a staging or intermediate model that names
    a mart would make the lower layer wait for the marts."""
    layer_of = models()
    problems = []
    for layer in ("staging", "intermediate"):
        for path in sorted((DBT_PROJECT / "models" / layer).rglob("*.yml")):
            for name in sorted(refs(path.read_text())):
                if layer_of.get(name) == "marts":
                    where = path.relative_to(DBT_PROJECT).as_posix()
                    problems.append(f"{where}: refs mart {name}")
    assert problems == []


def test_the_checks_see_refs_and_sources() -> None:
    """The parsing above finds what it must (guards against a regex that matches nothing)."""
    assert refs("{{ ref('a') }} {{ ref(\"pkg\", 'b') }} {{ ref( 'c' ) }}") == {"a", "b", "c"}
    assert "source_or_empty" in source_macros()
    staging = code(DBT_PROJECT / "models/staging/hubspot/stg_hubspot__contacts.sql")
    assert reads_source(staging, source_macros())
    assert not reads_source("select * from {{ ref('stg_hubspot__contacts') }}", source_macros())
    assert models()["customer_identity_map"] == "marts"
