"""Third-party clients of the vendor APIs, installed from PyPI into their own virtualenv (their
pins conflict with ours) and pointed at a stand-in by rewriting only their base URL."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AIRBYTE_HUBSPOT = "airbyte-source-hubspot==5.7.0"
TAP_HUBSPOT = "tap-hubspot==4.5.0"
GOOGLE_ADS = "google-ads==34.0.0"  # its protobuf messages, for the contract tests  # singer-io's tap: legacy v1/v2 endpoints for deals, companies
HUBSPOT_API = "https://api.hubapi.com"
CACHE = Path(tempfile.gettempdir()) / "roundtrip-real-clients"


def venv_with(requirement: str) -> Path:
    """A virtualenv under /tmp holding `requirement`, made once and reused (keyed by the pin)."""
    root = CACHE / requirement.replace("==", "-")
    python = root / "bin" / "python"
    if (root / "ok").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", requirement], capture_output=True, text=True
    )
    if installed.returncode != 0:
        raise RuntimeError(f"pip install {requirement} failed:\n{installed.stderr[-2000:]}")
    (root / "ok").write_text(requirement)
    return root


def rebased_package(venv: Path, package: str, base_url: str, into: Path) -> Path:
    """A copy of `package` from the venv with HubSpot's base URL replaced by `base_url` (the only
    change); put its parent first on PYTHONPATH."""
    (site,) = venv.glob(f"lib/python3*/site-packages/{package}")
    copy = into / package
    # without the compiled files: a patch of the same length made in the second pip installed
    # the package would leave the old bytecode looking current, and the old URL would run
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in copy.rglob("*"):
        if path.suffix in (".py", ".yaml", ".json") and HUBSPOT_API in path.read_text():
            path.write_text(path.read_text().replace(HUBSPOT_API, base_url))
    return into


@dataclass
class AirbyteRun:
    records: dict[str, list[dict[str, Any]]]
    errors: list[str]


def airbyte_read(
    venv: Path, pythonpath: Path, config: dict[str, Any], streams: tuple[str, ...], work: Path
) -> AirbyteRun:
    """`source-hubspot discover`, then `read` of `streams` in full refresh."""
    (work / "config.json").write_text(json.dumps(config))
    env = {"PYTHONPATH": str(pythonpath), "PATH": str(venv / "bin")}
    source, config_file = str(venv / "bin" / "source-hubspot"), str(work / "config.json")
    found = _messages([source, "discover", "--config", config_file], env)
    catalog = next((m["catalog"] for m in found if m["type"] == "CATALOG"), None)
    if catalog is None:
        raise AssertionError(f"discover failed: {_errors(found)}")
    configured = [
        {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
        for s in catalog["streams"]
        if s["name"] in streams
    ]
    (work / "catalog.json").write_text(json.dumps({"streams": configured}))
    catalog_file = str(work / "catalog.json")
    read = _messages([source, "read", "--config", config_file, "--catalog", catalog_file], env)
    records: dict[str, list[dict[str, Any]]] = {s: [] for s in streams}
    for message in read:
        if message["type"] == "RECORD":
            records[message["record"]["stream"]].append(message["record"]["data"])
    return AirbyteRun(records, _errors(read))


def singer_sync(
    venv: Path, pythonpath: Path, config: dict[str, Any], streams: tuple[str, ...], work: Path
) -> dict[str, list[dict[str, Any]]]:
    """`tap-hubspot --discover`, select `streams`, then sync them (`--properties`, the tap's
    catalog flag): the RECORD messages by stream."""
    (work / "tap-config.json").write_text(json.dumps(config))
    env = {"PYTHONPATH": str(pythonpath), "PATH": str(venv / "bin")}
    tap, config_file = str(venv / "bin" / "tap-hubspot"), str(work / "tap-config.json")
    found = subprocess.run(
        [tap, "--config", config_file, "--discover"], capture_output=True, text=True, env=env
    )
    assert found.returncode == 0, found.stderr[-2000:]
    selected = [s for s in json.loads(found.stdout)["streams"] if s["tap_stream_id"] in streams]
    for stream in selected:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    (work / "tap-catalog.json").write_text(json.dumps({"streams": selected}))
    synced = subprocess.run(
        [tap, "--config", config_file, "--properties", str(work / "tap-catalog.json")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr[-2000:]
    records: dict[str, list[dict[str, Any]]] = {s: [] for s in streams}
    for message in _lines(synced.stdout):
        if message["type"] == "RECORD":
            records[message["stream"]].append(message["record"])
    return records


def _lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _messages(command: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _errors(messages: list[dict[str, Any]]) -> list[str]:
    return [
        m["log"]["message"][:500]
        for m in messages
        if m["type"] == "LOG" and m["log"]["level"] in ("ERROR", "FATAL")
    ]
