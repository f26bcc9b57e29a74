"""The systems the checks watch, as plain values handed in by the caller (roundtrip/stages/
builds them from the settings and the vendor registry): monitor imports neither."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class AdTables:
    """Where an ad platform keeps its daily rows and its campaigns' on/off state."""

    daily: str
    account: str
    campaigns: str
    status: str
    enabled: tuple[str, ...]


@dataclass(frozen=True)
class ApiVersionFacts:
    """The API version a system speaks and what its vendor announced (connectors/api_versions.yml)."""

    version: str
    sunset: date | None  # None: none announced
    move_to: str  # the version to move to ("" when the one spoken is the newest known)
    source: str


@dataclass(frozen=True)
class MonitoredSystem:
    """One source system as the checks see it."""

    name: str
    enabled: bool = True
    mode: str = "sandbox"  # sandbox | real
    freshness_hours: float = 24.0  # how old its newest data may be, given its schedule
    # table of raw_<name> → the column whose newest value says how current the table is
    freshness_tables: Mapping[str, str] = field(default_factory=dict)
    ad_tables: AdTables | None = None  # ad platforms only (completeness)
    api: ApiVersionFacts | None = None  # the API version spoken and its lifecycle


Systems = Mapping[str, MonitoredSystem]
"""Every known system by name."""
