"""Values across the two sides: each raw value becomes one canonical text (the MAP's form, after
the mapping's value table), compared and hashed; a write converts it back to the receiving side.

A value that cannot be converted (not a number, an enumeration value without a mapping, an owner
with no counterpart on the receiving side) raises `Unconvertible`, which the engine turns into a
per-record reject naming sync, field and value. Owner ids compare as their owners' addresses
(`owners.py`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from reverse.two_way.owners import TITLE, Owners
from reverse.two_way.spec import CRM, MAP, FieldMap

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class Unconvertible(ValueError):
    """A value the mapping cannot carry to the other side; the message names field and value."""


def canonical(fm: FieldMap, side: str, value: Any, owners: Owners | None = None) -> str | None:
    """The comparable form of a raw `value` read on `side` (None: empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "false" if fm.opt_out else None  # an unset opt-out flag is not an opt-out
    if fm.type == "owner":
        if owners is None:
            raise Unconvertible(f"{fm.map}: owner ids need the owner table")
        owner_id = str(value).strip()
        # an owner without an address compares unequal to every other (`side:id`)
        return owners.email(side, owner_id) or f"{side}:{owner_id}"
    if fm.type == "boolean":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in _TRUE | _FALSE:
            return "true" if (value is True or text in _TRUE) else "false"
        raise Unconvertible(f"{fm.map}: {value!r} is not a boolean")
    if fm.type == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Unconvertible(f"{fm.map}: {value!r} is not a number") from None
        return str(int(number)) if number.is_integer() else repr(number)
    if fm.type == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError:
            raise Unconvertible(f"{fm.map}: {value!r} is not a date") from None
    text = str(value).strip()
    if fm.type == "email":
        return text.lower()  # addresses compare case-insensitively (the staging models' rule)
    if fm.values:
        if side == CRM:
            if text not in fm.values:
                raise Unconvertible(f"{fm.map}: CRM value {text!r} has no mapping in `values`")
            return fm.values[text]
        if text not in fm.values.values() and fm.writes_to(CRM):
            raise Unconvertible(f"{fm.map}: MAP value {text!r} has no mapping in `values`")
    return text


def outgoing(fm: FieldMap, side: str, value: str | None, owners: Owners | None = None) -> Any:
    """The canonical `value` as `side` takes it in a write (None clears the field)."""
    if value is None:
        return None
    if fm.type == "owner":
        return _owner_id(fm, side, value, owners)
    if fm.type == "boolean":
        return value == "true" if side == CRM else value
    if fm.type == "number":
        return float(value) if side == CRM else value
    if side == CRM and fm.values:
        return next(crm for crm, mapped in fm.values.items() if mapped == value)
    return value


def _owner_id(fm: FieldMap, side: str, value: str, owners: Owners | None) -> str:
    """`side`'s id of the owner whose canonical value is `value`; Unconvertible naming the owner
    when `side` has none with that address."""
    found = owners.owner_id(side, value) if owners is not None and "@" in value else None
    if found is not None:
        return found
    source = CRM if side == MAP else MAP
    if value.startswith(f"{source}:"):
        owner = f"{TITLE[source]} {value.split(':', 1)[1]} (unknown, or without an e-mail address)"
    else:
        source_id = owners.owner_id(source, value) if owners is not None else None
        owner = f"{TITLE[source]} {source_id} ({value})"
    raise Unconvertible(
        f"{fm.map}: {owner} has no {TITLE[side]} with the same e-mail address; add one, or "
        "change the owner"
    )


def value_hash(value: str | None) -> str:
    """What the state keeps of a synced value: enough to recognise it when it comes back."""
    return hashlib.md5(("\x00" if value is None else "v" + value).encode()).hexdigest()


def vendor_time(text: Any) -> datetime | None:
    """A vendor time (HubSpot ISO `…Z`, Salesforce `…+0000`) as an aware UTC datetime."""
    if not text:
        return None
    raw = str(text).replace("Z", "+00:00")
    if raw[-5] in "+-" and raw[-3] != ":":
        raw = raw[:-2] + ":" + raw[-2:]
    return datetime.fromisoformat(raw).astimezone(UTC)
