"""Fault injection settings per vendor, kept in `.sandbox/faults.json`.

The CLI (`roundtrip sandbox faults VENDOR k=v …`) and tests write the file; the stand-ins re-read
it when it changes (one `os.stat` per request) and then restart every fault counter: the burst
of 429s, the page count for `malformed_page`, the rate-limit window and the error RNG (`seed`).

faults.json: `{"hubspot": {"error_rate": 0.3, "seed": 7}, "salesforce": {...}}` — only the
settings that are on; a vendor missing from the file has no faults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from sandbox.state import SandboxPaths, read_json, write_json

VENDORS = ("hubspot", "salesforce", "google_ads", "meta_ads", "linkedin_ads", "ga4")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RATE = re.compile(r"^(\d+)/(\d+(?:\.\d+)?)$")


class SandboxSettingError(ValueError):
    """A bad fault key or value; the message names it and the accepted keys or values."""


@dataclass(frozen=True)
class Faults:
    """One vendor's fault settings; the defaults mean "no fault"."""

    latency_ms: int = 0
    error_rate: float = 0.0
    # Retry-After (seconds) on the injected 5xx, as a 503 may say (RFC 9110 §10.2.3); None: none
    error_retry_after: int | None = None
    burst_429: int = 0
    retry_after: int = 1
    # the vendor's own regain estimate for a rate-limit refusal, in seconds (Meta reports
    # `estimated_time_to_regain_access` in whole minutes, ≥ 1: tests set a few seconds)
    regain_seconds: int | None = None
    rate_limit: str | None = None  # "N/S": N requests per S seconds
    token_ttl: int | None = None
    malformed_page: int | None = None
    new_field: str | None = None
    retype_field: str | None = None
    seed: int = 0

    @property
    def rate_window(self) -> tuple[int, float] | None:
        """(requests, seconds) of the `rate_limit` setting, or None."""
        if self.rate_limit is None:
            return None
        n, s = _RATE.match(self.rate_limit).groups()  # type: ignore[union-attr]
        return int(n), float(s)

    def active(self) -> dict[str, Any]:
        """The settings that differ from the defaults."""
        default = Faults()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}


def _int(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise ValueError
        return value

    return parse


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError
    return value


def _rate_limit(text: str) -> str:
    match = _RATE.match(text)
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise ValueError
    return text


def _name(text: str) -> str:
    if not _NAME.match(text):
        raise ValueError
    return text


# key → (parser, description of the accepted values)
_PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "latency_ms": (_int(0), "an integer ≥ 0"),
    "error_rate": (_rate, "a number between 0 and 1"),
    "error_retry_after": (_int(0), "an integer ≥ 0 (seconds)"),
    "burst_429": (_int(0), "an integer ≥ 0"),
    "retry_after": (_int(0), "an integer ≥ 0 (seconds)"),
    "regain_seconds": (_int(0), "an integer ≥ 0 (seconds)"),
    "rate_limit": (_rate_limit, "N/S, e.g. 100/10 (N requests per S seconds)"),
    "token_ttl": (_int(1), "an integer ≥ 1 (seconds)"),
    "malformed_page": (_int(1), "an integer ≥ 1 (the Nth list page)"),
    "new_field": (_name, "a field name (letters, digits, _)"),
    "retype_field": (_name, "a field name (letters, digits, _)"),
    "seed": (_int(0), "an integer ≥ 0"),
}
assert set(_PARSERS) == {f.name for f in fields(Faults)}


def parse_assignment(assignment: str) -> tuple[str, Any]:
    """`key=value` → (key, parsed value); `key=` or `key=off` switches the fault off (None)."""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if key not in _PARSERS or not sep:
        raise SandboxSettingError(
            f"unknown fault setting {assignment!r}: use KEY=VALUE with KEY one of "
            + ", ".join(_PARSERS)
        )
    text = text.strip()
    if text in ("", "off", "none"):
        return key, None
    parser, accepted = _PARSERS[key]
    try:
        return key, parser(text)
    except ValueError:
        raise SandboxSettingError(f"fault {key}={text!r}: expected {accepted}") from None


def read_all(paths: SandboxPaths) -> dict[str, dict[str, Any]]:
    return read_json(paths.faults_json) or {}


def read_faults(paths: SandboxPaths, vendor: str) -> Faults:
    return Faults(**read_all(paths).get(vendor, {}))


def write_faults(paths: SandboxPaths, vendor: str, faults: Faults) -> None:
    """Replace one vendor's settings (atomically; the servers pick them up on the next request)."""
    data = read_all(paths)
    data[vendor] = faults.active()
    if not data[vendor]:
        del data[vendor]
    write_json(paths.faults_json, data)


def set_faults(paths: SandboxPaths, vendor: str, **settings: Any) -> Faults:
    """Replace one vendor's settings with exactly `settings` (tests use this)."""
    faults = Faults(**settings)
    write_faults(paths, vendor, faults)
    return faults


def describe(vendor: str, faults: Faults) -> str:
    active = faults.active()
    if not active:
        return f"{vendor}: no faults"
    return f"{vendor}: " + " ".join(f"{k}={v}" for k, v in sorted(active.items()))


def update_faults(
    vendor: str,
    assignments: Iterable[str],
    clear: bool = False,
    paths: SandboxPaths | None = None,
) -> str:
    """Apply `key=value` assignments (after clearing, with `clear`) and describe the result."""
    if vendor not in VENDORS:
        raise SandboxSettingError(f"unknown vendor {vendor!r}: use one of {', '.join(VENDORS)}")
    paths = paths or SandboxPaths.default()
    changes = dict(parse_assignment(a) for a in assignments)
    current = Faults() if clear else read_faults(paths, vendor)
    merged = {**asdict(current), **changes}
    merged = {k: (getattr(Faults(), k) if v is None else v) for k, v in merged.items()}
    faults = Faults(**merged)
    if clear or changes:
        write_faults(paths, vendor, faults)
    return describe(vendor, faults)
