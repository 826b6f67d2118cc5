"""A small, strict SuiteQL subset over sandbox state:
SELECT … FROM … [[INNER] JOIN … ON …] [WHERE …] [GROUP BY …] [ORDER BY …], and such SELECTs
(without ORDER BY) joined by UNION ALL or UNION, with one ORDER BY at the end."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import Store

# Reference: API-FACTS 4 (limit at most 1000, default page size 1000).
MAX_LIMIT = 1000
# Reference: API-FACTS 4 / 3P captures: unknown records, fields and syntax answer 400
# INVALID_PARAMETER with this prefix in the detail.
PREFIX = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "


class SuiteQLError(Exception):
    """A query NetSuite would refuse with 400 INVALID_PARAMETER."""

    def __init__(self, detail: str, param: str = "q") -> None:
        super().__init__(detail)
        self.detail = detail
        self.param = param


def _bad(message: str) -> SuiteQLError:
    return SuiteQLError(PREFIX + message)


# --- Tables ------------------------------------------------------------------------------

Row = dict[str, Any]
# Reference: API-FACTS 4 (table and column names as in the Records Catalog).
COLUMNS: dict[str, tuple[str, ...]] = {
    "subsidiary": (
        "id", "name", "fullname", "currency", "country", "isinactive", "iselimination", "parent",
    ),
    "currency": ("id", "symbol", "name", "isbasecurrency", "isinactive"),
    "account": (
        "id", "acctnumber", "acctname", "fullname", "accountsearchdisplayname", "accttype",
        "isinactive", "subsidiary",
    ),
    "department": ("id", "name", "fullname", "isinactive", "subsidiary", "parent"),
    "classification": ("id", "name", "fullname", "isinactive", "subsidiary", "parent"),
    "location": ("id", "name", "fullname", "isinactive", "subsidiary", "parent"),
    "accountingperiod": (
        "id", "periodname", "startdate", "enddate", "isyear", "isquarter", "isadjust",
        "isposting", "closed", "alllocked", "aplocked", "arlocked", "isinactive", "parent",
    ),
    "vendor": ("id", "entityid", "companyname", "isinactive", "subsidiary", "currency"),
    "transaction": (
        "id", "tranid", "trandate", "externalid", "recordtype", "type", "memo", "postingperiod",
        "currency", "exchangerate", "posting", "createddate", "lastmodifieddate",
    ),
    "transactionline": (
        "transaction", "id", "linesequencenumber", "mainline", "memo", "entity", "department",
        "class", "location", "subsidiary", "debitforeignamount", "creditforeignamount",
    ),
    "transactionaccountingline": (
        "transaction", "transactionline", "account", "accountingbook", "amount", "debit",
        "credit", "posting",
    ),
}  # fmt: skip
DATE_COLUMNS = {"startdate", "enddate", "trandate", "createddate", "lastmodifieddate"}


def _ref_row(rtype: str, raw: Mapping[str, Any]) -> Row:
    row: Row = {}
    for column in COLUMNS[rtype]:
        value = raw.get(column)
        if column == "subsidiary" and "subsidiaries" in raw:
            # Multi-select segments list their subsidiaries as "1, 2".
            value = ", ".join(str(s) for s in raw["subsidiaries"])
        elif column in DATE_COLUMNS and value is not None:
            value = date.fromisoformat(value)
        elif column.startswith("is") or column in ("closed", "alllocked", "aplocked", "arlocked"):
            value = "T" if value else "F"
        row[column] = value
    return row


def _dec(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _entry_rows(entries: list[dict[str, Any]]) -> tuple[list[Row], list[Row], list[Row]]:
    transactions, lines, accounting = [], [], []
    for e in entries:
        transactions.append(
            {
                "id": e["id"],
                "tranid": e["tranId"],
                "trandate": date.fromisoformat(e["tranDate"]),
                "externalid": e.get("externalId"),
                "recordtype": "journalentry",
                "type": "Journal",
                "memo": e.get("memo"),
                "postingperiod": e["postingPeriod"],
                "currency": e["currency"],
                "exchangerate": Decimal(e.get("exchangeRate") or "1"),
                "posting": "T",
                "createddate": datetime.fromisoformat(e["createdDate"].rstrip("Z")).date(),
                "lastmodifieddate": datetime.fromisoformat(
                    e["lastModifiedDate"].rstrip("Z")
                ).date(),
            }
        )
        for line in e["lines"]:
            debit, credit = _dec(line.get("debit")), _dec(line.get("credit"))
            lines.append(
                {
                    "transaction": e["id"],
                    "id": line["line"],
                    "linesequencenumber": line["line"],
                    "mainline": "F",
                    "memo": line.get("memo"),
                    "entity": line.get("entity"),
                    "department": line.get("department"),
                    "class": line.get("class"),
                    "location": line.get("location"),
                    "subsidiary": e["subsidiary"],
                    "debitforeignamount": debit,
                    "creditforeignamount": credit,
                }
            )
            accounting.append(
                {
                    "transaction": e["id"],
                    "transactionline": line["line"],
                    "account": line["account"],
                    "accountingbook": 1,
                    "amount": (debit or 0) - (credit or 0),
                    "debit": debit,
                    "credit": credit,
                    "posting": "T",
                }
            )
    return transactions, lines, accounting


# The account's journal tables and recent query results are kept (on the store) while nothing
# in the store has changed: a tie-out reads thousands of lines page by page, and rebuilding the
# tables from every stored entry for each page would make the simulator, not the latency, the
# bottleneck. Journal entries are written only by the server, through the store's connection.
RESULTS_KEPT = 16


class _Kept:
    """What one store keeps for SuiteQL between requests."""

    def __init__(self) -> None:
        self.entry_tables: dict[str, tuple[int, dict[str, list[Row]]]] = {}
        self.results: OrderedDict[tuple[str, int, str], list[dict[str, str]]] = OrderedDict()


def _kept(store: Store) -> _Kept:
    kept = store.__dict__.get("_suiteql_kept")
    if kept is None:
        kept = store.__dict__["_suiteql_kept"] = _Kept()
    return kept


def tables(store: Store, account_id: str) -> Callable[[str], list[Row]]:
    """Return a loader of rows per table for one account (entries are read only if needed)."""
    version = store.change_count()
    kept_by_store = _kept(store)
    cache: dict[str, list[Row]] = {}

    def load(name: str) -> list[Row]:
        if name not in cache:
            if name.startswith("transaction"):
                kept = kept_by_store.entry_tables.get(account_id)
                if kept is None or kept[0] != version:
                    t, tl, tal = _entry_rows(store.entries(account_id))
                    built = {
                        "transaction": t,
                        "transactionline": tl,
                        "transactionaccountingline": tal,
                    }
                    kept = kept_by_store.entry_tables[account_id] = (version, built)
                cache.update(kept[1])
            else:
                ref = store.reference(account_id)
                cache[name] = [_ref_row(name, r) for _, r in sorted(ref[name].items())]
        return cache[name]

    load.kept = (kept_by_store.results, (account_id, version))  # type: ignore[attr-defined]
    return load


# --- Tokens and parser -------------------------------------------------------------------

TOKEN_RE = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><>|!=|<=|>=|[=<>(),.*]))"
)
KEYWORDS = {
    "select", "from", "where", "and", "or", "not", "in", "is", "null", "like", "as", "order",
    "by", "asc", "desc", "between", "distinct", "join", "inner", "on", "group", "union", "all",
}  # fmt: skip
AGGREGATES = ("count", "sum")


@dataclass(frozen=True)
class Tok:
    """One lexical token."""

    kind: str  # str, num, id, kw, op, end
    value: str


def tokenize(query: str) -> list[Tok]:
    """Split a query into tokens, refusing anything outside the subset."""
    tokens, pos, text = [], 0, query.strip().rstrip(";").rstrip()
    while pos < len(text):
        match = TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise _bad(f"Invalid or unsupported search near '{text[pos : pos + 20]}'.")
        kind = match.lastgroup or "op"
        value = match.group(kind)
        if kind == "id" and value.lower() in KEYWORDS:
            tokens.append(Tok("kw", value.lower()))
        elif kind == "str":
            tokens.append(Tok("str", value[1:-1].replace("''", "'")))
        else:
            tokens.append(Tok(kind, value))
        pos = match.end()
    tokens.append(Tok("end", ""))
    return tokens


@dataclass(frozen=True)
class Col:
    """A column reference."""

    name: str


@dataclass(frozen=True)
class Lit:
    """A literal value."""

    value: Any


@dataclass(frozen=True)
class Func:
    """UPPER/LOWER/TO_DATE/COUNT(*)."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Cond:
    """A predicate or boolean combination."""

    op: str
    args: tuple[Any, ...]


@dataclass
class Query:
    """A parsed SELECT."""

    table: str
    items: list[tuple[Any, str]]
    where: Cond | None
    order: list[tuple[Any, bool]]
    distinct: bool
    # Joins: (table, its alias, ON condition); columns of a join are named "alias.column".
    joins: list[tuple[str, str, Cond]] = field(default_factory=list)
    alias: str = ""  # the FROM table's alias (or its name) when there are joins
    group: list[Any] | None = None


@dataclass
class Compound:
    """SELECTs joined by UNION ALL / UNION (Oracle's compound query), sorted as a whole.

    `distinct[k]` says whether the operator before branch k+1 is UNION (duplicates removed);
    `order` sorts by result column position (0-based)."""

    branches: list[Query]
    distinct: list[bool]
    order: list[tuple[int, bool]]


class Parser:
    """Recursive-descent parser for the supported SELECT forms."""

    def __init__(self, query: str) -> None:
        self.toks = tokenize(query)
        self.i = 0
        self._fresh_scope()

    def _fresh_scope(self) -> None:
        """Each SELECT of a compound query has its own tables and aliases."""
        self.table = ""
        self.aliases: set[str] = set()
        self.pending_cols: list[str] = []
        # With joins: alias (or table name) -> (alias, table) of each table in FROM.
        self.scope: dict[str, tuple[str, str]] = {}
        self.joined = False

    def peek(self, offset: int = 0) -> Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def next(self) -> Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def accept(self, kind: str, value: str | None = None) -> Tok | None:
        tok = self.peek()
        if tok.kind == kind and (value is None or tok.value.lower() == value):
            self.i += 1
            return tok
        return None

    def expect(self, kind: str, value: str | None = None) -> Tok:
        tok = self.accept(kind, value)
        if tok is None:
            got = self.peek().value or "end of query"
            raise _bad(f"Invalid or unsupported search: expected {value or kind} near '{got}'.")
        return tok

    def parse(self) -> Query | Compound:
        """One SELECT, or SELECTs joined by UNION [ALL] with an ORDER BY for the whole."""
        first = self.block()
        if not self._at("union"):
            first.order = self.order_by(first.items)
            if self._at("union"):
                # Reference: Oracle ORA-00933: a compound query's ORDER BY comes last.
                raise _bad(
                    "Invalid or unsupported search: ORDER BY is allowed only after the last "
                    "SELECT of a UNION."
                )
            self.finish(first)
            return first
        branches, distinct = [first], []
        self.check_groups(first)
        while self.accept("kw", "union"):
            distinct.append(not self.accept("kw", "all"))
            branch = self.block()
            if len(branch.items) != len(first.items):
                # Reference: Oracle ORA-01789.
                raise _bad("Invalid or unsupported search: query block has incorrect number of "
                           "result columns.")  # fmt: skip
            self.check_groups(branch)
            branches.append(branch)
        order = self.compound_order(first.items)
        if self.peek().kind != "end":
            raise _bad(f"Invalid or unsupported search near '{self.peek().value}'.")
        return Compound(branches, distinct, order)

    def _at(self, keyword: str) -> bool:
        return self.peek().kind == "kw" and self.peek().value == keyword

    def block(self) -> Query:
        """SELECT … FROM … [JOIN …] [WHERE …] [GROUP BY …], without ORDER BY."""
        self._fresh_scope()
        self.expect("kw", "select")
        distinct = bool(self.accept("kw", "distinct"))
        # Parse the select list after FROM is known, so columns can be checked: remember spans.
        start = self.i
        depth = 0
        while not (self.peek().kind == "kw" and self.peek().value == "from" and depth == 0):
            tok = self.next()
            if tok.kind == "end":
                raise _bad("Invalid or unsupported search: missing FROM.")
            depth += tok.value == "(" if tok.kind == "op" else 0
            depth -= tok.value == ")" if tok.kind == "op" else 0
        end = self.i
        self.expect("kw", "from")
        table = self.expect("id").value.lower()
        if table not in COLUMNS:
            raise _bad(f"Record '{table}' was not found.")
        self.table = table
        self.aliases = {table}
        alias = self.accept("id")
        if alias:
            self.aliases.add(alias.value.lower())
        first = alias.value.lower() if alias else table
        joins = []
        while self.peek().kind == "kw" and self.peek().value in ("join", "inner"):
            if self.accept("kw", "inner"):
                self.expect("kw", "join")
            else:
                self.expect("kw", "join")
            if not self.joined:
                self.joined = True
                self.scope = {table: (first, table), first: (first, table)}
            other = self.expect("id").value.lower()
            if other not in COLUMNS:
                raise _bad(f"Record '{other}' was not found.")
            other_alias = self.accept("id")
            name = other_alias.value.lower() if other_alias else other
            if name in self.scope:
                raise _bad(f"Invalid or unsupported search: '{name}' is used twice in FROM.")
            self.scope[name] = (name, other)
            self.scope.setdefault(other, (name, other))
            self.expect("kw", "on")
            joins.append((other, name, self.condition()))
        where = None
        if self.accept("kw", "where"):
            where = self.condition()
        group = None
        if self.accept("kw", "group"):
            self.expect("kw", "by")
            group = [self.value()]
            while self.accept("op", ","):
                group.append(self.value())
        rest = self.i
        self.i = start
        items = self.select_list(end)
        self.i = rest
        return Query(table, items, where, [], distinct, joins, first, group)

    def order_by(self, items: list[tuple[Any, str]]) -> list[tuple[Any, bool]]:
        """A single SELECT's ORDER BY: positions, aliases or expressions of its tables."""
        order: list[tuple[Any, bool]] = []
        if self.accept("kw", "order"):
            self.expect("kw", "by")
            while True:
                tok = self.peek()
                key: Any
                if tok.kind == "num":
                    self.next()
                    position = int(tok.value)
                    if not 1 <= position <= len(items):
                        raise _bad(f"ORDER BY position {position} is out of range.")
                    key = items[position - 1][0]
                elif (
                    tok.kind == "id"
                    and tok.value.lower() in {a for _, a in items}
                    and (self.peek(1).kind != "op" or self.peek(1).value != ".")
                ):
                    self.next()
                    key = next(e for e, a in items if a == tok.value.lower())
                else:
                    key = self.value()
                descending = bool(self.accept("kw", "desc"))
                if not descending:
                    self.accept("kw", "asc")
                order.append((key, descending))
                if not self.accept("op", ","):
                    break
        return order

    def compound_order(self, items: list[tuple[Any, str]]) -> list[tuple[int, bool]]:
        """A compound query's ORDER BY: positions or the first SELECT's column names only."""
        order: list[tuple[int, bool]] = []
        if not self.accept("kw", "order"):
            return order
        self.expect("kw", "by")
        names = [alias for _, alias in items]
        while True:
            tok = self.next()
            if tok.kind == "num" and 1 <= int(tok.value) <= len(items):
                position = int(tok.value) - 1
            elif tok.kind == "num":
                raise _bad(f"ORDER BY position {tok.value} is out of range.")
            elif tok.kind == "id" and tok.value.lower() in names and not self._at_dot():
                position = names.index(tok.value.lower())
            else:
                # Reference: Oracle ORA-01785.
                raise _bad(
                    "Invalid or unsupported search: ORDER BY item must be the number of a "
                    "SELECT-list expression."
                )
            descending = bool(self.accept("kw", "desc"))
            if not descending:
                self.accept("kw", "asc")
            order.append((position, descending))
            if not self.accept("op", ","):
                return order

    def _at_dot(self) -> bool:
        return self.peek().kind == "op" and self.peek().value == "."

    def finish(self, query: Query) -> None:
        """The end of a single SELECT: nothing may follow, and its groups must hold."""
        if self.peek().kind != "end":
            raise _bad(f"Invalid or unsupported search near '{self.peek().value}'.")
        self.check_groups(query)

    def check_groups(self, query: Query) -> None:
        if query.group is not None or any(_aggregate(e) for e, _ in query.items):
            # Reference: Oracle ORA-00979/ORA-00937: with GROUP BY or an aggregate, every
            # selected and sorted expression is a group expression, an aggregate or a literal.
            for expr in [e for e, _ in query.items] + [k for k, _ in query.order]:
                if not (_aggregate(expr) or isinstance(expr, Lit) or expr in (query.group or [])):
                    raise _bad("Invalid or unsupported search: not a GROUP BY expression.")

    def select_list(self, end: int) -> list[tuple[Any, str]]:
        if self.accept("op", "*"):
            if self.joined:
                raise _bad("Invalid or unsupported search: name the columns of a join.")
            if self.i != end:
                raise _bad("Invalid or unsupported search: '*' must stand alone.")
            return [(Col(c), c) for c in COLUMNS[self.table]]
        items: list[tuple[Any, str]] = []
        while True:
            expr = self.value()
            alias = None
            if self.accept("kw", "as"):
                alias = self.expect("id").value.lower()
            elif self.peek().kind == "id" and self.i < end:
                alias = self.next().value.lower()
            if alias is None:
                # Reference: SuiteQL names unaliased expressions exprN; columns keep their name.
                # A joined column "alias.column" answers as "column".
                if isinstance(expr, Col):
                    alias = expr.name.rsplit(".", 1)[-1]
                else:
                    alias = f"expr{len(items) + 1}"
            items.append((expr, alias))
            if self.i >= end or not self.accept("op", ","):
                break
        if self.i != end:
            raise _bad(f"Invalid or unsupported search near '{self.peek().value}'.")
        return items

    def value(self) -> Any:
        tok = self.next()
        if tok.kind == "str":
            return Lit(tok.value)
        if tok.kind == "num":
            return Lit(Decimal(tok.value))
        if tok.kind == "kw" and tok.value == "null":
            return Lit(None)
        if tok.kind == "op" and tok.value == "(":
            raise _bad("Invalid or unsupported search: unexpected '('.")
        if tok.kind != "id":
            raise _bad(f"Invalid or unsupported search near '{tok.value}'.")
        name = tok.value.lower()
        if self.accept("op", "("):
            return self.function(name)
        if self.joined:
            return self.joined_column(name, tok.value)
        if self.accept("op", "."):
            if name not in self.aliases:
                raise _bad(f"Invalid or unsupported search: unknown table alias '{tok.value}'.")
            name = self.expect("id").value.lower()
        if name not in COLUMNS[self.table]:
            raise _bad(f"Field '{name}' for record '{self.table}' was not found.")
        return Col(name)

    def joined_column(self, name: str, text: str) -> Col:
        """A column of a join, named "alias.column"; an unqualified name must be unambiguous."""
        if self.accept("op", "."):
            if name not in self.scope:
                raise _bad(f"Invalid or unsupported search: unknown table alias '{text}'.")
            alias, table = self.scope[name]
            column = self.expect("id").value.lower()
            if column not in COLUMNS[table]:
                raise _bad(f"Field '{column}' for record '{table}' was not found.")
            return Col(f"{alias}.{column}")
        owners = {a: t for a, t in self.scope.values() if name in COLUMNS[t]}
        if not owners:
            raise _bad(f"Field '{name}' for record '{self.table}' was not found.")
        if len(owners) > 1:
            # Reference: Oracle ORA-00918.
            raise _bad(f"Invalid or unsupported search: column '{name}' is ambiguous.")
        return Col(f"{next(iter(owners))}.{name}")

    def function(self, name: str) -> Func:
        if name == "count":
            self.expect("op", "*")
            self.expect("op", ")")
            return Func("count", ())
        if name == "sum":
            if self.peek().kind == "kw" and self.peek().value == "distinct":
                raise _bad("Invalid or unsupported search: SUM(DISTINCT …) is not supported.")
            arg = self.value()
            self.expect("op", ")")
            return Func("sum", (arg,))
        if name in ("upper", "lower"):
            arg = self.value()
            self.expect("op", ")")
            return Func(name, (arg,))
        if name == "to_date":
            text = self.expect("str").value
            fmt = "MM/DD/YYYY"
            if self.accept("op", ","):
                fmt = self.expect("str").value.upper()
            self.expect("op", ")")
            return Func("to_date", (Lit(_parse_date(text, fmt)),))
        raise _bad(f"Invalid or unsupported search: function '{name}' is not supported.")

    def condition(self) -> Cond:
        left = self.conjunction()
        while self.accept("kw", "or"):
            left = Cond("or", (left, self.conjunction()))
        return left

    def conjunction(self) -> Cond:
        left = self.negation()
        while self.accept("kw", "and"):
            left = Cond("and", (left, self.negation()))
        return left

    def negation(self) -> Cond:
        if self.accept("kw", "not"):
            return Cond("not", (self.negation(),))
        if self.accept("op", "("):
            inner = self.condition()
            self.expect("op", ")")
            return inner
        return self.predicate()

    def predicate(self) -> Cond:
        left = self.value()
        tok = self.peek()
        if tok.kind == "op" and tok.value in ("=", "!=", "<>", "<", "<=", ">", ">="):
            self.next()
            op = "!=" if tok.value == "<>" else tok.value
            return Cond(op, (left, self.value()))
        if self.accept("kw", "is"):
            negate = bool(self.accept("kw", "not"))
            self.expect("kw", "null")
            return Cond("notnull" if negate else "isnull", (left,))
        negate = bool(self.accept("kw", "not"))
        if self.accept("kw", "in"):
            self.expect("op", "(")
            values = [self.value()]
            while self.accept("op", ","):
                values.append(self.value())
            self.expect("op", ")")
            cond = Cond("in", (left, tuple(values), _literal_set(values)))
        elif self.accept("kw", "like"):
            cond = Cond("like", (left, self.value()))
        elif self.accept("kw", "between"):
            low = self.value()
            self.expect("kw", "and")
            cond = Cond("between", (left, low, self.value()))
        else:
            raise _bad(f"Invalid or unsupported search near '{self.peek().value}'.")
        return Cond("not", (cond,)) if negate else cond


def _parse_date(text: str, fmt: str) -> date:
    patterns = {"YYYY-MM-DD": "%Y-%m-%d", "MM/DD/YYYY": "%m/%d/%Y", "DD/MM/YYYY": "%d/%m/%Y"}
    try:
        return datetime.strptime(text, patterns[fmt]).date()
    except (KeyError, ValueError):
        raise _bad(f"Invalid date '{text}' for format '{fmt}'.") from None


# --- Evaluation --------------------------------------------------------------------------


AGG = "\0aggregates"  # the key of a group's aggregate values on its representative row


def _aggregate(expr: Any) -> bool:
    return isinstance(expr, Func) and expr.name in AGGREGATES


def _eval(expr: Any, row: Row) -> Any:
    if isinstance(expr, Col):
        return row.get(expr.name)
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, Func):
        if expr.name in AGGREGATES:
            if AGG not in row:
                # Reference: Oracle ORA-00934.
                raise _bad("Invalid or unsupported search: group function is not allowed here.")
            return row[AGG][expr]
        if expr.name == "to_date":
            return expr.args[0].value
        value = _eval(expr.args[0], row)
        if value is None:
            return None
        return str(value).upper() if expr.name == "upper" else str(value).lower()
    raise _bad("Invalid or unsupported search.")


def _coerce(a: Any, b: Any) -> tuple[Any, Any]:
    """Apply Oracle-like implicit conversion between numbers, strings and dates."""
    if isinstance(a, int | Decimal) and isinstance(b, str):
        return Decimal(a), _to_number(b)
    if isinstance(a, str) and isinstance(b, int | Decimal):
        return _to_number(a), Decimal(b)
    if isinstance(a, int | Decimal) and isinstance(b, int | Decimal):
        return Decimal(a), Decimal(b)
    if isinstance(a, date) and isinstance(b, str):
        # Reference: SuiteQL compares date columns with strings in the user's date format.
        return a, _parse_date(b, "MM/DD/YYYY")
    if isinstance(a, str) and isinstance(b, date):
        return _parse_date(a, "MM/DD/YYYY"), b
    return a, b


def _to_number(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except ArithmeticError:
        raise _bad(f"Invalid number '{text}'.") from None


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    a, b = _coerce(a, b)
    try:
        return {
            "=": a == b,
            "!=": a != b,
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
        }[op]
    except TypeError:
        raise _bad("Invalid comparison between incompatible values.") from None


def _like(value: Any, pattern: Any) -> bool | None:
    if value is None or pattern is None:
        return None
    regex = "".join(
        ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(pattern)
    )
    return re.fullmatch(regex, str(value), re.DOTALL) is not None


def _literal_set(values: list[Any]) -> frozenset[Any] | None:
    """The values of an IN list of literals of one kind, for a set lookup (a long IN list over
    thousands of rows would otherwise compare every pair); None when the general path decides."""
    literal = values and all(isinstance(v, Lit) and v.value is not None for v in values)
    if literal and {type(v.value) for v in values} in ({Decimal}, {str}):
        return frozenset(v.value for v in values)
    return None


def _in_fast(values: frozenset[Any] | None, value: Any) -> bool | None:
    if values is None or value is None:
        return None
    sample = next(iter(values))
    if isinstance(sample, Decimal) and isinstance(value, int | Decimal):
        return Decimal(value) in values
    if isinstance(sample, str) and isinstance(value, str):
        return value in values
    return None


def _test(cond: Cond, row: Row) -> bool | None:
    op, args = cond.op, cond.args
    if op == "and":
        # Three-valued logic: FALSE AND anything is FALSE, so the right side can be skipped.
        a = _test(args[0], row)
        if a is False:
            return False
        b = _test(args[1], row)
        return False if b is False else (None if a is None or b is None else True)
    if op == "or":
        a = _test(args[0], row)
        if a is True:
            return True
        b = _test(args[1], row)
        return True if b is True else (None if a is None or b is None else False)
    if op == "not":
        a = _test(args[0], row)
        return None if a is None else not a
    if op == "isnull":
        return _eval(args[0], row) is None
    if op == "notnull":
        return _eval(args[0], row) is not None
    if op == "in":
        value = _eval(args[0], row)
        fast = _in_fast(args[2], value)
        if fast is not None:
            return fast
        results = [_compare("=", value, _eval(v, row)) for v in args[1]]
        return True if True in results else (None if None in results else False)
    if op == "like":
        return _like(_eval(args[0], row), _eval(args[1], row))
    if op == "between":
        value = _eval(args[0], row)
        low = _compare(">=", value, _eval(args[1], row))
        high = _compare("<=", value, _eval(args[2], row))
        return None if low is None or high is None else low and high
    return _compare(op, _eval(args[0], row), _eval(args[1], row))


def _render(value: Any) -> str | None:
    """Render a value as SuiteQL does: strings, dates in the user format (M/D/YYYY)."""
    if value is None:
        return None
    if isinstance(value, date):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    return (1, value) if value is not None else (2, 0)


def execute(query: str, load: Callable[[str], list[Row]]) -> list[dict[str, str]]:
    """Parse and run one query; return rows of lower-case column -> string (nulls omitted).

    The next pages of a query asked while the store is unchanged reuse its result.
    """
    kept = getattr(load, "kept", None)
    if kept is None:
        return _execute(query, load)
    results, key = kept
    result_key = (*key, query)
    if result_key in results:
        results.move_to_end(result_key)
        return results[result_key]
    rows = _execute(query, load)
    results[result_key] = rows
    while len(results) > RESULTS_KEPT:
        results.popitem(last=False)
    return rows


def _execute(query: str, load: Callable[[str], list[Row]]) -> list[dict[str, str]]:
    parsed = Parser(query).parse()
    if isinstance(parsed, Compound):
        return _compound(parsed, load)
    names = [alias for _, alias in parsed.items]
    return [_named(names, values) for values in _selected(parsed, load)]


def _selected(parsed: Query, load: Callable[[str], list[Row]]) -> list[tuple[Any, ...]]:
    """One SELECT's rows as tuples of its values, sorted, DISTINCT applied."""
    if parsed.joins:
        rows = _joined(parsed, load)
    else:
        rows = [r for r in load(parsed.table) if not parsed.where or _test(parsed.where, r) is True]
    if parsed.group is not None or any(_aggregate(e) for e, _ in parsed.items):
        rows = _grouped(parsed, rows)
    for key, descending in reversed(parsed.order):
        # Reference: Oracle sorts NULLs last ascending and first descending.
        rows.sort(key=lambda r, k=key: _sort_key(_eval(k, r)), reverse=descending)
    out = [tuple(_eval(expr, row) for expr, _ in parsed.items) for row in rows]
    return _distinct(out) if parsed.distinct else out


def _distinct(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows without repeats (as rendered: 1 and 1.0 are one value), first ones kept."""
    seen: set[tuple[str | None, ...]] = set()
    out = []
    for values in rows:
        marker = tuple(_render(v) for v in values)
        if marker not in seen:
            seen.add(marker)
            out.append(values)
    return out


def _named(names: list[str], values: tuple[Any, ...]) -> dict[str, str]:
    """A row of the answer: column name -> rendered value, nulls left out."""
    return {n: r for n, v in zip(names, values, strict=True) if (r := _render(v)) is not None}


def _compound(parsed: Compound, load: Callable[[str], list[Row]]) -> list[dict[str, str]]:
    """UNION ALL appends each SELECT's rows; UNION also removes repeats of what is before it
    (Oracle evaluates the operators left to right); the ORDER BY sorts the whole.

    The columns are named as in the first SELECT. NetSuite also refuses columns of different
    types (ORA-01790); the simulator does not check their types.
    """
    rows = _selected(parsed.branches[0], load)
    for branch, distinct in zip(parsed.branches[1:], parsed.distinct, strict=True):
        rows = rows + _selected(branch, load)
        if distinct:
            rows = _distinct(rows)
    for position, descending in reversed(parsed.order):
        rows.sort(key=lambda r, p=position: _union_sort_key(r[p]), reverse=descending)
    names = [alias for _, alias in parsed.branches[0].items]
    return [_named(names, values) for values in rows]


def _union_sort_key(value: Any) -> tuple[int, int, Any]:
    """Like _sort_key, for a column whose SELECTs may give numbers of two kinds."""
    if value is None:
        return (2, 0, 0)
    if isinstance(value, int | Decimal):
        return (1, 0, Decimal(value))
    return (1, 1 if isinstance(value, str) else 2, value)


def _conjuncts(cond: Cond | None) -> list[Cond]:
    if cond is None:
        return []
    if cond.op == "and":
        return _conjuncts(cond.args[0]) + _conjuncts(cond.args[1])
    return [cond]


def _columns(expr: Any) -> set[str]:
    if isinstance(expr, Col):
        return {expr.name}
    if isinstance(expr, Func | Cond):
        return set().union(*(_columns(a) for a in expr.args)) if expr.args else set()
    if isinstance(expr, tuple):
        return set().union(*(_columns(a) for a in expr)) if expr else set()
    return set()


def _join_key(value: Any) -> Any:
    return Decimal(value) if isinstance(value, int | Decimal) else value


def _joined(parsed: Query, load: Callable[[str], list[Row]]) -> list[Row]:
    """Inner joins, exactly as their ON and WHERE conditions say.

    A WHERE condition on one table's columns only is applied to that table before joining (for an
    inner join that is the same rows); equalities between the new table and those before it in an
    ON condition are looked up by hash, and the whole ON condition is still tested on each pair.
    """
    tables = [(parsed.table, parsed.alias)] + [(t, a) for t, a, _ in parsed.joins]
    pending = _conjuncts(parsed.where)
    # Only the columns the query names are carried through the join.
    needed = _columns(
        (*(e for e, _ in parsed.items), *(k for k, _ in parsed.order), *(parsed.group or []),
         *pending, *(on for _, _, on in parsed.joins))
    )  # fmt: skip

    def rows_of(table: str, alias: str) -> list[Row]:
        prefix = alias + "."
        own = [c for c in pending if all(n.startswith(prefix) for n in _columns(c))]
        for c in own:
            pending.remove(c)
        names = [(prefix + c, c) for c in COLUMNS[table] if prefix + c in needed]
        out = []
        for raw in load(table):
            row = {name: raw.get(c) for name, c in names}
            if all(_test(c, row) is True for c in own):
                out.append(row)
        return out

    rows = rows_of(*tables[0])
    seen = {tables[0][1] + "."}
    for table, alias, on in parsed.joins:
        prefix = alias + "."
        right = rows_of(table, alias)
        pairs = []  # (column of the new table, column of a table before it)
        for c in _conjuncts(on):
            if c.op == "=" and all(isinstance(a, Col) for a in c.args):
                a, b = (x.name for x in c.args)
                if b.startswith(prefix) and not a.startswith(prefix):
                    a, b = b, a
                if a.startswith(prefix) and any(b.startswith(s) for s in seen):
                    pairs.append((a, b))
        index: dict[tuple[Any, ...], list[Row]] = {}
        for row in right:
            key = tuple(_join_key(row.get(a)) for a, _ in pairs)
            if None not in key:
                index.setdefault(key, []).append(row)
        joined = []
        for row in rows:
            key = tuple(_join_key(row.get(b)) for _, b in pairs)
            for other in index.get(key, ()) if None not in key else ():
                both = {**row, **other}
                if _test(on, both) is True:
                    joined.append(both)
        rows = joined
        seen.add(prefix)
    return [r for r in rows if all(_test(c, r) is True for c in pending)]


def _grouped(parsed: Query, rows: list[Row]) -> list[Row]:
    """One row per group (one row in all without GROUP BY), carrying its aggregates."""
    group = parsed.group or []
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key = tuple(_join_key(_eval(g, row)) for g in group)  # NULLs form one group
        groups.setdefault(key, []).append(row)
    if not group and not groups:
        groups[()] = []
    aggregates = {
        e for e in [e for e, _ in parsed.items] + [k for k, _ in parsed.order] if _aggregate(e)
    }
    out = []
    for members in groups.values():
        rep = dict(members[0]) if members else {}
        values: dict[Func, Any] = {}
        for func in aggregates:
            if func.name == "count":
                values[func] = len(members)
                continue
            numbers = [_eval(func.args[0], r) for r in members]
            numbers = [_to_number(n) if isinstance(n, str) else n for n in numbers if n is not None]
            if any(not isinstance(n, int | Decimal) for n in numbers):
                raise _bad("Invalid or unsupported search: SUM of a value that is not a number.")
            # Reference: SQL's SUM ignores NULLs and is NULL when there is nothing to add.
            values[func] = sum(numbers, Decimal(0)) if numbers else None
        rep[AGG] = values
        out.append(rep)
    return out


# --- Paging ------------------------------------------------------------------------------


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """Read limit/offset query parameters, refusing out-of-range values."""
    try:
        limit = int(query.get("limit", MAX_LIMIT))
    except ValueError:
        limit = -1
    if not 1 <= limit <= MAX_LIMIT:
        raise SuiteQLError(
            f"Invalid value for query parameter 'limit'. It must be between 1 and {MAX_LIMIT}.",
            "limit",
        )
    try:
        offset = int(query.get("offset", 0))
    except ValueError:
        offset = -1
    if offset < 0:
        raise SuiteQLError("Invalid value for query parameter 'offset'.", "offset")
    return limit, offset


def page_links(href: str, limit: int, offset: int, total: int) -> list[dict[str, str]]:
    """Build first/prev/next/last/self links as NetSuite collection paging does."""

    # Reference: API-FACTS 4 (first/prev when not on the first page, next when more, last, self).
    def link(rel: str, off: int) -> dict[str, str]:
        return {"rel": rel, "href": f"{href}?limit={limit}&offset={off}"}

    links = []
    if offset > 0:
        links.append(link("first", 0))
        links.append(link("prev", max(offset - limit, 0)))
    if offset + limit < total:
        links.append(link("next", offset + limit))
    links.append(link("last", max((total - 1) // limit * limit, 0)))
    links.append(
        {"rel": "self", "href": f"{href}?limit={limit}" + (f"&offset={offset}" if offset else "")}
    )
    return links


def page(rows: list[dict[str, str]], href: str, limit: int, offset: int) -> dict[str, Any]:
    """Return one page of results in NetSuite's collection shape."""
    chunk = rows[offset : offset + limit]
    return {
        "links": page_links(href, limit, offset, len(rows)),
        "count": len(chunk),
        "hasMore": offset + limit < len(rows),
        "items": [dict({"links": []}, **row) for row in chunk],
        "offset": offset,
        "totalResults": len(rows),
    }


def iter_tables() -> Iterator[str]:
    """Yield the queryable table names."""
    yield from COLUMNS
