"""The API versions table (connectors/api_versions.yml) is the one place versions come from."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from connectors import api_versions
from connectors.api_versions import ApiLifecycle, VersionTableError, lifecycles
from connectors.registry import VENDORS
from sandbox.generator.clock import GENESIS_NOW

REPO = Path(__file__).resolve().parents[2]


def test_every_vendor_speaks_the_version_of_the_table() -> None:
    table = lifecycles()
    assert set(table) == set(VENDORS)
    for name, vendor in VENDORS.items():
        assert vendor.api_version == table[name].speaks, name


def test_no_vendor_code_pins_a_version_of_its_own() -> None:
    """A literal version string in a vendor module would bypass the table."""
    pinned = re.compile(r'API_VERSION\s*=\s*"|api_version\s*=\s*"')
    for path in sorted((REPO / "connectors").glob("*.py")):
        assert not pinned.search(path.read_text()), path.name


def test_the_versions_spoken_are_live_on_the_sandbox_clock() -> None:
    on = GENESIS_NOW.date()
    for name, lc in lifecycles().items():
        current = lc.current
        assert current.released is None or current.released <= on, name
        assert current.sunset is None or current.sunset > on, f"{name} {lc.speaks} is retired"


def test_every_version_cites_a_source() -> None:
    for lc in lifecycles().values():
        assert lc.policy_source.startswith("https://")
        for v in lc.versions:
            assert v.source.startswith("https://"), f"{lc.system} {v.version}"


def test_the_readme_table_is_generated_from_the_data() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- api-versions:begin -->\n")[1].split("\n<!-- api-versions:end -->")[0]
    assert block == api_versions.markdown_table(), (
        "README's vendor API versions table is stale; replace it with the output of "
        "`python -m connectors.api_versions`"
    )


def test_newest_is_the_latest_released_by_a_date() -> None:
    lc = lifecycles()["google_ads"]
    assert lc.newest(date(2026, 10, 1)).version == "v25"
    assert lc.newest(date(2026, 12, 5)).version == "v26"


def test_a_malformed_entry_names_system_and_field(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(VersionTableError, match=r"acme.versions.v1.sunset: not a date"):
        api_versions._lifecycle(
            "acme",
            {
                "speaks": "v1",
                "tested": ["v1"],
                "policy": "",
                "policy_source": "https://x",
                "versions": {"v1": {"sunset": "soon", "source": "https://x"}},
            },
        )
    with pytest.raises(VersionTableError, match=r"acme: version 'v2' has no entry"):
        api_versions._lifecycle(
            "acme",
            {
                "speaks": "v2",
                "tested": ["v2"],
                "policy": "",
                "policy_source": "https://x",
                "versions": {"v1": {"source": "https://x"}},
            },
        )
    assert isinstance(lifecycles()["hubspot"], ApiLifecycle)
