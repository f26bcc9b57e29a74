"""Keep secrets out of logs and error messages.

A `Redactor` knows every secret string in play (auth objects register tokens, client secrets,
refresh tokens and API keys as they obtain them) and also scrubs generic shapes: `Bearer xxx`,
`Authorization: …`, `access_token=` / `key=` / `client_secret=` query parameters, JSON token
fields and Slack webhook URLs. `RedactingFilter` applies it to every record of the loggers it is
installed on; `get_logger` hands out `connectors.*` loggers with the filter already in place.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter strings would mangle ordinary text and protect nothing

_SECRET_PARAMS = (
    "access_token|refresh_token|id_token|client_secret|api_key|apikey|key|token|password|"
    "assertion|developer_token|developer-token|oauth2_access_token|hapikey|form_secret|app_secret"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{6,}=*"), rf"\1 {MASK}"),
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+"), rf"\1{MASK}"),
    (
        re.compile(rf"(?i)(?<![A-Za-z0-9_-])((?:{_SECRET_PARAMS})=)[^&\s'\"#;,)]+"),
        rf"\1{MASK}",
    ),
    (
        re.compile(rf"(?i)(['\"](?:{_SECRET_PARAMS})['\"]\s*:\s*['\"])[^'\"]*"),
        rf"\1{MASK}",
    ),
    (re.compile(r"(?i)(hooks\.slack\.com/services/)[^\s'\"]+"), rf"\1{MASK}"),
)


class Redactor:
    """Scrubs registered secret values and generic credential shapes from text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def register(self, *secrets: str | None) -> None:
        """Remember secret values (and their URL-encoded forms) so `scrub` removes them."""
        new = set()
        for secret in secrets:
            if not secret or len(secret) < _MIN_SECRET_LENGTH:
                continue
            new.update({secret, quote(secret, safe=""), quote_plus(secret)})
        with self._lock:
            if new - self._secrets:
                self._secrets |= new
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def scrub(self, text: str) -> str:
        """Return `text` with every known secret and credential-looking value masked."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        for regex, replacement in _PATTERNS:
            text = regex.sub(replacement, text)
        return text


REDACTOR = Redactor()
"""The process-wide redactor: auth objects register here unless given another one."""


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) through a `Redactor`."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.scrub(record.stack_info)
        return True


def install(*logger_names: str, redactor: Redactor = REDACTOR) -> None:
    """Attach a `RedactingFilter` to each named logger once (filters do not propagate to children)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter(redactor))


# httpx logs every request URL at INFO, query string (Meta's access_token) included.
install("connectors", "httpx", "httpcore")


def get_logger(vendor: str) -> logging.Logger:
    """`connectors.<vendor>`, with redaction installed."""
    name = f"connectors.{vendor}"
    install(name)
    return logging.getLogger(name)
