"""CSV imports of leases and of the chart of accounts: validate the whole file, then import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from leases import engine
from leases.forms_text import ENGINE_FIELD, split_refusal
from leases.models import ACCOUNT_FIELDS, SEGMENT_FIELDS, GLAccount, Lease, Segment, Subsidiary
from leases.services import IncentiveInput, LeaseRow, PaymentInput, terms_from_input
from leases.stub_rules import stub_refusals, term_from_end_date
from occupier.cleaning import BadValue, check_decimal, check_integer, clean_cell
from occupier.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

MAX_BYTES = 2 * 1024 * 1024  # a few thousand leases; larger files belong in several uploads
MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    """One problem of an import file, as the user will read it."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return f"Line {self.line}, column {self.column}: {self.reason}"
        return f"Line {self.line}: {self.reason}"


class FileRejected(Exception):
    """The file cannot be read at all (too large, not UTF-8, no header)."""


# (column, required, what it holds) — docs/leases.md documents the same list.
LEASE_COLUMNS: list[tuple[str, bool, str]] = [
    ("code", True, "your reference, unique in the company; re-imports update by it"),
    ("name", True, "lease name"),
    ("asset_type", False, "real_estate, equipment, vehicle or other"),
    ("description", False, "property / asset description"),
    ("landlord", False, "lessor as named in AP"),
    ("subsidiary", True, "subsidiary name"),
    ("currency", False, "ISO code; defaults to the subsidiary's"),
    ("commencement_date", True, "YYYY-MM-DD, any day"),
    ("term_months", False, "whole months; blank = the months the end date gives"),
    (
        "end_date",
        False,
        "YYYY-MM-DD, the last day of the lease, any day (a part month counts as one)",
    ),
    ("payment_day", False, "1-31, the day rent is due; blank = the commencement's day"),
    ("standard", False, "asc842 or ifrs16; defaults to the company's"),
    ("classification", False, "operating or finance (ASC 842)"),
    ("discount_rate", True, "annual percent, e.g. 9.04088"),
    ("rate_convention", False, "nominal or effective"),
    ("useful_life_months", False, "months"),
    ("ownership_transfers", False, "yes or no"),
    ("purchase_option_reasonably_certain", False, "yes or no"),
    ("initial_direct_costs", False, "amount"),
    ("prepaid_rent", False, "amount"),
    ("restoration_cost", False, "amount (IFRS 16)"),
    ("payment_amount", True, "base amount of each payment"),
    ("payment_frequency", False, "monthly, quarterly, semi-annual or annual"),
    ("payment_timing", False, "advance or arrears"),
    ("rent_free_months", False, "months"),
    ("escalation_kind", False, "percent or amount"),
    ("escalation_value", False, "percent (3 for 3 %) or amount"),
    ("escalation_every_months", False, "months, default 12"),
    ("index_factor", False, "index at commencement ÷ base index"),
    ("incentive_amount", False, "amount"),
    ("incentive_receivable_on", False, "YYYY-MM-DD; blank = received at commencement"),
    *[(f, False, "account number") for f in ACCOUNT_FIELDS.values()],
    *[(f, False, "segment name") for f in SEGMENT_FIELDS.values()],
]
LEASE_EXAMPLE = {
    "code": "NYC-HQ-01",
    "name": "New York headquarters",
    "asset_type": "real_estate",
    "description": "350 Fifth Avenue, floor 21",
    "landlord": "Empire Realty LLC",
    "subsidiary": "Acme US",
    "currency": "USD",
    "commencement_date": "2026-01-01",
    "term_months": "60",
    "end_date": "2030-12-31",
    "payment_day": "1",
    "standard": "asc842",
    "classification": "operating",
    "discount_rate": "6.5",
    "rate_convention": "nominal",
    "ownership_transfers": "no",
    "purchase_option_reasonably_certain": "no",
    "initial_direct_costs": "5000.00",
    "payment_amount": "25000.00",
    "payment_frequency": "monthly",
    "payment_timing": "advance",
    "rent_free_months": "2",
    "escalation_kind": "percent",
    "escalation_value": "3",
    "escalation_every_months": "12",
}
CHART_COLUMNS = ["number", "name", "type"]
FREQUENCIES = {"monthly": 1, "quarterly": 3, "semi-annual": 6, "semiannual": 6, "annual": 12}
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


def lease_template_csv() -> str:
    """The lease import template: header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c for c, _, _ in LEASE_COLUMNS])
    writer.writerow([LEASE_EXAMPLE.get(c, "") for c, _, _ in LEASE_COLUMNS])
    return out.getvalue()


def chart_template_csv() -> str:
    """The chart-of-accounts template: header and one example row."""
    return "number,name,type\r\n1410,Right-of-use asset,Other Asset\r\n"


def read_csv(upload) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) of an uploaded CSV; raise FileRejected when unreadable."""
    if upload.size > MAX_BYTES:
        raise FileRejected(
            f"The file is {upload.size // 1024} KB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "Split it into several files."
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected("The file is not UTF-8 text: save it as “CSV UTF-8”.") from error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as error:
        raise FileRejected("The file is empty: start from the template.") from error
    except csv.Error as error:
        raise FileRejected(f"Line 1: the file is not valid CSV ({error}).") from error
    rows: list[tuple[int, dict[str, str]]] = []
    bad_cells: list[str] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            bad_cells += _bad_cells(reader.line_num, header, values)
            rows.append(
                (reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False)))
            )
    except csv.Error as error:
        raise FileRejected(
            f"Line {reader.line_num}: the file is not valid CSV ({error})."
        ) from error
    if bad_cells:
        raise FileRejected(" ".join(bad_cells[:20]))
    if len(rows) > MAX_ROWS:
        raise FileRejected(f"The file has {len(rows)} rows; the limit is {MAX_ROWS}.")
    return header, rows


def _bad_cells(line: int, header: list[str], values: list[str]) -> list[str]:
    """ "Line N, column C: …" for every cell a database cannot store (e.g. a NUL byte)."""
    names = header + [f"#{n}" for n in range(len(header) + 1, len(values) + 1)]
    problems = []
    for column, value in zip(names, values, strict=False):
        try:
            clean_cell(value)
        except BadValue as error:
            problems.append(str(RowError(line, column or "(no name)", f"the value {error.reason}")))
    return problems


def _missing_columns(header: list[str], required: list[str]) -> list[RowError]:
    return [RowError(1, c, "this required column is missing.") for c in required if c not in header]


def validate_chart_of_accounts(
    company, upload
) -> tuple[list[tuple[str, str, str]], list[RowError]]:
    """Validated (number, name, type) rows and every row error of a chart-of-accounts CSV."""
    header, rows = read_csv(upload)
    errors = _missing_columns(header, ["number", "name"])
    if errors:
        return [], errors
    valid: list[tuple[str, str, str]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        number, name = row.get("number", ""), row.get("name", "")
        if not number:
            errors.append(RowError(line, "number", "enter the account number."))
        elif len(number) > 40:
            errors.append(RowError(line, "number", "at most 40 characters."))
        elif number in seen:
            errors.append(RowError(line, "number", f"{number} is already on line {seen[number]}."))
        if not name:
            errors.append(RowError(line, "name", "enter the account name."))
        elif len(name) > 200:
            errors.append(RowError(line, "name", "at most 200 characters."))
        seen.setdefault(number, line)
        valid.append((number, name, row.get("type", "")[:60]))
    return ([] if errors else valid), errors


class _Row:
    """Typed reads of one CSV row that collect errors instead of stopping at the first."""

    def __init__(self, line: int, row: dict[str, str], errors: list[RowError]):
        self.line, self.row, self.errors = line, row, errors

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.line, column, reason))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.error(column, "this value is required.")
        elif len(value) > max_length:
            self.error(column, f"at most {max_length} characters.")
        return value

    def decimal(
        self,
        column: str,
        *,
        required: bool = False,
        default: Any = None,
        max_digits: int = MONEY_MAX_DIGITS,
        decimal_places: int = MONEY_DECIMAL_PLACES,
    ) -> Any:
        value = self.row.get(column, "")
        if not value:
            if required:
                self.error(column, "this value is required.")
            return default
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            self.error(column, f"“{value}” is not a number.")
            return default
        try:
            return check_decimal(number, max_digits=max_digits, decimal_places=decimal_places)
        except BadValue as error:
            self.error(column, f"“{value[:40]}” {error.reason}")
            return default

    def integer(self, column: str, *, required: bool = False, default: Any = None) -> Any:
        value = self.row.get(column, "")
        if not value:
            if required:
                self.error(column, "this value is required.")
            return default
        if not (value.isascii() and value.isdigit()):
            self.error(column, f"“{value[:40]}” is not a whole number of months.")
            return default
        try:
            # Past 40 digits it is out of range anyway (and int() refuses thousands of digits).
            return check_integer(int(value) if len(value) <= 40 else -1, minimum=0)
        except BadValue as error:
            self.error(column, f"“{value[:40]}” {error.reason}")
            return default

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.row.get(column, "")
        if not value:
            if required:
                self.error(column, "this value is required.")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(column, f"“{value}” is not a date in YYYY-MM-DD form.")
            return None

    def choice(self, column: str, allowed: dict[str, Any], default: Any) -> Any:
        value = self.row.get(column, "").lower()
        if not value:
            return default
        if value not in allowed:
            self.error(column, f"“{value}” is not one of {', '.join(sorted(allowed))}.")
            return default
        return allowed[value]

    def payment_day(self) -> int | None:
        value = self.row.get("payment_day", "")
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 2 and 1 <= int(value) <= 31):
            # The engine's sentence (leases/engine/validation.py).
            self.error("payment_day", "The payment day is a day of the month, from 1 to 31.")
            return None
        return int(value)

    def flag(self, column: str) -> bool:
        value = self.row.get(column, "").lower()
        if value not in YES | NO:
            self.error(column, f"“{value}” is not yes or no.")
        return value in YES


# Engine field names → the CSV column to blame.
ISSUE_COLUMNS = {
    "annual_rate": "discount_rate",
    "payments": "payment_amount",
    "payments[0].amount": "payment_amount",
    "payments[0].escalations": "escalation_value",
    "payments[0].escalations[0].value": "escalation_value",
    "payments[0].escalations[0].every_months": "escalation_every_months",
    "payments[0].rent_free_months": "rent_free_months",
    "payments[0].frequency": "payment_frequency",
    "payments[0].index_factor": "index_factor",
    "incentives[0].amount": "incentive_amount",
    "incentives[0].receivable_on": "incentive_receivable_on",
    "incentives": "incentive_amount",
}


# What a lease keeps from its page and the file cannot hold: its restoration provision, whose
# present value is its restoration cost. A row passes the import's own engine check without it;
# the lease service refuses the two only when the file's standard says ASC 842.
KEPT_BY_THE_LEASE = {"restoration_estimate": "standard", "restoration_cost": "standard"}


def _column_of(field: str) -> str:
    """The file's column an engine or model field is about, "" when the file has none."""
    column = KEPT_BY_THE_LEASE.get(field) or ISSUE_COLUMNS.get(field, field)
    return column if column in {c for c, _, _ in LEASE_COLUMNS} else ""


def row_refusals(line: int, error: ValidationError) -> list[RowError]:
    """A lease service's refusal of an imported row as the file's problems: each sentence names
    the column it is about instead of the engine's or the model's field, days in the company's
    format (leases/forms_text.py)."""
    if hasattr(error, "error_dict"):
        said = [(field, m) for field, ms in error.message_dict.items() for m in ms]
    else:
        said = [("", m) for m in error.messages]
    problems = []
    for field, message in said:
        named = ENGINE_FIELD.search(message)
        field = named[1] if named else "" if field == NON_FIELD_ERRORS else field
        engine_field, sentence = split_refusal(message)
        column = _column_of(field) or _column_of(engine_field)
        problems.append(RowError(line, column, sentence))
    return problems


def _term_and_stubs(r: _Row, values: dict[str, Any], company) -> None:
    """The term (given, or derived from the end date as the lease form does) and the form's
    refusals of stubs the engine cannot compute yet."""
    start, end = values["commencement_date"], values["end_date"]
    before = len(r.errors)
    term = r.integer("term_months")
    if start is None or len(r.errors) > before:
        return
    term, problems = term_from_end_date(start, end, term)
    for column, message in problems:
        r.error(column, message)
    values["term_months"] = term
    if term:
        for column, message in stub_refusals(
            company=company,
            commencement=start,
            term_months=term,
            end_date=end if end and end > start else None,
            payment_day=values["payment_day"],
            exemption="",
        ):
            r.error(column, message)


def validate_leases(
    company, upload, *, update_existing: bool = True
) -> tuple[list[LeaseRow], list[RowError]]:
    """Validated lease rows and every row error of a lease CSV (nothing is saved)."""
    header, rows = read_csv(upload)
    errors = _missing_columns(header, [c for c, required, _ in LEASE_COLUMNS if required])
    if errors:
        return [], errors
    subsidiaries = {s.name.lower(): s for s in Subsidiary.objects.filter(company=company)}
    accounts = {a.number: a for a in GLAccount.objects.filter(company=company, is_active=True)}
    segments = {
        (s.kind, s.name.lower()): s for s in Segment.objects.filter(company=company, is_active=True)
    }
    existing = set(Lease.objects.filter(company=company).values_list("code", flat=True))
    valid: list[LeaseRow] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        before = len(errors)
        r = _Row(line, raw, errors)
        code = r.text("code", required=True, max_length=40)
        if code in seen:
            r.error("code", f"{code} is already on line {seen[code]}.")
        elif code in existing and not update_existing:
            r.error("code", f"a lease with code {code} already exists.")
        seen.setdefault(code, line)
        subsidiary_name = r.text("subsidiary", required=True)
        subsidiary = subsidiaries.get(subsidiary_name.lower())
        if subsidiary_name and subsidiary is None:
            r.error("subsidiary", f"no subsidiary is named “{subsidiary_name}”.")
        values: dict[str, Any] = {
            "code": code,
            "name": r.text("name", required=True),
            "asset_type": r.choice(
                "asset_type",
                {v: v for v in ("real_estate", "equipment", "vehicle", "other")},
                "real_estate",
            ),
            "description": r.text("description", max_length=5000),
            "landlord": r.text("landlord"),
            "subsidiary": subsidiary,
            "currency": (
                r.text("currency", max_length=3) or (subsidiary.currency if subsidiary else "USD")
            ).upper(),
            "commencement_date": r.day("commencement_date", required=True),
            "term_months": None,
            "end_date": r.day("end_date"),
            "payment_day": r.payment_day(),
            "standard": r.choice(
                "standard", {"asc842": "asc842", "ifrs16": "ifrs16"}, company.default_standard
            ),
            "classification": r.choice(
                "classification", {"operating": "operating", "finance": "finance"}, ""
            ),
            "discount_rate": r.decimal(
                "discount_rate", required=True, max_digits=10, decimal_places=6
            ),
            "rate_convention": r.choice(
                "rate_convention", {"nominal": "nominal", "effective": "effective"}, "nominal"
            ),
            "useful_life_months": r.integer("useful_life_months"),
            "ownership_transfers": r.flag("ownership_transfers"),
            "purchase_option_reasonably_certain": r.flag("purchase_option_reasonably_certain"),
            "initial_direct_costs": r.decimal("initial_direct_costs", default=Decimal(0)),
            "prepaid_rent": r.decimal("prepaid_rent", default=Decimal(0)),
            "restoration_cost": r.decimal("restoration_cost", default=Decimal(0)),
        }
        if values["standard"] == "ifrs16":
            values["classification"] = ""
        _term_and_stubs(r, values, company)
        if values["discount_rate"] is not None and values["discount_rate"] < 0:
            r.error("discount_rate", "the discount rate cannot be negative.")
        for name in ACCOUNT_FIELDS.values():
            number = raw.get(name, "")
            values[name] = accounts.get(number) if number else None
            if number and values[name] is None:
                r.error(name, f"account {number} is not in your chart of accounts.")
        for kind, name in SEGMENT_FIELDS.items():
            segment_name = raw.get(name, "")
            values[name] = (
                segments.get((kind.value, segment_name.lower())) if segment_name else None
            )
            if segment_name and values[name] is None:
                r.error(name, f"no {kind.label.lower()} is named “{segment_name}”.")
        kind = r.choice("escalation_kind", {"percent": "percent", "amount": "amount"}, "")
        escalation_value = r.decimal("escalation_value", max_digits=18, decimal_places=6)
        amount = r.decimal("payment_amount", required=True, default=Decimal(0))
        if kind and escalation_value is None:
            r.error("escalation_value", "enter the escalation percentage or amount.")
        if kind and not amount:
            r.error("escalation_value", "an escalation needs a base amount to escalate.")
        payment = PaymentInput(
            amount=amount,
            frequency=r.choice("payment_frequency", FREQUENCIES, 1),
            timing=r.choice(
                "payment_timing", {"advance": "advance", "arrears": "arrears"}, "advance"
            ),
            rent_free_months=r.integer("rent_free_months", default=0),
            escalation_kind=kind,
            escalation_value=escalation_value,
            escalation_every_months=r.integer("escalation_every_months", default=12),
            index_factor=r.decimal("index_factor", max_digits=12, decimal_places=8),
        )
        incentive_amount = r.decimal("incentive_amount")
        incentives = (
            [IncentiveInput(incentive_amount, r.day("incentive_receivable_on"))]
            if incentive_amount
            else []
        )
        if len(errors) == before:
            # Only a row that parsed cleanly can be measured.
            terms = terms_from_input(values, [payment], incentives, day_count=company.day_count)
            for issue in engine.validate_terms(terms):
                column = ISSUE_COLUMNS.get(issue.field, issue.field)
                if column not in {c for c, _, _ in LEASE_COLUMNS}:
                    column = ""
                r.error(column, issue.message)
        valid.append(LeaseRow(line, values, [payment], incentives))
    return ([] if errors else valid), errors
