"""Settings: which systems are enabled, whether each talks to the sandbox or the real vendor, paths.

Resolution order for every setting: environment variable, then `roundtrip.toml` (or the file named
by `ROUNDTRIP_CONFIG`), then the default. Which systems exist and the credentials each accepts
come from the vendor registry (connectors/registry.py). Credentials never live here: they come
from dlt's `.dlt/secrets.toml` or environment variables (`SOURCES__<SYSTEM>__CREDENTIALS__<KEY>`),
and a system in `auto` mode talks to the real vendor exactly when its required credentials are
present.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from connectors.registry import SYSTEMS, credential_keys, vendor

MODES: tuple[str, ...] = ("auto", "sandbox", "real")

Mode = Literal["sandbox", "real"]


class SettingsError(ValueError):
    """A setting has a value Roundtrip cannot use; the message names the setting and the fix."""


@dataclass(frozen=True)
class SystemSettings:
    """How Roundtrip reaches one source system."""

    name: str
    enabled: bool
    mode: Mode
    requested_mode: str
    credentials: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"


@dataclass(frozen=True)
class Settings:
    """Everything resolved once per command."""

    project_dir: Path
    warehouse_dir: Path
    sandbox_dir: Path
    systems: dict[str, SystemSettings]
    # cron expressions of `roundtrip schedule`'s own jobs (each sync has its own in its spec)
    schedule: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SCHEDULE))

    def enabled_systems(self) -> list[SystemSettings]:
        return [s for s in self.systems.values() if s.enabled]

    @property
    def all_sandbox(self) -> bool:
        """True when every enabled system talks to the sandbox (then the sandbox clock rules)."""
        return all(s.is_sandbox for s in self.enabled_systems())

    def system(self, name: str) -> SystemSettings:
        if name not in self.systems:
            raise SettingsError(f"unknown system {name!r}; accepted: {', '.join(SYSTEMS)}")
        return self.systems[name]


def _parse_bool(value: object, setting: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{setting}={value!r} is not a boolean; accepted: true, false")


def _read_config_file(project_dir: Path) -> tuple[dict, str]:
    path = Path(os.environ.get("ROUNDTRIP_CONFIG", project_dir / "roundtrip.toml"))
    if not path.exists():
        if "ROUNDTRIP_CONFIG" in os.environ:
            raise SettingsError(f"ROUNDTRIP_CONFIG={path} does not exist")
        return {}, str(path)
    try:
        return tomllib.loads(path.read_text()), str(path)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None


def _lookup_credentials(system: str) -> dict[str, str]:
    """Read the credential keys dlt knows for a system (secrets.toml or environment variables)."""
    import dlt  # deferred: dlt's import is slow and most commands need settings first

    found: dict[str, str] = {}
    for key in credential_keys():
        value = dlt.secrets.get(f"sources.{system}.credentials.{key}")
        if value not in (None, ""):
            found[key] = value
    return found


def _system_settings(system: str, file_config: dict, config_path: str) -> SystemSettings:
    section = file_config.get("systems", {}).get(system, {})
    unknown = set(section) - {"enabled", "mode"}
    if unknown:
        raise SettingsError(
            f"{config_path}: [systems.{system}] has unknown key(s) {', '.join(sorted(unknown))}; "
            "accepted: enabled, mode"
        )
    env_prefix = f"ROUNDTRIP_{system.upper()}_"
    enabled_raw = os.environ.get(env_prefix + "ENABLED", section.get("enabled", True))
    enabled_name = (
        env_prefix + "ENABLED"
        if env_prefix + "ENABLED" in os.environ
        else f"systems.{system}.enabled"
    )
    enabled = _parse_bool(enabled_raw, enabled_name)
    requested = str(os.environ.get(env_prefix + "MODE", section.get("mode", "auto"))).lower()
    if requested not in MODES:
        name = (
            env_prefix + "MODE" if env_prefix + "MODE" in os.environ else f"systems.{system}.mode"
        )
        raise SettingsError(f"{name}={requested!r} is not a mode; accepted: {', '.join(MODES)}")
    credentials = _lookup_credentials(system) if requested != "sandbox" else {}
    complete = vendor(system).has_credentials(credentials)
    if requested == "real" and enabled and not complete:
        ways = vendor(system).describe_credentials()
        raise SettingsError(
            f"{system} is set to mode 'real' but its credentials are incomplete; set "
            f"sources.{system}.credentials.<key> in .dlt/secrets.toml (or "
            f"SOURCES__{system.upper()}__CREDENTIALS__<KEY>) with: {ways}"
        )
    mode: Mode = "real" if requested == "real" or (requested == "auto" and complete) else "sandbox"
    return SystemSettings(system, enabled, mode, requested, credentials if mode == "real" else {})


# `health` has no default: each check runs on its own `schedule` (monitor.yml) unless it is set
SCHEDULE_KEYS = ("load_transform", "health", "audit")
# the audit against missed updates (`roundtrip audit`): weekly, Sunday 03:30 local time
DEFAULT_SCHEDULE = {"load_transform": "0 * * * *", "audit": "30 3 * * 0"}


def _schedule_settings(file_config: dict, config_path: str) -> dict[str, str]:
    from croniter import croniter

    section = file_config.get("schedule", {})
    unknown = set(section) - set(SCHEDULE_KEYS)
    if unknown:
        raise SettingsError(
            f"{config_path}: [schedule] has unknown key(s) {', '.join(sorted(unknown))}; "
            f"accepted: {', '.join(SCHEDULE_KEYS)} (syncs are scheduled in their spec)"
        )
    schedule = {**DEFAULT_SCHEDULE, **section}
    for job, cron in schedule.items():
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise SettingsError(f"{config_path}: schedule.{job}={cron!r} is not a cron expression")
    return schedule


def load_settings(project_dir: Path | None = None) -> Settings:
    """Resolve settings from the environment, `roundtrip.toml` and dlt secrets."""
    project = Path(project_dir or os.getcwd()).resolve()
    file_config, config_path = _read_config_file(project)
    unknown_sections = set(file_config) - {"systems", "schedule"}
    if unknown_sections:
        raise SettingsError(
            f"{config_path}: unknown section(s) {', '.join(sorted(unknown_sections))}; "
            "accepted: systems, schedule"
        )
    for section in ("systems", "schedule"):
        if not isinstance(file_config.get(section, {}), dict):
            raise SettingsError(
                f"{config_path}: `{section}` must be a table ([{section}] or "
                f"[{section}.<name>] sections), got {file_config[section]!r}"
            )
    for name, table in file_config.get("systems", {}).items():
        if not isinstance(table, dict):
            raise SettingsError(
                f"{config_path}: systems.{name} must be a table ([systems.{name}] with "
                f"enabled / mode), got {table!r}"
            )
    unknown_systems = set(file_config.get("systems", {})) - set(SYSTEMS)
    if unknown_systems:
        raise SettingsError(
            f"{config_path}: unknown system(s) {', '.join(sorted(unknown_systems))}; "
            f"accepted: {', '.join(SYSTEMS)}"
        )
    warehouse = Path(os.environ.get("ROUNDTRIP_WAREHOUSE_DIR", project / "warehouse"))
    sandbox = Path(os.environ.get("ROUNDTRIP_SANDBOX_DIR", project / ".sandbox"))
    systems = {s: _system_settings(s, file_config, config_path) for s in SYSTEMS}
    schedule = _schedule_settings(file_config, config_path)
    return Settings(project, warehouse.resolve(), sandbox.resolve(), systems, schedule)
