"""`roundtrip audit` names what it covers when asked for a system it does not audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundtrip.errors import UserError
from roundtrip.settings import load_settings
from roundtrip.stages.audit import audited_systems


def test_the_audited_systems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROUNDTRIP_CONFIG", raising=False)
    (tmp_path / "roundtrip.toml").write_text("[systems.hubspot]\nenabled = false\n")
    settings = load_settings(tmp_path)
    assert audited_systems(settings, []) == ["salesforce"]  # the enabled ones it covers
    assert audited_systems(settings, ["hubspot"]) == ["hubspot"]
    with pytest.raises(UserError, match=r"^the audit covers salesforce, hubspot, not ga4 "):
        audited_systems(settings, ["ga4"])
