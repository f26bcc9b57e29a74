"""The audit against missed updates is a scheduled job: weekly by default, its cron set by
`[schedule] audit` in roundtrip.toml, followed by a transform; none when no audited system is on."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundtrip.schedule import Job
from roundtrip.settings import load_settings
from roundtrip.stages.schedule import scheduled_jobs


def _jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> dict[str, Job]:
    monkeypatch.delenv("ROUNDTRIP_CONFIG", raising=False)
    (tmp_path / "roundtrip.toml").write_text(toml)
    return {job.name: job for job in scheduled_jobs(load_settings(tmp_path))}


def test_the_audit_runs_weekly_then_transforms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = _jobs(tmp_path, monkeypatch, "")["audit"]
    assert (audit.cron, audit.commands) == ("30 3 * * 0", [["audit"], ["transform"]])


def test_the_audit_cron_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = _jobs(tmp_path, monkeypatch, '[schedule]\naudit = "0 4 1 * *"\n')["audit"]
    assert audit.cron == "0 4 1 * *"


def test_no_audit_without_an_audited_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = "[systems.hubspot]\nenabled = false\n[systems.salesforce]\nenabled = false\n"
    assert "audit" not in _jobs(tmp_path, monkeypatch, toml)
