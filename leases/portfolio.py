"""Portfolio import: a whole lease portfolio from one XLSX workbook, validated before anything is
saved, saved all or nothing, and re-runnable (leases are matched by code).

Sheets (docs/golive.md lists every column):

* ``leases`` — one row per lease; a term in months or an end date on any day, and a payment day,
  read and refused as the lease form does (``leases.stub_rules``);
* ``payment_streams`` — one row per fixed payment stream, rent steps as ``YYYY-MM-DD=amount``
  pairs separated by ``;``;
* ``variable_payments`` — CAM, taxes, usage… one row per lease, month and kind;
* ``opening_balances`` — for leases that commenced before go-live: the transition method, or the
  balances a previous lease system left.

A re-run updates draft leases and the variable payments and opening balances of any lease; an
active lease whose terms differ from the file is refused (its changes go through *Change lease*
so closed periods stay as posted).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audit.services import audit_record
from leases import engine
from leases.closed_months import closed_months
from leases.engine.components import lease_component_terms, lease_share
from leases.engine.dates import add_months, anniversary_end
from leases.engine.transition import (
    GoLive,
    OpeningBalances,
    TransitionMethod,
    build_golive_schedule,
)
from leases.models import (
    AccountingDefaults,
    AssetType,
    Lease,
    LeaseOpeningBalance,
    LeasePayment,
    LeaseStatus,
    RentStep,
    Subsidiary,
    VariablePayment,
    VariablePaymentKind,
)
from leases.restoration_rules import restoration_rate_refusal
from leases.selectors import purchase_option_stream
from leases.stub_rules import stub_refusals, term_from_end_date
from occupier.cleaning import BadValue, check_integer, text_problem
from occupier.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

MAX_LEASES = 20_000
BATCH = 2000
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# sheet -> [(column, required)]
SHEETS: dict[str, list[tuple[str, bool]]] = {
    "leases": [
        ("code", True),
        ("name", True),
        ("subsidiary", True),
        ("asset_type", False),
        ("landlord", False),
        ("currency", False),
        ("commencement_date", True),
        ("term_months", False),  # or the end date, which gives it
        ("end_date", False),
        ("payment_day", False),
        ("standard", False),
        ("classification", False),
        ("discount_rate", True),
        ("rate_convention", False),
        ("useful_life_months", False),
        ("exemption", False),
        ("status", False),
        ("purchase_option_price", False),
        ("purchase_option_date", False),
        ("purchase_option_reasonably_certain", False),
        ("lease_component_price", False),
        ("non_lease_component_price", False),
        # IFRS 16 with IAS 37, as the lease form takes them (`leases.restoration_rules`).
        ("restoration_cost", False),
        ("restoration_estimate", False),
        ("restoration_rate", False),
    ],
    "payment_streams": [
        ("lease_code", True),
        ("amount", True),
        ("frequency", False),
        ("timing", False),
        ("rent_free_months", False),
        ("escalation_kind", False),
        ("escalation_value", False),
        ("escalation_every_months", False),
        ("steps", False),
    ],
    "variable_payments": [
        ("lease_code", True),
        ("month", True),
        ("kind", True),
        ("amount", True),
        ("memo", False),
    ],
    "opening_balances": [
        ("lease_code", True),
        ("method", False),
        ("transition_rate", False),
        ("deferred_rent", False),
        ("unamortized_incentives", False),
        ("liability", False),
        ("rou_asset", False),
        ("accumulated_amortization", False),
        ("restoration_provision", False),
    ],
}
FREQUENCIES = {"monthly": 1, "quarterly": 3, "semi_annual": 6, "semi-annual": 6, "annual": 12}


@dataclass(frozen=True)
class PortfolioError:
    sheet: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Sheet {self.sheet}, line {self.line}" if self.line else f"Sheet {self.sheet}"
        return (
            f"{where}, column {self.column}: {self.message}"
            if self.column
            else (f"{where}: {self.message}")
        )


@dataclass
class SubsidiaryTotals:
    subsidiary: str
    currency: str
    leases: int = 0
    opening_liability: Decimal = ZERO
    opening_rou: Decimal = ZERO


@dataclass
class PortfolioPlan:
    """What the file would do, and every problem found; nothing is saved yet."""

    errors: list[PortfolioError] = field(default_factory=list)
    leases: dict[str, dict] = field(default_factory=dict)  # code -> lease fields
    refused: set[str] = field(default_factory=set)  # codes of lease rows with errors
    streams: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    variable: list[dict] = field(default_factory=list)
    opening: dict[str, dict] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    totals: dict[tuple[str, str], SubsidiaryTotals] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        return {
            "leases": len(self.leases),
            "payment_streams": sum(len(s) for s in self.streams.values()),
            "variable_payments": len(self.variable),
            "opening_balances": len(self.opening),
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


class FileRejected(Exception):
    """The workbook cannot be read at all."""


# -- template -----------------------------------------------------------------------------------


def portfolio_template_xlsx(company) -> bytes:
    """The four sheets with their headers and one example row that imports as-is."""
    subsidiary = Subsidiary.objects.filter(company=company).order_by("name").first()
    sub_name = subsidiary.name if subsidiary else "Acme US"
    currency = subsidiary.currency if subsidiary else "USD"
    # The example must import into this company as it stands: with a go-live date it is a lease
    # that commenced 30 months before it (so it needs opening balances); without one it is a
    # lease commencing this month, which needs none. Its end date and payment day are the ones
    # the term gives (no part months), which any company can compute.
    go_live = company.go_live_date.replace(day=1) if company.go_live_date else None
    commencement = add_months(go_live, -30) if go_live else timezone.localdate().replace(day=1)
    first_posted = go_live or commencement
    examples = {
        "leases": ["EX-001", "Example office", sub_name, "real_estate", "Harbor Realty",
                   currency, commencement.isoformat(), 60,
                   anniversary_end(commencement, 60).isoformat(), commencement.day, "asc842",
                   "operating", "6.5", "nominal", "", "", "draft"],
        "payment_streams": ["EX-001", "10000.00", "monthly", "advance", 0, "percent", "3", 12,
                            ""],
        "variable_payments": ["EX-001", first_posted.strftime("%Y-%m"), "cam", "450.00",
                              "CAM estimate"],
        "opening_balances": ["EX-001", "asc840", "6.5", "1200.00", "", "", "", "", ""]
        if go_live else None,
    }  # fmt: skip
    book = Workbook()
    book.remove(book.active)
    for sheet, columns in SHEETS.items():
        ws = book.create_sheet(sheet)
        ws.append([name for name, _ in columns])
        if examples[sheet] is not None:
            ws.append(examples[sheet])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- reading ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel stores numbers as floats; repr keeps the shortest exact decimal form.
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value).strip()


def _rows(book, sheet: str, plan: PortfolioPlan) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of one sheet, checking its header; an absent optional sheet is empty."""
    if sheet not in book.sheetnames:
        if sheet == "leases":
            plan.errors.append(PortfolioError(sheet, 0, "", "The workbook has no leases sheet."))
        return []
    rows = book[sheet].iter_rows(values_only=True)
    header = [_text(h).lower() for h in next(rows, ())]
    known = {name for name, _ in SHEETS[sheet]}
    missing = [name for name, required in SHEETS[sheet] if required and name not in header]
    unknown = [h for h in header if h and h not in known]
    if missing or unknown:
        if missing:
            plan.errors.append(
                PortfolioError(sheet, 1, "", f"Missing column(s): {', '.join(missing)}.")
            )
        if unknown:
            plan.errors.append(
                PortfolioError(sheet, 1, "", f"Unknown column(s): {', '.join(unknown)}.")
            )
        return []
    out = []
    for line, values in enumerate(rows, start=2):
        row = {header[i]: _text(v) for i, v in enumerate(values) if i < len(header) and header[i]}
        for column, value in row.items():
            # XLSX escapes like _x0000_ come back as control characters; none can be stored.
            problem = text_problem(value)
            if problem:
                plan.errors.append(PortfolioError(sheet, line, column, f"The value {problem}"))
                row[column] = ""
        if any(row.values()):
            out.append((line, row))
    return out


class _Cells:
    """Parses one row's cells, recording each problem with its sheet, line and column."""

    def __init__(self, plan: PortfolioPlan, sheet: str, line: int, row: dict[str, str]):
        self.plan, self.sheet, self.line, self.row = plan, sheet, line, row
        self.failed = False

    def fail(self, column: str, message: str) -> None:
        self.failed = True
        self.plan.errors.append(PortfolioError(self.sheet, self.line, column, message))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.fail(column, "This value is required.")
        elif len(value) > max_length:
            self.fail(column, f"At most {max_length} characters.")
        return value

    def choice(self, column: str, options, default: str = "") -> str:
        value = self.row.get(column, "").lower() or default
        if value not in options:
            self.fail(column, f"“{value}” is not one of: {', '.join(o for o in options if o)}.")
        return value

    def decimal(self, column: str, *, required: bool = False, money: bool = True) -> Decimal | None:
        raw = self.row.get(column, "").replace(",", "")
        if not raw:
            if required:
                self.fail(column, "This value is required.")
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.fail(column, f"“{raw}” is not a number.")
            return None
        if not value.is_finite():
            self.fail(column, f"“{raw}” is not a number.")
            return None
        if money:
            if value != value.quantize(Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)):
                self.fail(column, f"At most {MONEY_DECIMAL_PLACES} decimals.")
                return None
            if abs(value) >= Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES):
                self.fail(column, "This amount is too large.")
                return None
        return value

    def integer(self, column: str, *, required: bool = False, default: int = 0) -> int:
        raw = self.row.get(column, "")
        if not raw:
            if required:
                self.fail(column, "This value is required.")
            return default
        if not (raw.isascii() and raw.isdigit()):
            self.fail(column, f"“{raw[:40]}” is not a whole number.")
            return default
        try:
            # Past 40 digits it is out of range anyway (and int() refuses thousands of digits).
            return check_integer(int(raw) if len(raw) <= 40 else -1, minimum=0)
        except BadValue as error:
            self.fail(column, f"“{raw[:40]}” {error.reason}")
            return default

    def day(self, column: str, *, required: bool = False) -> date | None:
        raw = self.row.get(column, "")
        if not raw:
            if required:
                self.fail(column, "This value is required (YYYY-MM-DD).")
            return None
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            self.fail(column, f"“{raw}” is not a date (YYYY-MM-DD).")
            return None


def _steps(cells: _Cells) -> list[tuple[date, Decimal]]:
    raw = cells.row.get("steps", "")
    steps = []
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        when, _, amount = part.partition("=")
        try:
            steps.append((date.fromisoformat(when.strip()), Decimal(amount.strip())))
        except (ValueError, InvalidOperation):
            cells.fail("steps", f"“{part}” is not YYYY-MM-DD=amount.")
    return steps


def read_portfolio(upload, *, company) -> PortfolioPlan:
    """Parse and validate every sheet; `plan.errors` lists every problem found."""
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a file that is not XLSX
        raise FileRejected("The file is not an Excel workbook (.xlsx).") from error
    plan = PortfolioPlan()
    try:
        _read_leases(book, plan, company)
        _read_streams(book, plan)
        _read_variable(book, plan)
        _read_opening(book, plan)
    finally:
        book.close()
    _check_variable_months(plan, company)
    if plan.ok:
        _check_terms(plan, company)
    if plan.ok:
        _classify(plan, company)
    return plan


def _read_leases(book, plan: PortfolioPlan, company) -> None:
    subsidiaries = {s.name: s for s in Subsidiary.objects.filter(company=company)}
    seen: dict[str, int] = {}
    rows = _rows(book, "leases", plan)
    if len(rows) > MAX_LEASES:
        plan.errors.append(
            PortfolioError("leases", 0, "", f"At most {MAX_LEASES:,} leases in one file.")
        )
        return
    for line, row in rows:
        c = _Cells(plan, "leases", line, row)
        code = c.text("code", required=True, max_length=40)
        if code in seen:
            c.fail("code", f"{code} is already on line {seen[code]}.")
        seen.setdefault(code, line)
        sub_name = c.text("subsidiary", required=True)
        subsidiary = subsidiaries.get(sub_name)
        if sub_name and subsidiary is None:
            c.fail("subsidiary", f"No subsidiary is named “{sub_name}”.")
        standard = c.choice("standard", ("asc842", "ifrs16"), company.default_standard)
        classification = c.choice("classification", ("", "operating", "finance"))
        if standard == "asc842" and not classification:
            c.fail("classification", "An ASC 842 lease is operating or finance.")
        rate = c.decimal("discount_rate", required=True, money=False)
        if rate is not None and not ZERO <= rate < HUNDRED:
            c.fail("discount_rate", "A percentage from 0 to 100, e.g. 6.5.")
        start = c.day("commencement_date", required=True)
        term, end, day = _term_and_dates(c, start)
        exemption = c.choice("exemption", ("", "short_term", "low_value"))
        if start and term:
            # As the lease form: the stubs that cannot be computed yet, whatever else is wrong.
            stub_problems = stub_refusals(
                company=company,
                commencement=start,
                term_months=term,
                end_date=end if end and end > start else None,
                payment_day=day,
                exemption=exemption if exemption in ("short_term", "low_value") else "",
            )
            for column, message in stub_problems:
                c.fail(column, message)
        fields = {
            "code": code,
            "name": c.text("name", required=True),
            "subsidiary": subsidiary,
            "asset_type": c.choice("asset_type", AssetType.values, AssetType.REAL_ESTATE),
            "landlord": c.text("landlord"),
            "currency": (
                c.text("currency", max_length=3) or getattr(subsidiary, "currency", "")
            ).upper(),
            "commencement_date": start,
            "term_months": term,
            "end_date": end,
            "payment_day": day,
            "standard": standard,
            "classification": classification,
            "discount_rate": rate,
            "rate_convention": c.choice("rate_convention", ("nominal", "effective"), "nominal"),
            "useful_life_months": c.integer("useful_life_months", default=0) or None,
            "exemption": exemption,
            "status": c.choice("status", (LeaseStatus.DRAFT, LeaseStatus.ACTIVE), "draft"),
            "purchase_option_price": c.decimal("purchase_option_price"),
            "purchase_option_date": c.day("purchase_option_date"),
            "purchase_option_reasonably_certain": c.choice(
                "purchase_option_reasonably_certain", ("", "yes", "no")
            )
            == "yes",
            "lease_component_price": c.decimal("lease_component_price"),
            "non_lease_component_price": c.decimal("non_lease_component_price"),
            **_restoration(c),
            "_line": line,
        }
        if not c.failed:
            plan.leases[code] = fields
        elif code:
            plan.refused.add(code)


def _restoration(c: _Cells) -> dict[str, Decimal | None]:
    """A lease row's restoration cost, expected restoration cost and its discount rate (percent;
    blank: the lease's rate), read as the lease form reads them; the engine checks the rest."""
    rate = c.decimal("restoration_rate", money=False)
    refusal = restoration_rate_refusal(rate)
    if refusal:
        c.fail("restoration_rate", refusal)
    return {
        "restoration_cost": c.decimal("restoration_cost") or ZERO,
        "restoration_estimate": c.decimal("restoration_estimate") or ZERO,
        "restoration_rate": rate,
    }


def _term_and_dates(c: _Cells, start: date | None) -> tuple[int, date | None, int | None]:
    """The term (given, or derived from the end date as the lease form does), the end date and
    the payment day of a lease row; 0 for a term that is missing or wrong (said already)."""
    end = c.day("end_date")
    errors = len(c.plan.errors)
    day = c.integer("payment_day") if c.row.get("payment_day") else None
    if len(c.plan.errors) > errors:
        day = None
    elif day is not None and not 1 <= day <= 31:
        # The engine's sentence (leases/engine/validation.py), said with the other cells.
        c.fail("payment_day", "The payment day is a day of the month, from 1 to 31.")
        day = None
    errors = len(c.plan.errors)
    term = c.integer("term_months") if c.row.get("term_months") else None
    if len(c.plan.errors) > errors:
        return 0, end, day
    if term == 0:
        c.fail("term_months", "At least one month.")
        return 0, end, day
    if start is None:
        return term or 0, end, day
    term, problems = term_from_end_date(start, end, term)
    for column, message in problems:
        c.fail(column, message)
    return term or 0, end, day


def _check_variable_months(plan: PortfolioPlan, company) -> None:
    """Variable payments land in open months from go-live on (nothing posts elsewhere)."""
    go_live = company.go_live_date.replace(day=1) if company.go_live_date else None
    closed = closed_months(company.pk)
    for v in plan.variable:
        if go_live and v["period"] < go_live:
            problem = "is before go-live; nothing is posted before it"
        elif v["period"] in closed:
            problem = "is closed; reopen it first"
        else:
            continue
        plan.errors.append(
            PortfolioError(
                "variable_payments", v["_line"], "month", f"{v['period']:%b %Y} {problem}."
            )
        )


def _lease_of(c: _Cells, plan: PortfolioPlan) -> str | None:
    code = c.text("lease_code", required=True)
    if code in plan.refused and code not in plan.leases:
        return None  # its lease row is wrong, and said so: no second sentence for it here
    if code and code not in plan.leases:
        c.fail("lease_code", f"No lease {code} on the leases sheet.")
        return None
    return code or None


def _read_streams(book, plan: PortfolioPlan) -> None:
    for line, row in _rows(book, "payment_streams", plan):
        c = _Cells(plan, "payment_streams", line, row)
        code = _lease_of(c, plan)
        kind = c.choice("escalation_kind", ("", "percent", "amount"))
        value = c.decimal("escalation_value", money=False)
        if kind and value is None:
            c.fail("escalation_value", "Give the escalation's percent or amount.")
        stream = {
            "amount": c.decimal("amount", required=True),
            "frequency": FREQUENCIES.get(c.choice("frequency", FREQUENCIES, "monthly"), 1),
            "timing": c.choice("timing", ("advance", "arrears"), "advance"),
            "rent_free_months": c.integer("rent_free_months"),
            "escalation_kind": kind,
            "escalation_value": value if kind else None,
            "escalation_every_months": c.integer("escalation_every_months", default=12) or 12,
            "steps": _steps(c),
            "_line": line,
        }
        if stream["amount"] is not None and stream["amount"] < 0:
            c.fail("amount", "A payment cannot be negative.")
        if code and not c.failed:
            plan.streams[code].append(stream)
    for code in plan.leases:
        if not plan.streams.get(code):
            plan.errors.append(
                PortfolioError(
                    "payment_streams", 0, "lease_code", f"Lease {code} has no payment stream."
                )
            )


def _read_variable(book, plan: PortfolioPlan) -> None:
    seen: dict[tuple, int] = {}
    for line, row in _rows(book, "variable_payments", plan):
        c = _Cells(plan, "variable_payments", line, row)
        code = _lease_of(c, plan)
        raw = c.text("month", required=True)
        month = None
        try:
            month = date.fromisoformat(f"{raw[:7]}-01") if raw else None
        except ValueError:
            c.fail("month", f"“{raw}” is not a month (YYYY-MM).")
        kind = c.choice("kind", VariablePaymentKind.values)
        amount = c.decimal("amount", required=True)
        if amount is not None and amount <= 0:
            c.fail("amount", "Enter an amount above zero.")
        key = (code, month, kind)
        if key in seen:
            c.fail("kind", f"The same lease, month and kind is already on line {seen[key]}.")
        seen.setdefault(key, line)
        if code and not c.failed:
            plan.variable.append(
                {"code": code, "period": month, "kind": kind, "amount": amount,
                 "memo": c.text("memo"), "_line": line}
            )  # fmt: skip


def _read_opening(book, plan: PortfolioPlan) -> None:
    for line, row in _rows(book, "opening_balances", plan):
        c = _Cells(plan, "opening_balances", line, row)
        code = _lease_of(c, plan)
        if code in plan.opening:
            c.fail("lease_code", f"Lease {code} already has opening balances.")
        method = c.choice("method", ("", *TransitionMethod))
        liability = c.decimal("liability")
        rou = c.decimal("rou_asset")
        if method == TransitionMethod.OPENING_BALANCES and (liability is None or rou is None):
            c.fail("liability", "The opening_balances method needs liability and rou_asset.")
        values = {
            "method": method,
            "transition_rate": c.decimal("transition_rate", money=False),
            "deferred_rent": c.decimal("deferred_rent") or ZERO,
            "unamortized_incentives": c.decimal("unamortized_incentives") or ZERO,
            "liability": liability,
            "rou_asset": rou,
            "accumulated_amortization": c.decimal("accumulated_amortization") or ZERO,
            "restoration_provision": _provision(c),
            "_line": line,
        }
        if code and not c.failed:
            plan.opening[code] = values


def _provision(c: _Cells) -> Decimal:
    """The restoration provision's carrying amount at go-live (blank: none)."""
    provision = c.decimal("restoration_provision")
    if provision is not None and provision < 0:
        c.fail("restoration_provision", "The restoration provision cannot be negative.")
    return provision or ZERO


# A provision brought in needs the expected cost it unwinds to (the leases sheet's column).
NO_RESTORATION_ESTIMATE = (
    "A restoration provision is brought in only for an IFRS 16 lease with an expected "
    "restoration cost: give the lease's restoration_estimate on the leases sheet, or leave "
    "this blank."
)


def _terms(
    fields: dict, streams: list[dict], combined: list[str], day_count: str
) -> engine.LeaseTerms:
    """The lease as `leases.selectors.lease_terms` will read it once saved."""
    terms = _all_terms(fields, streams, day_count)
    if fields["purchase_option_reasonably_certain"] and fields["purchase_option_price"]:
        if fields["purchase_option_date"] is None:
            raise ValueError("purchase_option_date: give the date of the purchase option.")
        last = add_months(fields["commencement_date"].replace(day=1), fields["term_months"] - 1)
        option = purchase_option_stream(
            fields["purchase_option_price"], fields["purchase_option_date"], last_month=last
        )
        terms = replace(terms, payments=(*terms.payments, option))
    prices = fields["lease_component_price"], fields["non_lease_component_price"]
    if None not in prices and fields["asset_type"] not in combined:
        terms = lease_component_terms(terms, lease_share(*prices))
    return terms


def _all_terms(fields: dict, streams: list[dict], day_count: str) -> engine.LeaseTerms:
    return engine.LeaseTerms(
        commencement=fields["commencement_date"],
        term_months=fields["term_months"],
        end_date=fields["end_date"],
        payment_day=fields["payment_day"],
        day_count=engine.DayCount(day_count),
        standard=engine.Standard(fields["standard"]),
        classification=engine.Classification(fields["classification"])
        if fields["classification"]
        else None,
        annual_rate=fields["discount_rate"] / HUNDRED,
        rate_convention=engine.RateConvention(fields["rate_convention"]),
        useful_life_months=fields["useful_life_months"],
        restoration_cost=fields["restoration_cost"],
        restoration_estimate=fields["restoration_estimate"],
        restoration_rate=None
        if fields["restoration_rate"] is None
        else fields["restoration_rate"] / HUNDRED,
        payments=tuple(
            engine.PaymentStream(
                amount=s["amount"],
                frequency=engine.Frequency(s["frequency"]),
                timing=engine.Timing(s["timing"]),
                rent_free_months=s["rent_free_months"],
                escalations=(
                    engine.Escalation(
                        engine.EscalationKind(s["escalation_kind"]),
                        s["escalation_value"] / HUNDRED
                        if s["escalation_kind"] == "percent"
                        else s["escalation_value"],
                        s["escalation_every_months"],
                    ),
                )
                if s["escalation_kind"]
                else (),
                steps=tuple(engine.RentStep(d, a) for d, a in s["steps"]),
            )
            for s in streams
        ),
    )


def _golive(values: dict, go_live: date) -> GoLive:
    opening = None
    if values["liability"] is not None:
        opening = OpeningBalances(
            values["liability"],
            values["rou_asset"] if values["rou_asset"] is not None else values["liability"],
            values["accumulated_amortization"],
        )
    rate = values["transition_rate"]
    return GoLive(
        go_live=go_live,
        method=TransitionMethod(values["method"])
        if values["method"]
        else (TransitionMethod.OPENING_BALANCES if opening else TransitionMethod.ASC_840),
        transition_rate=None if rate is None else rate / HUNDRED,
        deferred_rent=values["deferred_rent"],
        unamortized_incentives=values["unamortized_incentives"],
        opening=opening,
        restoration_provision=values.get("restoration_provision", ZERO),
    )


# The engine's names → the workbook's columns, so an error points at the cell to fix.
_LEASE_COLUMN = {"annual_rate": "discount_rate"}
_STREAM_COLUMN = {
    "escalations": "escalation_value",
    "value": "escalation_value",
    "every_months": "escalation_every_months",
    "effective": "steps",
}
_STREAM_ISSUE = re.compile(r"^payments\[(\d+)\](?:\.(\w+))?(?:\[\d+\]\.(\w+))?$")


def _terms_error(issue: engine.TermsIssue, line: int, streams: list[dict]) -> PortfolioError:
    """An engine issue on the sheet, line and column it comes from."""
    match = _STREAM_ISSUE.match(issue.field)
    if match and int(match[1]) < len(streams):
        # A payment stream's own field: its line on the payment_streams sheet.
        name = match[3] or match[2] or "amount"
        column = _STREAM_COLUMN.get(name, name)
        return PortfolioError("payment_streams", streams[int(match[1])]["_line"], column,
                              issue.message)  # fmt: skip
    if match:  # the purchase option's payment, after the sheet's streams
        return PortfolioError("leases", line, "purchase_option_price", issue.message)
    column = _LEASE_COLUMN.get(issue.field, issue.field)
    return PortfolioError("leases", line, column, issue.message)


def _check_terms(plan: PortfolioPlan, company) -> None:
    """Every lease through the engine; leases before go-live through the transition too."""
    defaults = AccountingDefaults.objects.filter(company=company).first()
    combined = defaults.combine_components_asset_types if defaults else []
    go_live = company.go_live_date.replace(day=1) if company.go_live_date else None
    for code, fields in plan.leases.items():
        line = fields["_line"]
        try:
            terms = _terms(fields, plan.streams[code], combined, company.day_count)
        except engine.LeaseTermsError as error:
            for issue in error.issues:
                plan.errors.append(_terms_error(issue, line, plan.streams[code]))
            continue
        except ValueError as error:
            plan.errors.append(PortfolioError("leases", line, "", str(error)))
            continue
        issues = engine.validate_terms(terms)
        for issue in issues:
            if issue.field == "restoration_cost" and not fields["restoration_cost"]:
                continue  # derived from the expected cost, whose own sentence says why
            plan.errors.append(_terms_error(issue, line, plan.streams[code]))
        if issues:
            continue
        sub = fields["subsidiary"]
        totals = plan.totals.setdefault(
            (sub.name, fields["currency"]), SubsidiaryTotals(sub.name, fields["currency"])
        )
        totals.leases += 1
        before_go_live = go_live is not None and fields["commencement_date"] < go_live
        if code in plan.opening and not before_go_live:
            plan.errors.append(
                PortfolioError(
                    "opening_balances",
                    plan.opening[code]["_line"],
                    "lease_code",
                    f"Lease {code} commences on or after go-live: it needs no opening balances.",
                )
            )
            continue
        if not before_go_live or fields["exemption"]:
            continue
        values = plan.opening.get(code) or {
            "method": company.transition_method,
            "transition_rate": None,
            "deferred_rent": ZERO,
            "unamortized_incentives": ZERO,
            "liability": None,
            "rou_asset": None,
            "accumulated_amortization": ZERO,
        }
        if values.get("restoration_provision") and not terms.restoration_estimate:
            plan.errors.append(
                PortfolioError(
                    "opening_balances",
                    values["_line"],
                    "restoration_provision",
                    NO_RESTORATION_ESTIMATE,
                )
            )
            continue
        if not values["method"] and values["liability"] is None and fields["standard"] == "ifrs16":
            values = values | {"method": TransitionMethod.IFRS16_LIABILITY}
        try:
            balances = build_golive_schedule(terms, _golive(values, go_live)).balances
        except engine.LeaseTermsError as error:
            sheet = "opening_balances" if code in plan.opening else "leases"
            where = plan.opening[code]["_line"] if code in plan.opening else line
            for issue in error.issues:
                plan.errors.append(PortfolioError(sheet, where, issue.field, issue.message))
            continue
        totals.opening_liability += balances.liability
        totals.opening_rou += balances.rou_net


# -- what changes -------------------------------------------------------------------------------

_COMPARED = ("name", "asset_type", "landlord", "currency", "commencement_date", "term_months",
             "end_date", "payment_day", "standard", "classification", "discount_rate",
             "rate_convention", "useful_life_months", "exemption", "purchase_option_price",
             "purchase_option_date", "purchase_option_reasonably_certain",
             "lease_component_price", "non_lease_component_price", "restoration_cost",
             "restoration_estimate", "restoration_rate")  # fmt: skip


def _stream_key(s: dict) -> tuple:
    escalates = bool(s["escalation_kind"])
    return (
        s["amount"],
        s["frequency"],
        s["timing"],
        s["rent_free_months"],
        s["escalation_kind"],
        s["escalation_value"] if escalates else None,
        s["escalation_every_months"] if escalates else None,
        tuple(s["steps"]),
    )


def _stored_stream_key(p: LeasePayment) -> tuple:
    escalates = bool(p.escalation_kind)
    return (
        p.amount,
        p.frequency,
        p.timing,
        p.rent_free_months,
        p.escalation_kind,
        p.escalation_value if escalates else None,
        p.escalation_every_months if escalates else None,
        tuple((step.effective, step.amount) for step in p.steps.all()),
    )


def _same_terms(lease: Lease, fields: dict, streams: list[dict]) -> bool:
    if lease.subsidiary_id != fields["subsidiary"].pk:
        return False
    if any(getattr(lease, name) != fields[name] for name in _COMPARED):
        return False
    stored = sorted(map(_stored_stream_key, lease.payments.all()), key=repr)
    return stored == sorted(map(_stream_key, streams), key=repr)


def _classify(plan: PortfolioPlan, company) -> None:
    existing = {
        lease.code: lease
        for lease in Lease.objects.filter(
            company=company, code__in=list(plan.leases)
        ).prefetch_related("payments__steps")
    }
    for code, fields in plan.leases.items():
        lease = existing.get(code)
        if lease is None:
            plan.created.append(code)
        elif _same_terms(lease, fields, plan.streams[code]):
            plan.unchanged.append(code)
        elif lease.status != LeaseStatus.DRAFT:
            plan.errors.append(
                PortfolioError(
                    "leases",
                    fields["_line"],
                    "code",
                    f"Lease {code} is active and its terms differ from the file; change an "
                    "active lease with Change lease so closed periods stay as posted.",
                )
            )
        else:
            plan.updated.append(code)


# -- saving -------------------------------------------------------------------------------------


def _lease_values(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if not k.startswith("_") and k != "code"}


@transaction.atomic
def portfolio_import(*, company, actor, plan: PortfolioPlan) -> dict[str, int]:
    """Save a validated plan, all or nothing; returns the counts saved."""
    if not plan.ok:
        raise ValueError("Only a plan without errors can be imported.")
    created = [
        Lease(company=company, code=code, **_lease_values(plan.leases[code]))
        for code in plan.created
    ]
    Lease.objects.bulk_create(created, batch_size=BATCH)
    leases = {
        lease.code: lease
        for lease in Lease.objects.filter(company=company, code__in=list(plan.leases))
    }
    updated = [leases[code] for code in plan.updated]
    for lease in updated:
        for name, value in _lease_values(plan.leases[lease.code]).items():
            setattr(lease, name, value)
    if updated:
        Lease.objects.bulk_update(updated, ["subsidiary", *_COMPARED, "status"], batch_size=BATCH)
    # Payment streams of created and updated leases are replaced; unchanged ones stay as they are.
    rewritten = [leases[code].pk for code in [*plan.created, *plan.updated]]
    LeasePayment.objects.filter(lease_id__in=rewritten).delete()
    payments, steps = [], []
    for code in [*plan.created, *plan.updated]:
        for s in plan.streams[code]:
            payment = LeasePayment(
                lease=leases[code],
                amount=s["amount"],
                frequency=s["frequency"],
                timing=s["timing"],
                rent_free_months=s["rent_free_months"],
                escalation_kind=s["escalation_kind"],
                escalation_value=s["escalation_value"],
                escalation_every_months=s["escalation_every_months"],
            )
            payments.append(payment)
            steps.append(s["steps"])
    LeasePayment.objects.bulk_create(payments, batch_size=BATCH)
    RentStep.objects.bulk_create(
        [
            RentStep(payment=payment, effective=when, amount=amount)
            for payment, stream_steps in zip(payments, steps, strict=True)
            for when, amount in stream_steps
        ],
        batch_size=BATCH,
    )
    # Opening balances and variable payments are upserted by lease (and month and kind).
    LeaseOpeningBalance.objects.filter(
        lease__code__in=list(plan.opening), lease__company=company
    ).delete()
    LeaseOpeningBalance.objects.bulk_create(
        [
            LeaseOpeningBalance(
                lease=leases[code], **{k: v for k, v in values.items() if not k.startswith("_")}
            )
            for code, values in plan.opening.items()
        ],
        batch_size=BATCH,
    )
    variable = [
        VariablePayment(
            lease=leases[v["code"]], period=v["period"], kind=v["kind"], amount=v["amount"],
            memo=v["memo"],
        )
        for v in plan.variable
    ]  # fmt: skip
    VariablePayment.objects.bulk_create(
        variable,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["lease", "period", "kind"],
        update_fields=["amount", "memo"],
    )
    counts = plan.counts
    audit_record(
        company=company,
        actor=actor,
        action="portfolio.import",
        after={k: v for k, v in counts.items()},
    )
    return counts
