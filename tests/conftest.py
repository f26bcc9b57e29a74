"""Shared fixtures: a generated sandbox world (made once per session, copied per test) and an
isolated project folder (warehouse + sandbox state) for end-to-end runs of the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.state import SandboxPaths

REPO = Path(__file__).resolve().parent.parent
WORLD_FILES = ("world.duckdb", "truth.duckdb", "world.json", "credentials.json")
TEST_SEED = 7


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> SandboxPaths:
    """The scale-S world for seed 7, generated once per test session; copy it, never change it."""
    from sandbox.generator import generate

    paths = SandboxPaths(tmp_path_factory.mktemp("world-template"))
    generate(paths, seed=TEST_SEED, scale="S")
    return paths


@dataclass
class Project:
    """An isolated deployment: its own sandbox state and warehouse folders, and a CLI runner."""

    root: Path
    sandbox: SandboxPaths
    warehouse: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ROUNDTRIP_"))}
        env.update(
            ROUNDTRIP_SANDBOX_DIR=str(self.sandbox.root),
            ROUNDTRIP_WAREHOUSE_DIR=str(self.warehouse),
            ROUNDTRIP_CONFIG=str(self.root / "roundtrip.toml"),
            # `python -m` puts the working folder first on sys.path, and this one holds the
            # sandbox state folder `sandbox/` (with `leases/`): without this, `sandbox.leases`
            # would import that folder as a namespace package instead of the code
            PYTHONSAFEPATH="1",
        )
        return env

    def roundtrip(
        self, *args: str, check: bool = True, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess:
        """Run the `roundtrip` CLI in a subprocess, as a user would."""
        result = subprocess.run(
            [sys.executable, "-m", "roundtrip", *args],
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"roundtrip {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
            )
        return result


def _new_project(root: Path, world: SandboxPaths, warehouse: Path | None = None) -> Project:
    """A project folder holding a copy of `world` (and of a `warehouse` folder, when given)."""
    sandbox = SandboxPaths(root / "sandbox")
    sandbox.root.mkdir(parents=True)
    for name in WORLD_FILES:
        shutil.copy2(world.root / name, sandbox.root / name)
    (root / "roundtrip.toml").write_text("")
    if warehouse is not None:
        shutil.copytree(warehouse, root / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    return Project(root, sandbox, root / "warehouse")


def _stop_sandbox(project: Project) -> None:
    from sandbox.control import down

    down(echo=lambda _msg: None, paths=project.sandbox)


@pytest.fixture
def project(tmp_path: Path, world_template: SandboxPaths) -> Iterator[Project]:
    """A fresh copy of the template world plus an empty warehouse; servers are stopped after."""
    proj = _new_project(tmp_path, world_template)
    yield proj
    _stop_sandbox(proj)


@pytest.fixture(scope="session")
def transformed(
    tmp_path_factory: pytest.TempPathFactory, world_template: SandboxPaths
) -> Iterator[Project]:
    """`roundtrip load` then `roundtrip transform` once per session (scale S, seed 7).

    Shared: open its files read-only and never write to its sandbox; tests that change
    anything take `transformed_project`, a private copy."""
    proj = _new_project(tmp_path_factory.mktemp("transformed"), world_template)
    proj.roundtrip("load")
    proj.roundtrip("transform")
    _stop_sandbox(proj)
    yield proj


@pytest.fixture
def transformed_project(tmp_path: Path, transformed: Project) -> Iterator[Project]:
    """A private copy of the loaded and transformed project (its world as the load left it)."""
    proj = _new_project(tmp_path / "project", transformed.sandbox, transformed.warehouse)
    yield proj
    _stop_sandbox(proj)
