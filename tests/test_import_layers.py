"""The layering of shared/DESIGN.md §2 holds: every package imports only what its row allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = (
    "roundtrip", "connectors", "pipelines", "reverse", "realtime", "warehouse", "monitor", "sandbox",
)  # fmt: skip
# package → the packages of ours it may import (itself always); monitor may use the shared
# HTTP leaf of connectors only
ALLOWED: dict[str, set[str]] = {
    "connectors": set(),
    "warehouse": set(),
    "sandbox": set(),
    "pipelines": {"connectors", "warehouse"},
    "reverse": {"connectors", "warehouse"},
    "realtime": {"connectors", "warehouse"},
    "monitor": {"warehouse", "connectors.http"},
    "roundtrip": set(OURS),
}


def imports(path: Path) -> list[str]:
    """Every module name `path` imports (absolute imports only; we use no relative ones)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def allowed(package: str, module: str) -> bool:
    top = module.split(".")[0]
    if top not in OURS or top == package:
        return True
    return any(module == a or module.startswith(a + ".") for a in ALLOWED[package])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_the_design_allows(package: str) -> None:
    wrong = [
        f"{path.relative_to(REPO)} imports {module}"
        for path in sorted((REPO / package).rglob("*.py"))
        for module in imports(path)
        if not allowed(package, module)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from roundtrip.settings import Settings\nimport connectors.http.status\n")
    found = imports(module)
    assert not allowed("monitor", found[0]) and allowed("monitor", found[1])
    assert not allowed("pipelines", "reverse.plan") and not allowed("monitor", "connectors.hubspot")
