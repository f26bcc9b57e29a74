"""The vendor stand-ins: real HTTP servers on loopback speaking each vendor's API contract.

`python -m sandbox.server --state DIR` runs them all in one process (see __main__.py); the
framework every vendor module builds on is in common.py. A vendor module exposes
`create_app(ctx: VendorContext)`; it is registered in VENDOR_MODULES below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

VENDOR_MODULES = {
    "hubspot": "sandbox.server.hubspot",
    "salesforce": "sandbox.server.salesforce",
    "google_ads": "sandbox.server.google_ads",
    "meta_ads": "sandbox.server.meta_ads",
    "linkedin_ads": "sandbox.server.linkedin_ads",
    "ga4": "sandbox.server.ga4",
}
# Served over HTTPS with the sandbox CA (simple-salesforce hard-codes https://).
HTTPS_VENDORS = frozenset({"salesforce"})


def app_factories() -> dict[str, Callable[[Any], Any]]:
    """vendor → create_app, skipping a vendor whose module does not exist (yet)."""
    factories = {}
    for vendor, module_name in VENDOR_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        factories[vendor] = module.create_app
    return factories
