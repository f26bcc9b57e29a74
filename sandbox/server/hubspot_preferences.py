"""HubSpot Communication Preferences (the date-versioned 2026-03 API): unsubscribe a contact from
all email, and read that status back.

- `POST /communication-preferences/2026-03/statuses/{subscriberIdString}/unsubscribe-all?channel=EMAIL`
  (no body; `subscriberIdString` is the contact's email address): recorded in
  `hubspot_unsubscribed_all`, and every contact with that address reads `hs_email_optout` =
  `true` from then on (a property write: `lastmodifieddate` moves, the history and the
  `contact.propertyChange` webhook see it). The answer is the batch envelope; its `results` list
  the changed statuses only with `verbose=true` (HubSpot: "not including this parameter will
  result in an empty response").
  https://developers.hubspot.com/docs/api-reference/2026-03/communication-preferences/guide
- `GET` of the same path: the contact's wide status (`results` empty when not unsubscribed).
  https://developers.hubspot.com/docs/api-reference/2026-03/communication-preferences/status/get-unsubscribed-status

The property itself is read-only (`READ_ONLY_VALUE` on a CRM write: hubspot_crm.py): opting back
in needs the contact's own consent, so the stand-in offers no resubscribe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.common import Endpoint, VendorError, json_response
from sandbox.server.hubspot_crm import Crm, iso_ms
from sandbox.server.hubspot_errors import error_body

VERSION = "2026-03"
CHANNELS = ("EMAIL",)  # the only channel unsubscribe-all supports
OPT_OUT = "hs_email_optout"


class Preferences:
    def __init__(self, crm: Crm) -> None:
        self.crm = crm
        self.contacts = crm.types["contacts"]

    def _channel(self, request: Request) -> str:
        channel = request.query_params.get("channel", "")
        if channel not in CHANNELS:
            raise VendorError(
                json_response(
                    error_body(
                        f"Invalid channel {channel!r}: the channel query parameter is required "
                        f"and must be one of {', '.join(CHANNELS)}",
                        "VALIDATION_ERROR",
                    ),
                    400,
                )
            )
        return channel

    def _contacts(self, email: str) -> list[int]:
        """The live contacts with this address (compared as HubSpot does: case and padding aside);
        a 404 naming the address when there is none."""
        rows = self.crm.ctx.db.execute(
            "SELECT id FROM hubspot_contacts WHERE NOT archived AND lower(trim(email)) = ? "
            "ORDER BY id",
            [email],
        ).fetchall()
        if not rows:
            raise VendorError(
                json_response(
                    error_body(f"No contact with email address {email} exists", "OBJECT_NOT_FOUND"),
                    404,
                )
            )
        return [r[0] for r in rows]

    def _status(self, email: str, channel: str, at: datetime) -> dict[str, Any]:
        return {
            "channel": channel,
            "status": "UNSUBSCRIBED",
            "subscriberIdString": email,
            "timestamp": iso_ms(int(at.replace(tzinfo=UTC).timestamp() * 1000)),
            "wideStatusType": "PORTAL_WIDE",
        }

    async def unsubscribe_all(self, request: Request) -> Response:
        started = datetime.now(UTC)
        channel = self._channel(request)
        email = request.path_params["subscriberIdString"].strip().lower()
        ids = self._contacts(email)
        ctx = self.crm.ctx
        ctx.db.execute(
            "INSERT INTO hubspot_unsubscribed_all VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [email, channel, ctx.now],
        )
        changed = [
            i
            for (i,) in ctx.db.execute(
                f"SELECT id FROM hubspot_contacts WHERE id IN ({', '.join('?' * len(ids))}) "
                f"AND {OPT_OUT} IS DISTINCT FROM 'true'",
                ids,
            ).fetchall()
        ]
        if changed:
            self.crm.write(self.contacts, [(i, {OPT_OUT: "true"}) for i in changed])
        verbose = request.query_params.get("verbose", "").lower() == "true"
        return json_response(
            {
                "status": "COMPLETE",
                "results": [self._status(email, channel, ctx.now)] if verbose else [],
                "requestedAt": started.isoformat().replace("+00:00", "Z"),
                "startedAt": started.isoformat().replace("+00:00", "Z"),
                "completedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }
        )

    async def unsubscribed(self, request: Request) -> Response:
        email = request.path_params["subscriberIdString"].strip().lower()
        self._contacts(email)
        rows = self.crm.ctx.db.execute(
            "SELECT channel, unsubscribed_at FROM hubspot_unsubscribed_all WHERE email = ? "
            "ORDER BY channel",
            [email],
        ).fetchall()
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        return json_response(
            {
                "status": "COMPLETE",
                "results": [self._status(email, channel, at) for channel, at in rows],
                "requestedAt": now,
                "startedAt": now,
                "completedAt": now,
            }
        )


def endpoints(crm: Crm) -> list[Endpoint]:
    preferences = Preferences(crm)
    path = f"/communication-preferences/{VERSION}/statuses/{{subscriberIdString}}/unsubscribe-all"
    return [
        Endpoint(path, preferences.unsubscribe_all, ("POST",)),
        Endpoint(path, preferences.unsubscribed),
    ]
