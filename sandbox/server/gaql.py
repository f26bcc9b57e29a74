"""A subset of the Google Ads Query Language: parse a query, compile it to DuckDB SQL, render rows.

Supported (as the Google Ads API v21 does it): SELECT of campaign.id/name/status/
advertising_channel_type, ad_group.id/name/status, customer.id/currency_code, segments.date,
metrics.impressions/clicks/cost_micros/conversions; FROM campaign | ad_group; WHERE conditions
joined by AND with = != > >= < <= IN / NOT IN / BETWEEN; ORDER BY ... ASC|DESC; LIMIT n.
Rules kept from the real API: selecting segments.date needs a finite date range in WHERE
(EXPECTED_FILTERS_ON_DATE_RANGE); with segments.date only days with stats are returned; results
nest resources in camelCase with their resourceName, int64 values as strings, doubles as numbers.
Errors carry the QueryError enum name Google uses (queryError in the GoogleAdsFailure).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

RESOURCES = ("campaign", "ad_group")
ENUMS: dict[str, tuple[str, ...]] = {
    "campaign.status": ("ENABLED", "PAUSED", "REMOVED", "UNKNOWN", "UNSPECIFIED"),
    "ad_group.status": ("ENABLED", "PAUSED", "REMOVED", "UNKNOWN", "UNSPECIFIED"),
    "campaign.advertising_channel_type": (
        "SEARCH",
        "DISPLAY",
        "SHOPPING",
        "HOTEL",
        "VIDEO",
        "MULTI_CHANNEL",
        "LOCAL",
        "SMART",
        "PERFORMANCE_MAX",
        "LOCAL_SERVICES",
        "TRAVEL",
        "DEMAND_GEN",
        "UNKNOWN",
        "UNSPECIFIED",
    ),
}


@dataclass(frozen=True)
class FieldSpec:
    """One selectable GAQL field: its SQL expression and how its value is rendered."""

    sql: str
    kind: str  # int64 | double | string | enum | date
    metric: bool = False


# The account currency of every sandbox customer (schema.sql: cost in micros of USD).
CURRENCY = "USD"

FIELDS: dict[str, FieldSpec] = {
    "customer.id": FieldSpec("c.customer_id", "int64"),
    "customer.currency_code": FieldSpec(f"'{CURRENCY}'", "string"),
    "campaign.id": FieldSpec("c.campaign_id", "int64"),
    "campaign.name": FieldSpec("c.name", "string"),
    "campaign.status": FieldSpec("c.status", "enum"),
    "campaign.advertising_channel_type": FieldSpec("c.advertising_channel_type", "enum"),
    "ad_group.id": FieldSpec("g.ad_group_id", "int64"),
    "ad_group.name": FieldSpec("g.name", "string"),
    "ad_group.status": FieldSpec("g.status", "enum"),
    "segments.date": FieldSpec("d.date", "date"),
    "metrics.impressions": FieldSpec("COALESCE(SUM(d.impressions), 0)", "int64", metric=True),
    "metrics.clicks": FieldSpec("COALESCE(SUM(d.clicks), 0)", "int64", metric=True),
    "metrics.cost_micros": FieldSpec("COALESCE(SUM(d.cost_micros), 0)", "int64", metric=True),
    "metrics.conversions": FieldSpec("COALESCE(SUM(d.conversions), 0.0)", "double", metric=True),
}
# The resources a field's prefix names, and which FROM resources may select them.
SELECTABLE_WITH: dict[str, tuple[str, ...]] = {
    "customer": RESOURCES,
    "campaign": RESOURCES,
    "ad_group": ("ad_group",),
    "segments": RESOURCES,
    "metrics": RESOURCES,
}
# Ids selected behind the scenes for resourceName, and as the tie-breaking row order (so
# :search pages never overlap): campaign id, then ad group id.
HIDDEN_IDS = {"campaign": ["c.campaign_id"], "ad_group": ["c.campaign_id", "g.ad_group_id"]}


class GaqlError(ValueError):
    """A query the Google Ads API would reject; `code` is the QueryError enum name."""

    def __init__(self, code: str, message: str, trigger: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.trigger = trigger


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # = != > >= < <= IN NOT_IN BETWEEN
    values: tuple[Any, ...]


@dataclass
class Query:
    select: list[str]
    resource: str
    where: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None

    @property
    def field_mask(self) -> str:
        """The response's fieldMask: the selected paths in camelCase, comma-separated."""
        return ",".join(camel_path(f) for f in self.select)


# ----------------------------------------------------------------------------------- lexing

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<unterminated>['"])
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op>!=|>=|<=|=|>|<)
      | (?P<punct>[(),])
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "name" else self.text


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # only trailing whitespace is left
            break
        pos = m.end()
        kind = m.lastgroup or "bad"
        value = m.group(kind)
        if kind == "unterminated":
            raise GaqlError("STRING_NOT_TERMINATED", "String literal is not terminated.")
        if kind == "bad":
            code = "BAD_SYMBOL" if not value.isascii() else "UNEXPECTED_INPUT"
            raise GaqlError(code, f"Error in query: unexpected input {value}.", value)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Token(kind, value))
    return tokens


# ---------------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise GaqlError("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        self.pos += 1
        return token

    def accept(self, keyword: str) -> bool:
        token = self.peek()
        if token is not None and token.upper == keyword:
            self.pos += 1
            return True
        return False

    def field_name(self) -> str:
        token = self.take()
        if token.kind != "name":
            raise GaqlError("BAD_FIELD_NAME", f"Field name is invalid: '{token.text}'.", token.text)
        name = token.text.lower()
        if name not in FIELDS:
            raise GaqlError(
                "UNRECOGNIZED_FIELD",
                f"Unrecognized field in the query: '{token.text}'.",
                token.text,
            )
        return name

    def literal(self, name: str) -> Any:
        token = self.take()
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind in ("string", "name"):
            return token.text
        raise GaqlError("BAD_VALUE", f"Invalid value for field '{name}': '{token.text}'.")

    def value_list(self, name: str) -> tuple[Any, ...]:
        if not self.accept("("):
            raise GaqlError("EXPECTED_LIST", f"The operator used with '{name}' requires a list.")
        values = [self.literal(name)]
        while self.accept(","):
            values.append(self.literal(name))
        if not self.accept(")"):
            raise GaqlError("UNEXPECTED_INPUT", "Error in query: expected ')' to close the list.")
        return tuple(values)

    def condition(self) -> Condition:
        name = self.field_name()
        token = self.take()
        if token.kind == "op":
            return Condition(name, token.text, (self.literal(name),))
        keyword = token.upper
        if keyword == "NOT" and self.accept("IN"):
            return Condition(name, "NOT_IN", self.value_list(name))
        if keyword == "IN":
            return Condition(name, "IN", self.value_list(name))
        if keyword == "BETWEEN":
            low = self.literal(name)
            if not self.accept("AND"):
                raise GaqlError(
                    "EXPECTED_AND", "Expected AND between values with BETWEEN operator."
                )
            return Condition(name, "BETWEEN", (low, self.literal(name)))
        raise GaqlError(
            "BAD_OPERATOR", f"Invalid operator encountered: '{token.text}'.", token.text
        )

    def parse(self) -> Query:
        if not self.accept("SELECT"):
            raise GaqlError("EXPECTED_SELECT", "SELECT is missing at the beginning of query.")
        select = [self.field_name()]
        while self.accept(","):
            select.append(self.field_name())
        if not self.accept("FROM"):
            raise GaqlError("EXPECTED_FROM", "Missing FROM clause.")
        resource_token = self.take()
        resource = resource_token.text.lower()
        if resource not in RESOURCES:
            raise GaqlError(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                f"Invalid resource type was specified in the FROM clause: '{resource_token.text}'.",
                resource_token.text,
            )
        query = Query(select=select, resource=resource)
        if self.accept("WHERE"):
            query.where.append(self.condition())
            while self.accept("AND"):
                query.where.append(self.condition())
        if self.accept("ORDER"):
            if not self.accept("BY"):
                raise GaqlError("EXPECTED_BY", "Expecting ORDER BY to have BY.")
            query.order_by.append(self.ordering())
            while self.accept(","):
                query.order_by.append(self.ordering())
        if self.accept("LIMIT"):
            token = self.take()
            if token.kind != "number" or "." in token.text:
                raise GaqlError("BAD_LIMIT_VALUE", f"Limit value is invalid: '{token.text}'.")
            if int(token.text) <= 0:
                raise GaqlError("LIMIT_VALUE_TOO_LOW", "Limit value must be positive.")
            query.limit = int(token.text)
        leftover = self.peek()
        if leftover is not None:
            raise GaqlError(
                "UNEXPECTED_INPUT",
                f"Error in query: unexpected input {leftover.text}.",
                leftover.text,
            )
        return query

    def ordering(self) -> tuple[str, bool]:
        name = self.field_name()
        if self.accept("DESC"):
            return name, True
        self.accept("ASC")
        return name, False


def parse(text: str) -> Query:
    """Parse and validate a GAQL query; raises GaqlError with Google's QueryError code."""
    query = _Parser(text).parse()
    _validate(query)
    return query


def _validate(query: Query) -> None:
    for name in [*query.select, *(c.field for c in query.where), *(f for f, _ in query.order_by)]:
        prefix = name.split(".", 1)[0]
        if query.resource not in SELECTABLE_WITH[prefix]:
            raise GaqlError(
                "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                f"Cannot select or filter on the following field: '{name}', since the resource "
                f"'{prefix}' is not selectable with the resource in the FROM clause: "
                f"'{query.resource}'.",
                name,
            )
    for cond in query.where:
        for value in cond.values:
            _check_value(cond.field, value)
    if "segments.date" in query.select:
        low, high = date_bounds(query)
        if low is None or high is None:
            raise GaqlError(
                "EXPECTED_FILTERS_ON_DATE_RANGE",
                "Filters on date range are required when segments.date is selected: add a "
                "finite date range on segments.date in the WHERE clause.",
            )
        if low > high:
            raise GaqlError(
                "DATE_RANGE_TOO_NARROW",
                "Filters on date/week/month/quarter have a start date after end date.",
            )


def _check_value(name: str, value: Any) -> None:
    spec = FIELDS[name]
    if spec.kind == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise GaqlError(
                "INVALID_DATE_FORMAT", "Invalid date format. Expected 'YYYY-MM-DD'.", str(value)
            )
        try:
            date.fromisoformat(value)
        except ValueError:
            raise GaqlError("INVALID_DATE_FORMAT", f"Invalid date: '{value}'.", value) from None
    elif spec.kind == "enum" and value not in ENUMS[name]:
        raise GaqlError(
            "BAD_ENUM_CONSTANT",
            f"A condition used in the query references an invalid enum constant: "
            f"'{value}' for '{name}'.",
            str(value),
        )
    elif spec.kind in ("int64", "double") and not isinstance(value, int | float):
        try:
            float(value)
        except ValueError:
            raise GaqlError(
                "BAD_NUMBER", f"Encountered number can not be parsed: '{value}'."
            ) from None


def date_bounds(query: Query) -> tuple[str | None, str | None]:
    """The tightest [low, high] the WHERE clause puts on segments.date (ISO strings)."""
    low: str | None = None
    high: str | None = None
    for cond in query.where:
        if cond.field != "segments.date":
            continue
        values, op = cond.values, cond.operator
        lows, highs = {
            "=": (values[0], values[0]),
            "BETWEEN": (values[0], values[-1]),
            ">=": (values[0], None),
            ">": (values[0], None),
            "<=": (None, values[0]),
            "<": (None, values[0]),
            "IN": (min(values), max(values)),
        }.get(op, (None, None))
        if lows is not None:
            low = lows if low is None else max(low, lows)
        if highs is not None:
            high = highs if high is None else min(high, highs)
    return low, high


# -------------------------------------------------------------------------------- compiling


def _sql_condition(cond: Condition, params: list[Any]) -> str:
    expr = FIELDS[cond.field].sql
    kind = FIELDS[cond.field].kind
    values = [float(v) if kind in ("int64", "double") else v for v in cond.values]
    if cond.field == "customer.id":
        values = [str(int(v)) for v in values]  # stored as VARCHAR
    if cond.operator == "BETWEEN":
        params.extend(values)
        return f"{expr} BETWEEN ? AND ?"
    if cond.operator in ("IN", "NOT_IN"):
        params.extend(values)
        marks = ", ".join("?" for _ in values)
        return f"{expr} {'NOT IN' if cond.operator == 'NOT_IN' else 'IN'} ({marks})"
    params.append(values[0])
    return f"{expr} {cond.operator} ?"


def compile_query(query: Query, customer_id: str) -> tuple[str, list[Any]]:
    """DuckDB SQL over the world tables answering `query` for one customer, and its parameters.

    Columns: the selected fields in order, then the hidden ids used for resourceName (campaign
    id, and ad group id FROM ad_group). Metrics are summed per selected attribute (per day when
    segments.date is selected); without segments.date, entities without stats get zero metrics.
    """
    by_date = "segments.date" in query.select
    needs_stats = any(FIELDS[f].metric for f in [*query.select, *(f for f, _ in query.order_by)])
    ids = HIDDEN_IDS[query.resource]
    if query.resource == "campaign":
        base = "google_ads_campaigns c"
        stats_on = "d.customer_id = c.customer_id AND d.campaign_id = c.campaign_id"
    else:
        base = (
            "google_ads_ad_groups g JOIN google_ads_campaigns c "
            "ON c.customer_id = g.customer_id AND c.campaign_id = g.campaign_id"
        )
        stats_on = "d.customer_id = g.customer_id AND d.ad_group_id = g.ad_group_id"
    join_params: list[Any] = []
    where_params: list[Any] = [customer_id]
    where = ["c.customer_id = ?"]
    joins = ""
    date_conds = [c for c in query.where if c.field == "segments.date"]
    if by_date:
        joins = f" JOIN google_ads_ad_group_daily d ON {stats_on}"
        where += [_sql_condition(c, where_params) for c in date_conds]
    elif needs_stats:
        on = [stats_on] + [_sql_condition(c, join_params) for c in date_conds]
        joins = " LEFT JOIN google_ads_ad_group_daily d ON " + " AND ".join(on)
    plain = [c for c in query.where if c.field != "segments.date"]
    where += [_sql_condition(c, where_params) for c in plain if not FIELDS[c.field].metric]
    having = [_sql_condition(c, where_params) for c in plain if FIELDS[c.field].metric]
    dims = [FIELDS[f].sql for f in query.select if not FIELDS[f].metric]
    group = list(dict.fromkeys([*dims, *ids, "c.customer_id"] + (["d.date"] if by_date else [])))
    order = [f"{FIELDS[f].sql} {'DESC' if desc else 'ASC'}" for f, desc in query.order_by]
    order += ids + (["d.date"] if by_date else [])
    columns = ", ".join([*(FIELDS[f].sql for f in query.select), *ids])
    sql = (
        f"SELECT {columns} FROM {base}{joins} WHERE {' AND '.join(where)} "
        f"GROUP BY {', '.join(group)}"
        + (f" HAVING {' AND '.join(having)}" if having else "")
        + f" ORDER BY {', '.join(order)}"
    )
    if query.limit is not None:
        sql += f" LIMIT {query.limit}"
    return sql, join_params + where_params


# -------------------------------------------------------------------------------- rendering


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def camel_path(path: str) -> str:
    return ".".join(camel(part) for part in path.split("."))


def _render_value(kind: str, value: Any) -> Any:
    if kind == "int64":
        return str(int(value))
    if kind == "double":
        return float(value)
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def row_renderer(query: Query, customer_id: str) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """A function turning one row of `compile_query`'s SQL into a GoogleAdsRow JSON object."""
    n = len(query.select)
    kinds = [FIELDS[f].kind for f in query.select]
    paths = [tuple(camel(p) for p in f.split(".")) for f in query.select]
    named = {f.split(".")[0] for f in query.select} | {query.resource}
    customer = f"customers/{customer_id}"

    def render(row: tuple[Any, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "customer" in named:
            out["customer"] = {"resourceName": customer}
        if "campaign" in named:
            out["campaign"] = {"resourceName": f"{customer}/campaigns/{row[n]}"}
        if "ad_group" in named:
            out["adGroup"] = {"resourceName": f"{customer}/adGroups/{row[n + 1]}"}
        for (obj, key), kind, value in zip(paths, kinds, row[:n], strict=True):
            out.setdefault(obj, {})[key] = _render_value(kind, value)
        return out

    return render
