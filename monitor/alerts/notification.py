"""What one alert delivery says, independent of the channel that renders it.

A notification is stored in the outbox as JSON (never with a secret in it) and rendered by each
channel at send time: a PagerDuty event, a Slack message, an email, a ticket line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from monitor.results import CheckResult, Severity

Kind = Literal["open", "changed", "repeat", "resolve"]
KINDS: tuple[Kind, ...] = ("open", "changed", "repeat", "resolve")

_KIND_LABEL = {"open": "", "changed": "changed: ", "repeat": "still failing: ", "resolve": ""}


@dataclass(frozen=True)
class Notification:
    alert_key: str
    kind: Kind
    check: str
    subject: str
    system: str | None
    status: str  # the check's status (warn/fail/error; "pass" on resolve)
    severity: str  # the alert's severity name in lower case: critical, high, medium, low
    value: float | None
    threshold: str
    message: str
    owner: str
    observed_at: str  # ISO 8601 with offset
    opened_at: str
    previous: str | None = None  # "<status>/<severity>" before a change
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_result(
        cls,
        result: CheckResult,
        kind: Kind,
        severity: Severity,
        opened_at: datetime,
        previous: str | None = None,
    ) -> Notification:
        return cls(
            alert_key=result.alert_key,
            kind=kind,
            check=result.check,
            subject=result.subject,
            system=result.system,
            status=str(result.status),
            severity=severity.name.lower(),
            value=result.value,
            threshold=result.threshold,
            message=result.message,
            owner=result.owner,
            observed_at=result.observed_at.isoformat(),
            opened_at=opened_at.isoformat(),
            previous=previous,
            details=json.loads(json.dumps(result.details, default=str)),
        )

    @property
    def resolved(self) -> bool:
        return self.kind == "resolve"

    @property
    def title(self) -> str:
        """One line: `[HIGH] FAIL crm_record_count · hubspot.contacts` or `[RESOLVED] …`."""
        if self.resolved:
            return f"[RESOLVED] {self.check} · {self.subject}"
        label = _KIND_LABEL[self.kind]
        return (
            f"[{self.severity.upper()}] {label}{self.status.upper()} {self.check} · {self.subject}"
        )

    @property
    def summary(self) -> str:
        """The title and the check's message, for channels with one line of text."""
        return f"{self.title}: {self.message}" if self.message else self.title

    def facts(self) -> list[tuple[str, str]]:
        """Label/value pairs every channel shows under the message."""
        rows = [
            ("Value", "-" if self.value is None else f"{self.value:,.4g}"),
            ("Threshold", self.threshold or "-"),
            ("System", self.system or "-"),
            ("Owner", self.owner or "-"),
            ("Open since", self.opened_at),
            ("Observed", self.observed_at),
        ]
        if self.previous:
            rows.append(("Previously", self.previous))
        return rows

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Notification:
        return cls(**json.loads(text))
