"""Rest.li 2.0 query-parameter syntax, as LinkedIn's versioned APIs take it.

Objects are `(key:value,key:value)`, lists `List(a,b)`, scalars percent-encoded text; the
structural characters `( ) , :` stay literal while values escape them (`urn%3Ali%3A…`). So a
value is parsed from the raw (still encoded) query string and each leaf is decoded after.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote


class RestliError(ValueError):
    """A parameter that is not valid Rest.li 2.0; the message names the parameter."""


def raw_params(query_string: str) -> dict[str, str]:
    """The query string as name → value (the last one wins): Rest.li structures (`(…)`,
    `List(…)`) stay encoded for `parse_value`, plain scalars are decoded."""
    out: dict[str, str] = {}
    for part in query_string.split("&"):
        if part:
            name, _, value = part.partition("=")
            structured = value.startswith(("(", "List("))
            out[unquote(name)] = value if structured else unquote(value.replace("+", " "))
    return out


def parse_value(text: str, name: str = "value") -> Any:
    """A Rest.li 2.0 encoded value → str, list or dict (leaves are decoded strings)."""
    value, end = _value(text, 0, name)
    if end != len(text):
        raise RestliError(f"{name}: unexpected {text[end]!r} at position {end} in {text!r}")
    return value


def _value(text: str, pos: int, name: str) -> tuple[Any, int]:
    if text.startswith("List(", pos):
        return _sequence(text, pos + 5, name, list_mode=True)
    if text.startswith("(", pos):
        return _sequence(text, pos + 1, name, list_mode=False)
    end = pos
    while end < len(text) and text[end] not in "(),:":
        end += 1
    return unquote(text[pos:end]), end


def _sequence(text: str, pos: int, name: str, list_mode: bool) -> tuple[Any, int]:
    items: list[Any] = []
    fields: dict[str, Any] = {}
    if text.startswith(")", pos):
        return (items if list_mode else fields), pos + 1
    while True:
        if list_mode:
            item, pos = _value(text, pos, name)
            items.append(item)
        else:
            key, pos = _value(text, pos, name)
            if not text.startswith(":", pos):
                raise RestliError(f"{name}: expected ':' after {key!r} in {text!r}")
            fields[key], pos = _value(text, pos + 1, name)
        if text.startswith(",", pos):
            pos += 1
        elif text.startswith(")", pos):
            return (items if list_mode else fields), pos + 1
        else:
            raise RestliError(f"{name}: unterminated {'List(' if list_mode else '('} in {text!r}")
