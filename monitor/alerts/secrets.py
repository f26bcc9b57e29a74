"""Channel secrets (webhook URLs, routing keys, passwords): read from dlt secrets or the
environment, never from monitor.yml, and masked everywhere they could be printed."""

from __future__ import annotations

from collections.abc import Callable

from connectors.http.redaction import MASK, REDACTOR, install

SecretLookup = Callable[[str], str | None]

# The alert loggers get the redacting filter (the CLI also filters every handler).
install("monitor.alerts")


class Secret:
    """A secret value: `reveal()` hands it to the one place that sends it; repr/str mask it."""

    __slots__ = ("_value", "setting")

    def __init__(self, value: str, setting: str) -> None:
        self._value = value
        self.setting = setting
        REDACTOR.register(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.setting}={MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def env_name(setting: str) -> str:
    """The environment variable dlt reads for a dotted secret, e.g. ALERTS__SLACK__WEBHOOK_URL."""
    return setting.replace(".", "__").upper()


def dlt_secret(setting: str) -> str | None:
    """Look a secret up the way dlt does: environment variable, then `.dlt/secrets.toml`."""
    import dlt  # deferred: dlt's import is slow

    value = dlt.secrets.get(setting)
    return None if value in (None, "") else str(value)


def scrub(text: str) -> str:
    """`text` with every registered secret and credential-looking value masked."""
    return REDACTOR.scrub(text)
