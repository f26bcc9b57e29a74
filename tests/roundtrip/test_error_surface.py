"""One error surface: every known failure is one line naming the path or setting and the fix,
with the documented exit code (README "When things go wrong"); nothing is left behind."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from roundtrip.cli import cli
from tests.conftest import Project
from warehouse.location import WarehousePaths

REPO = Path(__file__).resolve().parents[2]
WORLD = {"seed": 7, "scale": "S", "now": "2026-11-01T00:00:00", "started_at": "2026-05-05T00:00:00"}


def _world(root: Path) -> None:
    (root / "sandbox").mkdir(exist_ok=True)
    (root / "sandbox" / "world.json").write_text(json.dumps(WORLD))


def _published(root: Path, content: bytes | None = None) -> None:
    """A published warehouse: a real (empty) DuckDB file, or `content` as its bytes."""
    (root / "warehouse").mkdir(exist_ok=True)
    path = root / "warehouse" / "roundtrip.duckdb"
    if content is None:
        duckdb.connect(str(path)).close()
    else:
        path.write_bytes(content)


def _truncated(root: Path) -> None:
    full = root / "full.duckdb"
    with duckdb.connect(str(full)) as con:
        con.execute("create table t as select i, md5(i::varchar) s from range(200000) r(i)")
    _published(root, full.read_bytes()[: full.stat().st_size // 2])


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    line: str  # the one line on stderr; {root} is the project folder, … stands for any text
    code: int
    setup: Callable[[Path], object] = lambda root: None
    env: dict[str, str] = field(default_factory=dict)
    toml: str = ""


NOT_A_DUCKDB = (
    'Error: a warehouse file cannot be read (IO Error: The file "{root}/warehouse/roundtrip.duckdb" '
    "exists, but it is not a valid DuckDB database file!); run `roundtrip restore` (working "
    "file) or `roundtrip restore --previous` (published copy)"
)
PUBLISHED_DAMAGED = (
    "Error: the published warehouse {root}/warehouse/roundtrip.duckdb cannot be opened (IO Error: "
    "{reason}); run `roundtrip restore --previous` to put the previous copy back, or "
    "`roundtrip transform` to publish again"
)
ZERO_BYTES = 'The file "{root}/warehouse/roundtrip.duckdb" exists, but it is not a valid DuckDB database file!'

CASES = [
    Case(
        "config is a folder",
        ("settings",),
        "Error: {root}/cfg (from ROUNDTRIP_CONFIG={root}/cfg) is a folder where a file was "
        "expected; point the setting at a file",
        2,
        setup=lambda root: (root / "cfg").mkdir(),
        env={"ROUNDTRIP_CONFIG": "{root}/cfg"},
    ),
    Case(
        "config file missing",
        ("settings",),
        "Error: ROUNDTRIP_CONFIG={root}/nope.toml does not exist",
        2,
        env={"ROUNDTRIP_CONFIG": "{root}/nope.toml"},
    ),
    Case(
        "warehouse folder is a file",
        ("restore",),
        "Error: {root}/wh/work (from ROUNDTRIP_WAREHOUSE_DIR={root}/wh): part of this path is "
        "a file where a folder was expected; use a folder",
        2,
        setup=lambda root: (root / "wh").write_text(""),
        env={"ROUNDTRIP_WAREHOUSE_DIR": "{root}/wh"},
    ),
    Case(
        "systems is a list",
        ("settings",),
        "Error: {root}/roundtrip.toml: `systems` must be a table ([systems] or "
        "[systems.<name>] sections), got ['hubspot']",
        2,
        toml='systems = ["hubspot"]\n',
    ),
    Case(
        "systems is a string",
        ("settings",),
        "Error: {root}/roundtrip.toml: `systems` must be a table ([systems] or "
        "[systems.<name>] sections), got 'hubspot'",
        2,
        toml='systems = "hubspot"\n',
    ),
    Case(
        "a system is not a table",
        ("settings",),
        "Error: {root}/roundtrip.toml: systems.hubspot must be a table ([systems.hubspot] with "
        "enabled / mode), got False",
        2,
        toml="[systems]\nhubspot = false\n",
    ),
    Case(
        "health on a zero-byte published warehouse",
        ("health",),
        PUBLISHED_DAMAGED.replace("{reason}", ZERO_BYTES),
        2,
        setup=lambda root: (_world(root), _published(root, b"")),
    ),
    Case(
        "status on a zero-byte published warehouse",
        ("status",),
        PUBLISHED_DAMAGED.replace("{reason}", ZERO_BYTES),
        2,
        setup=lambda root: (_world(root), _published(root, b"")),
    ),
    Case(
        "sync on a zero-byte published warehouse",
        ("sync",),
        NOT_A_DUCKDB,
        2,
        setup=lambda root: (_world(root), _published(root, b"")),
    ),
    Case(
        "health on a truncated published warehouse",
        ("health",),
        PUBLISHED_DAMAGED.replace(
            "{reason}",
            'Could not read enough bytes from file "{root}/warehouse/roundtrip.duckdb": …',
        ),
        2,
        setup=lambda root: (_world(root), _truncated(root)),
    ),
    Case(
        "docs before anything was published",
        ("docs",),
        "Error: no published warehouse at {root}/warehouse/roundtrip.duckdb to document; run "
        "`roundtrip load` and `roundtrip transform` first",
        2,
    ),
    Case(
        "sandbox advance before sandbox reset",
        ("sandbox", "advance"),
        "Error: no sandbox world in {root}/sandbox (world.json missing): run `roundtrip sandbox "
        "reset` first",
        2,
    ),
    Case(
        "sync specs that are a bare string",
        ("sync",),
        "Error: {root}/syncs.yml: expected a mapping with `syncs:` (and optional `defaults:`)",
        2,
        setup=lambda root: (_world(root), _published(root), (root / "syncs.yml").write_text("hi")),
        env={"ROUNDTRIP_SYNCS": "{root}/syncs.yml"},
    ),
    Case(
        "sync before anything was published",
        ("sync",),
        "Error: no published warehouse at {root}/warehouse/roundtrip.duckdb; run `roundtrip "
        "load` and `roundtrip transform` first",
        2,
    ),
    Case(
        "restore before anything was published",
        ("restore",),
        "Error: nothing to restore: no published warehouse at {root}/warehouse/roundtrip.duckdb",
        2,
    ),
    Case(
        "restore --previous before a second publish",
        ("restore", "--previous"),
        "Error: nothing to restore: no previous published warehouse at "
        "{root}/warehouse/roundtrip.duckdb.prev (one is kept from the second publish on)",
        2,
        setup=_published,
    ),
]


def _run(root: Path, case: Case) -> subprocess.CompletedProcess[str]:
    (root / "roundtrip.toml").write_text(case.toml)
    case.setup(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ROUNDTRIP_"))}
    env.update(
        PYTHONPATH=str(REPO),
        ROUNDTRIP_SANDBOX_DIR=str(root / "sandbox"),
        ROUNDTRIP_WAREHOUSE_DIR=str(root / "warehouse"),
    )
    env.update({k: v.format(root=root) for k, v in case.env.items()})
    return subprocess.run(
        [sys.executable, "-m", "roundtrip", *case.args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_known_failure_is_one_line_with_its_exit_code(tmp_path: Path, case: Case) -> None:
    root = tmp_path.resolve()
    result = _run(root, case)
    lines = result.stderr.splitlines()
    expected = case.line.format(root=root)
    assert result.returncode == case.code, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert re.fullmatch(re.escape(expected).replace("…", ".*"), lines[0]), lines[0]
    # no empty working file is left behind to break the next command
    assert not (root / "warehouse" / "work" / "roundtrip.duckdb").exists()


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_a_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_settings: object) -> None:
        raise RuntimeError("the flux capacitor is empty")

    monkeypatch.setattr("roundtrip.stages.status.status", broken)
    monkeypatch.setenv("ROUNDTRIP_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("ROUNDTRIP_CONFIG", str(tmp_path / "roundtrip.toml"))
    (tmp_path / "roundtrip.toml").write_text("")
    result = CliRunner().invoke(cli, ["status"])
    (log,) = (tmp_path / "warehouse" / "state" / "logs").glob("roundtrip-*.log")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: unexpected RuntimeError: the flux capacitor is empty (full traceback in {log}; "
        "`roundtrip --debug …` shows it here)"
    ]
    assert "Traceback" in log.read_text() and "broken" in log.read_text()

    debug = CliRunner().invoke(cli, ["--debug", "status"])
    assert isinstance(debug.exception, RuntimeError)


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            PermissionError(13, "Permission denied", "/srv/wh/state"),
            "/srv/wh/state (from ROUNDTRIP_WAREHOUSE_DIR=/srv/wh): permission denied; make it "
            "writable by you, or use another folder",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "/srv/wh/x"),
            "/srv/wh/x (from ROUNDTRIP_WAREHOUSE_DIR=/srv/wh): no such file or folder",
        ),
    ],
)
def test_os_errors_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, error: OSError, line: str
) -> None:
    from roundtrip.errors import EXIT_FIX, report

    monkeypatch.setenv("ROUNDTRIP_WAREHOUSE_DIR", "/srv/wh")
    assert report(error) == (line, EXIT_FIX)


@pytest.mark.slow
def test_a_truncated_working_file_under_load_is_one_line_and_restore_mends_it(
    project: Project,
) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "ga4")
    data = paths.working.read_bytes()
    paths.working.write_bytes(data[: len(data) // 2])
    published = paths.published.read_bytes()

    result = project.roundtrip("load", "ga4", check=False)

    # the system fails (exit 1, its load_status alert opens) with one line saying what to do
    errors = [line for line in result.stderr.splitlines() if line.startswith("ga4 failed:")]
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(errors) == 1 and "IOException: IO Error: Could not read enough bytes" in errors[0]
    assert errors[0].endswith(
        "the working warehouse is damaged: run `roundtrip restore` (copies the published "
        "warehouse back), then load again"
    )
    assert paths.published.read_bytes() == published
    project.roundtrip("restore")
    project.roundtrip("load", "ga4")
