"""Fixtures for the generator tests: a tiny custom scale, generated once per session."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sandbox import control
from sandbox.control import ServerInfo
from sandbox.state import SCALES, SandboxPaths
from tests.sandbox.fixture_world import CREDENTIALS, make_sandbox

TINY = {"people": 2_000, "days": 150}


@pytest.fixture(scope="session")
def generated_world_tiny_scale() -> Iterator[str]:
    """Registers the scale "XS" (2,000 people, 150 days) for the session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(SCALES, "XS", TINY)
        yield "XS"


@pytest.fixture(scope="session")
def generated_world_xs(
    tmp_path_factory: pytest.TempPathFactory, generated_world_tiny_scale: str
) -> SandboxPaths:
    """A world generated at scale XS with seed 11 (read-only for tests: copy it before advancing)."""
    from sandbox.generator import generate

    paths = SandboxPaths(Path(tmp_path_factory.mktemp("world_xs")))
    generate(paths, seed=11, scale=generated_world_tiny_scale)
    return paths


# ------------------------------------------------------------ the CRM stand-ins (servers helper)


@dataclass
class CrmSandbox:
    """A running stand-in process over the small CRM fixture world (tests/sandbox/fixture_world.py)."""

    paths: SandboxPaths
    info: ServerInfo

    def hubspot(self, token: str = CREDENTIALS["hubspot"]["access_token"]) -> httpx.Client:
        return httpx.Client(
            base_url=self.info.urls["hubspot"], headers={"Authorization": f"Bearer {token}"}
        )

    def salesforce_token(self) -> str:
        with httpx.Client(verify=ssl.create_default_context(cafile=self.info.ca_cert)) as client:
            response = client.post(
                self.info.urls["salesforce"] + "/services/oauth2/token",
                data={"grant_type": "client_credentials", "client_id": "sf-client",
                      "client_secret": "sf-secret"},
            )  # fmt: skip
            response.raise_for_status()
            return response.json()["access_token"]

    def salesforce(self, token: str | None = None) -> httpx.Client:
        token = token or self.salesforce_token()
        return httpx.Client(
            base_url=self.info.urls["salesforce"] + "/services/data/v62.0",
            headers={"Authorization": f"Bearer {token}"},
            verify=ssl.create_default_context(cafile=self.info.ca_cert),
        )


@pytest.fixture(scope="module")
def crm_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrmSandbox]:
    """The stand-in servers (one process, real loopback HTTP) over a fresh CRM fixture world."""
    paths = make_sandbox(tmp_path_factory.mktemp("crm"))
    info = control.up(paths=paths)
    try:
        yield CrmSandbox(paths, info)
    finally:
        control.down(paths=paths)
