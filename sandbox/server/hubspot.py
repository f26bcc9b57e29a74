"""HubSpot stand-in: CRM v3/v4, properties, email events, forms, communication preferences, OAuth,
webhooks (API_CONTRACTS.md § HubSpot).

The handlers live in hubspot_crm.py, hubspot_marketing.py and hubspot_preferences.py, webhook deliveries in hubspot_webhooks.py, errors and rate-limit headers in
hubspot_errors.py; this module adds the OAuth token endpoint and assembles the app.
"""

from __future__ import annotations

import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server import hubspot_crm, hubspot_marketing, hubspot_preferences, hubspot_webhooks
from sandbox.server.auth import OAuthError
from sandbox.server.common import Endpoint, VendorContext, build_app, json_response, read_form
from sandbox.server.hubspot_errors import HubSpotPolicy


def create_app(ctx: VendorContext) -> Starlette:
    policy = HubSpotPolicy()
    dispatcher = hubspot_webhooks.Dispatcher(ctx)
    ctx.on_write = dispatcher.written

    async def token(request: Request) -> Response:
        """POST /oauth/v1/token, and its successors /oauth/v3/token and /oauth/2026-03/token
        (v1 is deprecated from 2027-02-16): grant_type=refresh_token, form-encoded."""
        form = await read_form(request)
        if form.get("grant_type") != "refresh_token":
            return json_response(
                {"status": "BAD_GRANT_TYPE", "message": "grant_type must be refresh_token",
                 "correlationId": str(uuid.uuid4())}, 400,
            )  # fmt: skip
        try:
            ctx.auth.client_for_refresh(form, ["hubspot"])
        except OAuthError as exc:
            status = "BAD_REFRESH_TOKEN" if exc.error == "invalid_grant" else "BAD_CLIENT_ID"
            return json_response(
                {"status": status, "message": exc.description, "correlationId": str(uuid.uuid4())},
                400,
            )
        access_token, expires_in = ctx.issue_token()
        return json_response(
            {
                "token_type": "bearer",
                "access_token": access_token,
                "refresh_token": form["refresh_token"],
                "expires_in": expires_in,
            }
        )

    crm = hubspot_crm.Crm(ctx, policy)
    endpoints = [
        *(
            Endpoint(f"/oauth/{version}/token", token, ("POST",), public=True)
            for version in ("v1", "v3", "2026-03")
        ),
        *hubspot_crm.endpoints(crm),
        *hubspot_preferences.endpoints(crm),
        *hubspot_marketing.endpoints(ctx, policy),
        *hubspot_webhooks.endpoints(ctx, dispatcher),
    ]
    return build_app(ctx, policy, endpoints)
