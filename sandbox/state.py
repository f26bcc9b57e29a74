"""The sandbox state folder and the files in it.

`.sandbox/` by default, `ROUNDTRIP_SANDBOX_DIR` to override. What is in it:

| file | written by | read by |
|---|---|---|
| `world.duckdb` | generator, stand-ins (writes) | stand-ins only |
| `truth.duckdb` | generator | tests and benchmarks only, never product code |
| `world.json` | generator (`reset`, `advance`) | anyone: seed, scale and the sandbox clock (`now`) |
| `credentials.json` | generator | Roundtrip in sandbox mode: the sandbox's client ids, secrets, tokens |
| `server.json` | `sandbox up` | Roundtrip in sandbox mode: the base URL of each stand-in, CA certificate |
| `faults.json` | `sandbox faults` / tests | stand-ins (re-read when the file changes) |
| `tls/` | `sandbox up` | the Salesforce stand-in's self-signed certificate and its CA |
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

SCALES: dict[str, dict[str, int]] = {
    # people ≈ distinct humans; days = length of the generated history ending at "now".
    "S": {"people": 10_000, "days": 180},
    "M": {"people": 100_000, "days": 365},
    "L": {"people": 1_000_000, "days": 365},
}
DEFAULT_SEED = 42
DEFAULT_SCALE = "S"


def sandbox_dir() -> Path:
    return Path(os.environ.get("ROUNDTRIP_SANDBOX_DIR", ".sandbox")).resolve()


@dataclass(frozen=True)
class SandboxPaths:
    root: Path

    @classmethod
    def default(cls) -> SandboxPaths:
        return cls(sandbox_dir())

    @property
    def world_db(self) -> Path:
        return self.root / "world.duckdb"

    @property
    def truth_db(self) -> Path:
        return self.root / "truth.duckdb"

    @property
    def world_json(self) -> Path:
        return self.root / "world.json"

    @property
    def credentials_json(self) -> Path:
        return self.root / "credentials.json"

    @property
    def server_json(self) -> Path:
        return self.root / "server.json"

    @property
    def faults_json(self) -> Path:
        return self.root / "faults.json"

    @property
    def tls_dir(self) -> Path:
        return self.root / "tls"

    @property
    def server_log(self) -> Path:
        return self.root / "server.log"

    @property
    def webhook_backlog(self) -> Path:
        """Contact changes `sandbox advance` made, for the HubSpot stand-in to deliver."""
        return self.root / "pending_webhooks.jsonl"


def read_json(path: Path) -> dict[str, Any] | None:
    """Return the JSON object in `path`, or None when the file does not exist."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


@dataclass(frozen=True)
class WorldInfo:
    """The public facts of a generated world: which one it is and what time it is there."""

    seed: int
    scale: str
    now: datetime
    started_at: datetime

    @classmethod
    def read(cls, paths: SandboxPaths) -> WorldInfo | None:
        data = read_json(paths.world_json)
        if data is None:
            return None
        return cls(
            seed=int(data["seed"]),
            scale=str(data["scale"]),
            now=datetime.fromisoformat(data["now"]),
            started_at=datetime.fromisoformat(data["started_at"]),
        )

    def write(self, paths: SandboxPaths) -> None:
        write_json(
            paths.world_json,
            {
                "seed": self.seed,
                "scale": self.scale,
                "now": self.now.isoformat(),
                "started_at": self.started_at.isoformat(),
            },
        )
