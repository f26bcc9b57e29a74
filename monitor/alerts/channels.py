"""Build the configured channels for one dispatch (HTTP clients closed afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx

from monitor.alerts.config import AlertsConfig
from monitor.alerts.delivery import Channel
from monitor.alerts.email import EmailChannel
from monitor.alerts.pagerduty import PagerDutyChannel
from monitor.alerts.slack import SlackChannel
from monitor.alerts.ticket import TicketFileChannel, TicketWebhookChannel


@contextmanager
def open_channels(config: AlertsConfig) -> Iterator[dict[str, Channel]]:
    """name → channel, for every configured channel (the ticket channel always)."""
    with ExitStack() as stack:

        def client(timeout: float) -> httpx.Client:
            return stack.enter_context(httpx.Client(timeout=timeout, follow_redirects=False))

        channels: dict[str, Channel] = {}
        pd = config.pagerduty
        if pd.routing_key is not None:
            channels["pagerduty"] = PagerDutyChannel(
                pd.routing_key, pd.url, pd.source, client(pd.timeout)
            )
        if config.slack.webhook_url is not None:
            channels["slack"] = SlackChannel(config.slack.webhook_url, client(config.slack.timeout))
        if config.email.configured:
            channels["email"] = EmailChannel(config.email)
        ticket = config.ticket
        channels["ticket"] = (
            TicketWebhookChannel(ticket.webhook_url, client(ticket.timeout))
            if ticket.webhook_url is not None
            else TicketFileChannel(ticket.file)
        )
        yield channels
