"""Every vendor Roundtrip speaks to, collected from the vendor modules' `VENDOR` descriptors.

Adding a system starts here: one line below, then the pieces `connectors/vendor.py` lists
(README, "Adding a system"; `tests/test_vendor_checklist.py` fails until each exists).
"""

from __future__ import annotations

from connectors import ga4, google_ads, hubspot, linkedin_ads, meta_ads, salesforce
from connectors.vendor import Vendor

VENDORS: dict[str, Vendor] = {
    module.VENDOR.name: module.VENDOR
    for module in (hubspot, salesforce, google_ads, meta_ads, linkedin_ads, ga4)
}
SYSTEMS: tuple[str, ...] = tuple(VENDORS)


class UnknownVendor(KeyError):
    """A name that is no registered vendor; the message lists the accepted ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def vendor(name: str) -> Vendor:
    if name not in VENDORS:
        raise UnknownVendor(f"unknown system {name!r}; accepted: {', '.join(SYSTEMS)}")
    return VENDORS[name]


def credential_keys() -> tuple[str, ...]:
    """Every credential key any vendor accepts (what settings look up in dlt's secrets)."""
    return tuple(sorted({k for v in VENDORS.values() for way in v.credentials for k in way}))
