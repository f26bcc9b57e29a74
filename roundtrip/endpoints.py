"""Where each enabled system is reached: the real vendor with configured credentials, or the
sandbox stand-in with the sandbox's own credentials. The only product module that reads the
sandbox's public files (server.json, credentials.json, world.json) — never its truth."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from connectors.client import Endpoint
from connectors.registry import vendor
from realtime.signatures import ReceiverSecrets
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from sandbox.state import SandboxPaths, WorldInfo, read_json


def sandbox_identity(settings: Settings) -> dict[str, str]:
    """Which sandbox world the warehouse is being loaded from (empty when all systems are real)."""
    if not any(s.is_sandbox for s in settings.enabled_systems()):
        return {}
    world = WorldInfo.read(SandboxPaths(settings.sandbox_dir))
    if world is None:
        return {}
    return {
        "sandbox_seed": str(world.seed),
        "sandbox_scale": world.scale,
        "sandbox_now": world.now.isoformat(),
    }


@contextmanager
def open_endpoints(settings: Settings, systems: list[str]) -> Iterator[list[Endpoint]]:
    """Yield the endpoints of `systems`; starts the sandbox if one of them needs it and stops it
    afterwards when this call started it."""
    chosen = [settings.system(name) for name in systems] or settings.enabled_systems()
    disabled = [s.name for s in chosen if not s.enabled]
    if disabled:
        raise UserError(
            f"system(s) {', '.join(disabled)} are disabled; enable them with "
            f"ROUNDTRIP_<SYSTEM>_ENABLED=true or in roundtrip.toml"
        )
    with ExitStack() as stack:
        sandbox_urls: dict[str, str] = {}
        sandbox_credentials: dict[str, dict] = {}
        ca_cert: str | None = None
        if any(s.is_sandbox for s in chosen):
            from sandbox.control import running

            paths = SandboxPaths(settings.sandbox_dir)
            stack.enter_context(running(paths))
            server = read_json(paths.server_json) or {}
            sandbox_urls = server.get("urls", {})
            ca_cert = server.get("ca_cert")
            sandbox_credentials = read_json(paths.credentials_json) or {}
        endpoints = []
        for s in chosen:
            if s.is_sandbox:
                if s.name not in sandbox_urls:
                    raise UserError(f"the sandbox has no stand-in for {s.name}")
                base = sandbox_urls[s.name]
                token_path = vendor(s.name).sandbox_token_path
                endpoints.append(
                    Endpoint(
                        s.name,
                        "sandbox",
                        base,
                        sandbox_credentials.get(s.name, {}),
                        verify=ca_cert if base.startswith("https") and ca_cert else True,
                        token_url=base + token_path if token_path else None,
                    )
                )
            else:
                endpoints.append(Endpoint(s.name, "real", None, s.credentials))
        yield endpoints


def receiver_secrets(settings: Settings) -> ReceiverSecrets:
    """The sandbox's own secrets when HubSpot is a stand-in, else the environment's
    (ROUNDTRIP_HUBSPOT_APP_SECRET, ROUNDTRIP_FORM_SECRET)."""
    if settings.system("hubspot").is_sandbox:
        credentials = read_json(SandboxPaths(settings.sandbox_dir).credentials_json) or {}
        return ReceiverSecrets(
            credentials.get("hubspot", {}).get("client_secret"),
            credentials.get("website", {}).get("form_secret"),
        )
    return ReceiverSecrets(
        os.environ.get("ROUNDTRIP_HUBSPOT_APP_SECRET"), os.environ.get("ROUNDTRIP_FORM_SECRET")
    )
