"""Vendor-shaped identifiers, built vectorised from counters or random bytes.

Salesforce ids are the real 18-character form: key prefix (00Q Lead, 003 Contact, ...), a pod
("Rt"), a reserved "0", nine base-62 digits of a counter, then the three-character case-safe
checksum Salesforce appends to the 15-character id.
"""

from __future__ import annotations

import numpy as np

BASE62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
SF_POD = b"Rt0"
SF_PREFIX = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "Campaign": "701",
    "CampaignMember": "00v",
    "OpportunityContactRole": "00K",
    "User": "005",
}
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _chars(codes: np.ndarray) -> np.ndarray:
    """(n, k) uint8 ASCII codes → array of n Python strings."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    return codes.view(f"S{codes.shape[1]}").ravel().astype(str)


def salesforce_ids(sobject: str, counters: np.ndarray) -> np.ndarray:
    """18-character Salesforce ids for the given counter values of one sObject type."""
    counters = np.asarray(counters, dtype=np.int64)
    alphabet = np.frombuffer(BASE62, dtype=np.uint8)
    digits = np.empty((len(counters), 9), dtype=np.uint8)
    rest = counters.copy()
    for position in range(8, -1, -1):
        digits[:, position] = alphabet[rest % 62]
        rest //= 62
    head = np.frombuffer(SF_PREFIX[sobject].encode() + SF_POD, dtype=np.uint8)
    body = np.hstack([np.broadcast_to(head, (len(counters), 6)), digits])
    upper = ((body >= ord("A")) & (body <= ord("Z"))).reshape(len(counters), 3, 5)
    bits = (upper * (1 << np.arange(5))).sum(axis=2)
    suffix = np.frombuffer(CHECKSUM, dtype=np.uint8)[bits]
    return _chars(np.hstack([body, suffix]))


def salesforce_counter(sf_id: str) -> int:
    """The counter encoded in an id made by `salesforce_ids` (inverse of it)."""
    value = 0
    for char in sf_id[6:15]:
        value = value * 62 + BASE62.index(char.encode())
    return value


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random lower-case UUID-4-shaped strings."""
    return _chars(uuid_codes(rng, n))


def uuid_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random UUID-4s as an (n, 36) array of ASCII codes (no Python strings: for millions of ids)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((n, 32), dtype=np.uint8)
    nibbles[:, 0::2] = _HEX[raw >> 4]
    nibbles[:, 1::2] = _HEX[raw & 0x0F]
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    parts = [nibbles[:, 0:8], dash, nibbles[:, 8:12], dash, nibbles[:, 12:16], dash]
    parts += [nibbles[:, 16:20], dash, nibbles[:, 20:32]]
    return np.hstack(parts)


def numeric_ids(rng: np.random.Generator, n: int, digits: int) -> np.ndarray:
    """n distinct random integers with exactly `digits` digits, sorted ascending."""
    low, high = 10 ** (digits - 1), 10**digits
    picked = np.unique(rng.integers(low, high, size=n * 2, dtype=np.int64))
    return np.sort(rng.permutation(picked)[:n])
