"""What a health check reports, shared by the checks, the alert router, `roundtrip health` and the
status page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


class Severity(IntEnum):
    """Alert severity; the seed's routes: Critical → PagerDuty, High → Slack + email,
    Medium → email, Low → a ticket."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}; use one of {', '.join(s.name.lower() for s in cls)}"
            ) from None


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"  # crossed the warn threshold
    FAIL = "fail"  # crossed the critical threshold
    ERROR = "error"  # the check itself could not run (missing table, unreadable warehouse …)


@dataclass(frozen=True)
class CheckResult:
    """One evaluation of one check for one subject (a system, table, account or sync)."""

    check: str  # the configured check's name, e.g. "crm_record_count"
    subject: str  # what was measured, e.g. "hubspot.contacts"; part of the alert's identity
    system: str | None  # the integration it belongs to, for `roundtrip status`
    status: Status
    severity: Severity | None  # None when passing
    value: float | None
    threshold: str  # human text, e.g. "< 50% of expected 1,204 (floor 100)"
    message: str  # one line a human can act on
    observed_at: datetime
    owner: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def alert_key(self) -> str:
        """Stable identity of the condition (PagerDuty dedup_key, Slack/email threading)."""
        return f"roundtrip/{self.check}/{self.subject}"

    @property
    def passing(self) -> bool:
        return self.status is Status.PASS
