"""The current time as Roundtrip sees it: the sandbox's clock when every enabled system is a
sandbox stand-in (so staleness and incremental windows are deterministic), else the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime

from roundtrip.errors import UserError
from roundtrip.settings import Settings
from sandbox.state import SandboxPaths, WorldInfo


def now(settings: Settings) -> datetime:
    if not settings.all_sandbox:
        return datetime.now(UTC)
    world = WorldInfo.read(SandboxPaths(settings.sandbox_dir))
    if world is None:
        raise UserError(
            f"no sandbox world in {settings.sandbox_dir}; run `roundtrip sandbox reset` first"
        )
    return world.now if world.now.tzinfo else world.now.replace(tzinfo=UTC)
