"""`roundtrip transform` prints one summary line (models, tests, warnings, failures, seconds), no
ANSI codes when piped, keeps dbt's full log in a file, and streams it with --verbose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow

SUMMARY = re.compile(
    r"^transform: \d+ models, \d+ tests, \d+ seeds; 0 warnings, 0 failures; [\d.]+ s;"
    r" full dbt log: (?P<log>\S+)$"
)


def test_transform_prints_a_summary_and_keeps_the_full_log(transformed_project: Project) -> None:
    quiet = transformed_project.roundtrip("transform", "--full")
    lines = quiet.stdout.splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == "transform: full build: asked for with --full"
    match = SUMMARY.match(lines[1])
    assert match, lines[1]
    assert "\x1b[" not in quiet.stdout + quiet.stderr
    log = match["log"]
    assert "Completed successfully" in Path(log).read_text(encoding="utf-8")

    verbose = transformed_project.roundtrip("transform", "--full", "--verbose")
    assert "Completed successfully" in verbose.stdout
    assert "\x1b[" not in verbose.stdout, "colour codes in a pipe"
    assert SUMMARY.match(verbose.stdout.splitlines()[-2])
