"""One loaded and transformed warehouse (scale S, seed 7) shared by the transform tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from sandbox.state import SandboxPaths
from tests.conftest import WORLD_FILES, Project


@pytest.fixture(scope="session")
def transformed(
    tmp_path_factory: pytest.TempPathFactory, world_template: SandboxPaths
) -> Iterator[Project]:
    """`roundtrip load` then `roundtrip transform` once; open its files read-only."""
    root = tmp_path_factory.mktemp("transformed")
    sandbox = SandboxPaths(root / "sandbox")
    sandbox.root.mkdir()
    for name in WORLD_FILES:
        shutil.copy2(world_template.root / name, sandbox.root / name)
    (root / "roundtrip.toml").write_text("")
    project = Project(root, sandbox, root / "warehouse")
    project.roundtrip("load")
    project.roundtrip("transform")
    yield project
