"""The SOQL subset the Salesforce stand-in understands, parsed into a small syntax tree.

    SELECT field | Parent.field, … | COUNT() | FIELDS(ALL|STANDARD|CUSTOM)
    FROM SObject
    [WHERE cond]            cond: cond AND cond | cond OR cond | NOT cond | ( cond )
                            | field (= != <> < <= > >=) value | field [NOT] IN (value, …)
                            | field LIKE 'pattern'
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]

Values: 'strings' (with \\' escapes), numbers, true/false, null, unquoted date and datetime
literals (2026-01-01, 2026-01-01T00:00:00Z, …+01:00, .000Z). Keywords are case-insensitive.
A syntax error raises SoqlError(MALFORMED_QUERY) with Salesforce's "ERROR at Row:1:Column:N".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})(?![\d:T])
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC",
            "DESC", "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "TRUE", "FALSE", "NULL"}  # fmt: skip


class SoqlError(Exception):
    """A query Salesforce would refuse: `code` is its errorCode, the message its text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str  # datetime | date | number | string | op | punct | word | end
    text: str
    column: int  # 1-based, for Salesforce's error position

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass(frozen=True)
class FieldRef:
    name: str
    column: int


@dataclass(frozen=True)
class Literal:
    kind: str  # datetime | date | number | string | boolean | null
    value: Any


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < <= > >= IN NOT IN LIKE
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR | NOT
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Order:
    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclass
class Query:
    sobject: str
    sobject_column: int
    fields: list[FieldRef] = field(default_factory=list)
    fields_function: str | None = None  # ALL | STANDARD | CUSTOM
    count: bool = False
    where: Comparison | BoolOp | None = None
    order: list[Order] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


def malformed(soql: str, token: Token, message: str) -> SoqlError:
    pointer = " " * (token.column - 1) + "^"
    return SoqlError(
        "MALFORMED_QUERY", f"\n{soql}\n{pointer}\nERROR at Row:1:Column:{token.column}\n{message}"
    )


def tokenize(soql: str) -> list[Token]:
    tokens, pos = [], 0
    text = soql.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            bad = Token("word", text[pos:].strip()[:20], len(text[:pos]) + 1)
            raise malformed(soql, bad, f"unexpected token: '{bad.text.split()[0]}'")
        kind = match.lastgroup or "word"
        start = match.start(kind)
        tokens.append(Token(kind, match.group(kind), start + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str | None = None) -> SoqlError:
        tok = self.tok
        text = tok.text or "<EOF>"
        return malformed(self.soql, tok, message or f"unexpected token: '{text}'")

    def keyword(self, *words: str) -> bool:
        if self.tok.kind == "word" and self.tok.upper in words:
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.error()

    def punct(self, char: str) -> bool:
        if self.tok.kind == "punct" and self.tok.text == char:
            self.i += 1
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.punct(char):
            raise self.error()

    def field_ref(self) -> FieldRef:
        tok = self.tok
        if tok.kind != "word" or tok.upper in KEYWORDS:
            raise self.error()
        self.i += 1
        return FieldRef(tok.text, tok.column)

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        fields, function, count = [], None, False
        if (
            self.tok.kind == "word"
            and self.tok.upper == "COUNT"
            and self.tokens[self.i + 1].text == "("
        ):
            self.i += 2
            self.expect_punct(")")
            count = True
        elif (
            self.tok.kind == "word"
            and self.tok.upper == "FIELDS"
            and self.tokens[self.i + 1].text == "("
        ):
            self.i += 2
            arg = self.next()
            if arg.upper not in ("ALL", "STANDARD", "CUSTOM"):
                raise malformed(self.soql, arg, f"unexpected token: '{arg.text}'")
            function = arg.upper
            self.expect_punct(")")
        else:
            fields.append(self.field_ref())
            while self.punct(","):
                fields.append(self.field_ref())
        self.expect_keyword("FROM")
        sobject = self.field_ref()
        query = Query(sobject.name, sobject.column, fields, function, count)
        if self.keyword("WHERE"):
            query.where = self.disjunction()
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            query.order.append(self.order_item())
            while self.punct(","):
                query.order.append(self.order_item())
        if self.keyword("LIMIT"):
            query.limit = self.integer()
        if self.keyword("OFFSET"):
            query.offset = self.integer()
        if self.tok.kind != "end":
            raise self.error()
        return query

    def integer(self) -> int:
        tok = self.next()
        if tok.kind != "number" or not tok.text.isdigit():
            raise malformed(self.soql, tok, f"unexpected token: '{tok.text or '<EOF>'}'")
        return int(tok.text)

    def order_item(self) -> Order:
        ref = self.field_ref()
        descending = self.keyword("DESC")
        if not descending:
            self.keyword("ASC")
        nulls_last = descending
        if self.keyword("NULLS"):
            if self.keyword("LAST"):
                nulls_last = True
            else:
                self.expect_keyword("FIRST")
                nulls_last = False
        return Order(ref, descending, nulls_last)

    def disjunction(self) -> Comparison | BoolOp:
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else BoolOp("OR", tuple(parts))

    def conjunction(self) -> Comparison | BoolOp:
        parts = [self.negation()]
        while self.keyword("AND"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else BoolOp("AND", tuple(parts))

    def negation(self) -> Comparison | BoolOp:
        if self.keyword("NOT"):
            return BoolOp("NOT", (self.negation(),))
        if self.punct("("):
            inner = self.disjunction()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        ref = self.field_ref()
        if self.keyword("NOT"):
            self.expect_keyword("IN")
            return Comparison(ref, "NOT IN", self.value_list())
        if self.keyword("IN"):
            return Comparison(ref, "IN", self.value_list())
        if self.keyword("LIKE"):
            value = self.literal()
            if value.kind != "string":
                raise self.error()
            return Comparison(ref, "LIKE", value)
        tok = self.next()
        if tok.kind != "op":
            raise malformed(self.soql, tok, f"unexpected token: '{tok.text or '<EOF>'}'")
        return Comparison(ref, "!=" if tok.text == "<>" else tok.text, self.literal())

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        values = [self.literal()]
        while self.punct(","):
            values.append(self.literal())
        self.expect_punct(")")
        return tuple(values)

    def literal(self) -> Literal:
        tok = self.next()
        if tok.kind == "string":
            return Literal("string", re.sub(r"\\(.)", r"\1", tok.text[1:-1]))
        if tok.kind == "number":
            return Literal("number", float(tok.text))
        if tok.kind == "datetime":
            return Literal("datetime", parse_datetime(tok.text))
        if tok.kind == "date":
            return Literal("date", date.fromisoformat(tok.text))
        if tok.kind == "word" and tok.upper in ("TRUE", "FALSE"):
            return Literal("boolean", tok.upper == "TRUE")
        if tok.kind == "word" and tok.upper == "NULL":
            return Literal("null", None)
        raise malformed(self.soql, tok, f"unexpected token: '{tok.text or '<EOF>'}'")


def parse_datetime(text: str) -> datetime:
    """A SOQL/REST datetime (Z or ±hh[:]mm offset) as a naive UTC datetime."""
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def parse(soql: str) -> Query:
    """Parse a SOQL query of the supported subset (raises SoqlError MALFORMED_QUERY)."""
    return _Parser(soql.strip()).parse()
