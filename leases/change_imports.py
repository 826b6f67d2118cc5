"""CSV import of lease changes (a yearly CPI review): validate every line, then save all or none."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from leases import engine
from leases.change_forms import restoration_paid_refusal
from leases.change_selectors import (
    NOT_SUPPORTED,
    change_supported,
    changed_schedule,
    engine_change,
    leases_for_changes,
)
from leases.change_services import SeparateLease, is_separate_lease, separate_lease_plan
from leases.engine.fast import fast_schedule
from leases.engine.jsonio import change_from_json
from leases.imports import RowError, _missing_columns, _Row, read_csv
from leases.models import Lease, LeaseChangeStatus, LeaseStatus
from leases.selectors import company_go_live, lease_go_live, lease_schedule, lease_terms

HUNDRED = Decimal(100)
ZERO = Decimal(0)
FREQUENCIES = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "semi-annual": "semi_annual",
    "semi_annual": "semi_annual",
    "annual": "annual",
}

# (column, required, what it holds) — docs/leases.md documents the same list.
CHANGE_COLUMNS: list[tuple[str, bool, str]] = [
    ("lease_code", True, "the code of an active lease"),
    ("kind", True, ", ".join(k.value for k in engine.ChangeKind)),
    ("effective_date", True, "YYYY-MM-DD, any day (whole months: from the 1st of its month)"),
    ("new_payment", False, "each payment from the effective date"),
    ("payment_frequency", False, "monthly, quarterly, semi-annual or annual; default: as now"),
    ("payment_timing", False, "advance or arrears; default: as now"),
    ("term_months", False, "new total term from commencement"),
    ("discount_rate", False, "annual percent at the change (modifications and term changes)"),
    ("scope_percent", False, "share of the asset given back, percent (decrease in scope)"),
    ("amount", False, "termination payment, purchase price or impairment loss"),
    (
        "restoration_paid",
        False,
        "termination of an IFRS 16 lease with a restoration provision only: the restoration "
        "cost paid on the termination date; blank = the provision as it stands (a difference "
        "is a gain or loss)",
    ),
    (
        "classification",
        False,
        "operating or finance (ASC 842 reclassification, or the separate lease's)",
    ),
    (
        "separate_lease",
        False,
        "yes or no (blank = no): an increase in scope priced at its "
        "standalone price is a new lease, <code>-S1, from the effective date with the new payment, "
        "discount rate and term (IFRS 16.44, ASC 842-10-25-8)",
    ),
    ("reason", False, "a note kept with the change"),
]
EXAMPLE = {
    "lease_code": "NYC-HQ-01",
    "kind": "index",
    "effective_date": "2027-01-01",
    "new_payment": "10450.00",
    "reason": "CPI review 2027 (+4.5 %)",
}


@dataclass(frozen=True)
class ChangeRow:
    """One validated change of an import file, with its preview figures."""

    line: int
    lease: Lease
    kind: str
    effective: date
    details: dict[str, Any]
    reason: str
    event: engine.ChangeEvent | None  # None for a separate lease: this lease does not change
    separate: SeparateLease | None = None

    @property
    def restoration(self) -> dict[str, Decimal] | None:
        """A termination's settlement of the restoration provision, as the form's preview shows
        it in the entry: the provision settled, the cost paid and the gain (+) or loss (−)."""
        if self.event is None:
            return None
        settled = sum(
            (x.debit for x in self.event.lines if x.role is engine.AccountRole.PROVISION), ZERO
        )
        if not settled:
            return None
        paid = self.details.get("restoration_paid")
        paid = settled if paid is None else Decimal(paid)
        return {"settled": settled, "paid": paid, "gain_loss": settled - paid}

    @property
    def separate_figures(self) -> dict[str, Any]:
        """The separate lease's measurement, as the preview shows it."""
        posted = self.separate.schedule.posted()
        first = self.separate.schedule.posted_months()[0]
        cost = first.straight_line_cost
        return {
            "period": self.separate.values["commencement_date"],
            "liability": posted.liability,
            "rou": posted.rou,
            "monthly_cost": cost if cost is not None else first.interest + first.rou_amortization,
        }


def change_template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c for c, _, _ in CHANGE_COLUMNS])
    writer.writerow([EXAMPLE.get(c, "") for c, _, _ in CHANGE_COLUMNS])
    return out.getvalue()


def _details(r: _Row, lease: Lease | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    payment = r.decimal("new_payment")
    if payment is not None:
        if payment < 0:
            r.error("new_payment", "a payment cannot be negative.")
        current = next(iter(lease.payments.all()), None) if lease else None
        names = {1: "monthly", 3: "quarterly", 6: "semi_annual", 12: "annual"}
        frequency = r.choice(
            "payment_frequency",
            FREQUENCIES,
            names.get(current.frequency, "monthly") if current else "monthly",
        )
        timing = r.choice(
            "payment_timing",
            {"advance": "advance", "arrears": "arrears"},
            current.timing if current else "advance",
        )
        out["payments"] = [{"amount": str(payment), "frequency": frequency, "timing": timing}]
    term = r.integer("term_months")
    if term is not None:
        out["term_months"] = term
    rate = r.decimal("discount_rate")
    if rate is not None:
        out["annual_rate"] = str(rate / HUNDRED)
    scope = r.decimal("scope_percent")
    if scope is not None:
        out["scope_fraction"] = str(scope / HUNDRED)
    amount = r.decimal("amount")
    if amount is not None:
        out["amount"] = str(amount)
    paid = r.decimal("restoration_paid")
    if paid is not None:
        refusal = (
            "the restoration cost paid cannot be negative."
            if paid < 0
            else restoration_paid_refusal(r.row.get("kind", "").lower(), lease)
        )
        if refusal:
            r.error("restoration_paid", refusal)
        else:
            out["restoration_paid"] = str(paid)
    classification = r.choice(
        "classification", {"operating": "operating", "finance": "finance"}, None
    )
    if classification:
        out["classification"] = classification
    if r.flag("separate_lease"):
        if r.row.get("kind", "").lower() == engine.ChangeKind.INCREASE_SCOPE:
            out["separate_lease"] = True
        else:
            r.error(
                "separate_lease",
                "only an increase in scope can be a separate lease (leave it blank or no).",
            )
    return out


# What a sentence of `separate_lease_plan` is about → the column to fix.
SEPARATE_COLUMNS = (
    ("payments", "new_payment"),
    ("discount rate", "discount_rate"),
    ("is closed", "effective_date"),
    ("commence after", "effective_date"),
    ("end after", "term_months"),
)
# A separate lease's own fields: its payments' amount is the new payment (no termination amount).
SEPARATE_FIELDS = {"amount": "new_payment", "frequency": "payment_frequency",
                   "timing": "payment_timing"}  # fmt: skip
ENGINE_FIELD = re.compile(r"\(([\w.\[\]]+)\)$")  # "message (field)" of an engine issue


def _separate_column(message: str) -> str:
    found = ENGINE_FIELD.search(message)
    if found:
        name = found[1].rsplit(".", 1)[-1]
        return SEPARATE_FIELDS.get(name) or COLUMN_OF.get(name, "separate_lease")
    lowered = message.lower()
    return next((c for words, c in SEPARATE_COLUMNS if words in lowered), "separate_lease")


def _separate_row(r: _Row, lease: Lease, effective: date, details: dict, taken: dict):
    """The lease a separate-lease line creates, checked as the *Change lease* form checks it;
    None (errors recorded) when it cannot be created."""
    try:
        plan = separate_lease_plan(
            lease=lease, effective=effective, details=details, reference=f"line {r.line}"
        )
    except ValidationError as error:
        for message in error.messages:
            # The column is named; the engine's own name for it is not shown.
            r.error(_separate_column(message), ENGINE_FIELD.sub("", message).rstrip())
        return None
    # Several in one file: approved one after another, they take the next codes.
    earlier = taken.get(lease.pk, 0)
    taken[lease.pk] = earlier + 1
    if earlier:
        number = int(plan.code.rsplit("-S", 1)[1]) + earlier
        plan = SeparateLease(f"{lease.code}-S{number}", plan.values, plan.payments, plan.terms,
                             plan.schedule)  # fmt: skip
    return plan


def _own_schedule(lease: Lease, go_live):
    """The lease's schedule before changes; a plain lease through the engine's fast path (the
    same figures as `build_schedule`, computed with fewer Decimal operations)."""
    if not lease.exemption and lease_go_live(lease, go_live) is None:
        return fast_schedule(lease_terms(lease))
    return lease_schedule(lease, go_live)


def validate_changes_file(company, upload) -> tuple[list[ChangeRow], list[RowError]]:
    """Validated change rows (each previewed by the engine) and every error, by line and column."""
    from leases.imports import FileRejected

    try:
        header, rows = read_csv(upload)
    except FileRejected as error:
        return [], [RowError(1, "", str(error))]
    errors = _missing_columns(header, [c for c, required, _ in CHANGE_COLUMNS if required])
    if errors:
        return [], errors
    codes = {raw.get("lease_code", "") for _, raw in rows}
    leases = {
        lease.code: lease
        for lease in leases_for_changes(
            Lease.objects.filter(company=company, code__in=codes), company=company
        )
    }
    kinds = {k.value: k.value for k in engine.ChangeKind}
    valid: list[ChangeRow] = []
    # Changes earlier in the file count for the later lines of the same lease.
    proposed: dict[int, list[engine.LeaseChange]] = {}
    separate_codes: dict[int, int] = {}  # separate leases per lease, so far in the file
    bases: dict = {}  # each lease's own schedule (from commencement or go-live), built once
    go_live = company_go_live(company)
    for line, raw in rows:
        before = len(errors)
        r = _Row(line, raw, errors)
        code = r.text("lease_code", required=True, max_length=40)
        lease = leases.get(code)
        if code and lease is None:
            r.error("lease_code", f"no lease has the code {code}.")
        elif lease is not None and lease.status != LeaseStatus.ACTIVE:
            r.error("lease_code", f"lease {code} is not active; edit a draft directly.")
        elif lease is not None and not change_supported(lease):
            r.error("lease_code", f"lease {code}: {NOT_SUPPORTED.message}.")
        kind = r.choice("kind", kinds, None)
        if kind is None and not raw.get("kind"):
            r.error("kind", "this value is required.")
        effective = r.day("effective_date", required=True)
        reason = r.text("reason", max_length=300)
        details = _details(r, lease)
        if len(errors) > before or lease is None or kind is None or effective is None:
            continue
        if is_separate_lease(kind, details):
            # A new lease, not a change of this one: later lines see this lease unchanged.
            plan = _separate_row(r, lease, effective, details, separate_codes)
            if plan is not None:
                valid.append(ChangeRow(line, lease, kind, effective, details, reason, None, plan))
            continue
        data = dict(details, kind=kind, effective=effective.isoformat(), reference=f"line {line}")
        try:
            change = change_from_json(data)
            approved = [
                engine_change(c)
                for c in lease.changes.all()
                if c.status == LeaseChangeStatus.APPROVED
            ]
            earlier = proposed.setdefault(lease.pk, [])
            if lease.pk not in bases:
                bases[lease.pk] = _own_schedule(lease, go_live)
            schedule = changed_schedule(bases[lease.pk], [*approved, *earlier, change])
        except engine.LeaseTermsError as error:
            for issue in error.issues:
                column = issue.field.rsplit(".", 1)[-1]
                r.error(COLUMN_OF.get(column, ""), issue.message)
            continue
        earlier.append(change)
        event = next(e for e in schedule.events if e.change is change)
        valid.append(ChangeRow(line, lease, kind, effective, details, reason, event))
    return valid, errors


# The engine's field names → the file's columns, so an error points at the right cell.
COLUMN_OF = {
    "effective": "effective_date",
    "term_months": "term_months",
    "annual_rate": "discount_rate",
    "scope_fraction": "scope_percent",
    "amount": "amount",
    "restoration_paid": "restoration_paid",
    "classification": "classification",
    "payments": "new_payment",
    "separate_lease": "kind",
}
