"""Email over SMTP: STARTTLS (or implicit TLS), login when a username is configured, and a
MIME message (text + HTML) threaded per incident: the first message's Message-ID is derived
from the incident, later ones (repeat, change, resolved) reply to it.

SMTP 4xx replies, refused or dropped connections and timeouts are retried later; 5xx replies
(authentication refused, recipients rejected), a server without STARTTLS and certificate
failures are dead: they need a configuration change.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from monitor.alerts.config import EmailConfig
from monitor.alerts.delivery import Delivery
from monitor.alerts.notification import Notification


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1]


def incident_message_id(note: Notification, domain: str) -> str:
    """The Message-ID of an incident's first email, which later emails reply to."""
    digest = hashlib.sha256(f"{note.alert_key}\n{note.opened_at}".encode()).hexdigest()[:32]
    return f"<alert.{digest}@{domain}>"


def _text_body(note: Notification) -> str:
    lines = [note.title, "", note.message or "(no message)", ""]
    lines += [f"{label + ':':<12} {value}" for label, value in note.facts()]
    lines += ["", f"Alert key: {note.alert_key}"]
    return "\n".join(lines) + "\n"


def _html_body(note: Notification) -> str:
    rows = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in note.facts()
    )
    return (
        f"<html><body><h2>{html.escape(note.title)}</h2>"
        f"<p>{html.escape(note.message)}</p><table>{rows}</table>"
        f"<p><small>Alert key: <code>{html.escape(note.alert_key)}</code></small></p>"
        "</body></html>"
    )


def build_message(note: Notification, config: EmailConfig) -> EmailMessage:
    domain = _domain(config.sender)
    root = incident_message_id(note, domain)
    msg = EmailMessage()
    msg["Subject"] = f"Roundtrip {note.title}"
    msg["From"] = config.sender
    msg["To"] = ", ".join(config.recipients)
    msg["Date"] = formatdate(usegmt=True)
    if note.kind == "open":
        msg["Message-ID"] = root
    else:
        msg["Message-ID"] = make_msgid("alert", domain=domain)
        msg["In-Reply-To"] = root
        msg["References"] = root
    msg["X-Roundtrip-Alert-Key"] = note.alert_key
    msg["X-Roundtrip-Severity"] = note.severity
    msg.set_content(_text_body(note))
    msg.add_alternative(_html_body(note), subtype="html")
    return msg


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode(errors="replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {' '.join(text.split())}"


class EmailChannel:
    """Sends each notification as one email over SMTP."""

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def _connect(self, context: ssl.SSLContext) -> smtplib.SMTP:
        host, port, timeout = self.config.host or "", self.config.port, self.config.timeout
        if self.config.security == "tls":
            return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        return smtplib.SMTP(host, port, timeout=timeout)

    def _deliver(self, msg: EmailMessage) -> Delivery:
        cfg = self.config
        context = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
        with self._connect(context) as smtp:
            smtp.ehlo()
            if cfg.security == "starttls":
                if not smtp.has_extn("starttls"):
                    return Delivery.dead(
                        f"SMTP server {cfg.host}:{cfg.port} does not offer STARTTLS"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password.reveal() if cfg.password else "")
            refused = smtp.send_message(msg)
        if refused:
            return Delivery.ok(f"refused recipients: {', '.join(sorted(refused))}")
        return Delivery.ok()

    def send(self, note: Notification) -> Delivery:
        where = f"SMTP {self.config.host}:{self.config.port}"
        try:
            return self._deliver(build_message(note, self.config))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = f"{where} refused every recipient ({', '.join(map(str, sorted(set(codes))))})"
            return (
                Delivery.retry(error)
                if all(400 <= c < 500 for c in codes)
                else Delivery.dead(error)
            )
        except smtplib.SMTPResponseException as exc:
            error = f"{where} answered {_reply(exc)}"
            return Delivery.retry(error) if 400 <= exc.smtp_code < 500 else Delivery.dead(error)
        except smtplib.SMTPNotSupportedError as exc:
            return Delivery.dead(f"{where}: {exc}")
        except ssl.SSLCertVerificationError as exc:
            return Delivery.dead(f"{where}: TLS certificate not trusted ({exc.verify_message})")
        except (OSError, smtplib.SMTPException) as exc:
            return Delivery.retry(f"{where}: {type(exc).__name__}: {exc}")
