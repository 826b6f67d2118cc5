"""Plain-language validation of lease terms, for forms and the JSON command."""

from __future__ import annotations

from decimal import Decimal

from .dates import months_between, term_months_through
from .types import (
    ZERO,
    DayCount,
    EscalationKind,
    Frequency,
    LeaseTerms,
    LeaseTermsError,
    Standard,
    TermsIssue,
)

MAX_TERM_MONTHS = 1200  # 100 years: beyond this the input is almost certainly a typo


def validate_terms(terms: LeaseTerms) -> list[TermsIssue]:
    """Every inconsistency in `terms`, each as (field, message); empty when the terms are usable."""
    issues: list[TermsIssue] = []

    def add(field: str, message: str) -> None:
        issues.append(TermsIssue(field, message))

    n = terms.term_months
    if n <= 0:
        add("term_months", "The lease term must be at least one month.")
    elif n > MAX_TERM_MONTHS:
        add("term_months", f"The lease term cannot exceed {MAX_TERM_MONTHS} months.")
    if not terms.annual_rate.is_finite() or terms.annual_rate < 0:
        add("annual_rate", "The discount rate cannot be negative.")
    elif terms.annual_rate >= 1:
        add(
            "annual_rate",
            "The discount rate is a fraction (0.05 for 5 %); a rate of 100 % or more is not valid.",
        )
    if terms.standard is Standard.ASC_842 and terms.classification is None:
        add("classification", "An ASC 842 lease must be classified as operating or finance.")
    if terms.standard is Standard.ASC_842 and terms.restoration_cost:
        add(
            "restoration_cost",
            "Restoration costs are added to the right-of-use asset only under IFRS 16; "
            "under ASC 842 record them as an asset retirement obligation instead.",
        )
    if terms.restoration_estimate:
        if terms.standard is Standard.ASC_842:
            add(
                "restoration_estimate",
                "A restoration provision is added to the right-of-use asset only under IFRS 16; "
                "under ASC 842 record an asset retirement obligation instead.",
            )
        if terms.restoration_estimate < 0 or _finer_than_currency(
            terms.restoration_estimate, terms.currency_decimals
        ):
            add(
                "restoration_estimate",
                f"Enter the expected cost as a positive amount with at most "
                f"{terms.currency_decimals} decimals.",
            )
    rate = terms.restoration_rate
    if rate is not None and (not rate.is_finite() or not 0 <= rate < 1):
        add("restoration_rate", "The rate is a fraction between 0 and 1 (0.05 for 5 %).")
    if not 0 <= terms.currency_decimals <= 6:
        add("currency_decimals", "Currency decimals must be between 0 and 6.")
    for name in ("initial_direct_costs", "prepaid_rent", "restoration_cost"):
        amount = getattr(terms, name)
        if amount < 0:
            add(name, "This amount cannot be negative.")
        elif _finer_than_currency(amount, terms.currency_decimals):
            add(name, f"Enter this amount with at most {terms.currency_decimals} decimals.")
    _validate_amortization(terms, add)
    dated = _validate_dates(terms, add)
    if not terms.payments:
        add("payments", "Enter at least one payment stream.")
    for i, stream in enumerate(terms.payments):
        prefix = f"payments[{i}]"
        if stream.amount < 0:
            add(f"{prefix}.amount", "A payment cannot be negative.")
        if stream.escalations and stream.amount == 0 and not stream.steps:
            add(f"{prefix}.escalations", "An escalation needs a base amount to escalate.")
        if stream.rent_free_months < 0:
            add(f"{prefix}.rent_free_months", "Rent-free months cannot be negative.")
        elif n > 0 and stream.rent_free_months >= n:
            add(
                f"{prefix}.rent_free_months",
                "The rent-free period must be shorter than the lease term.",
            )
        if dated and stream.frequency is not Frequency.MONTHLY:
            add(
                f"{prefix}.frequency",
                "With an end date or payment day off the monthly anniversary of commencement, "
                "payments must be monthly.",
            )
        elif n > 0 and n % int(stream.frequency) != 0:
            add(
                f"{prefix}.frequency",
                f"A {n}-month term is not a whole number of {stream.frequency.name.lower()} "
                "payment periods.",
            )
        if stream.index_factor is not None and stream.index_factor <= 0:
            add(f"{prefix}.index_factor", "The index factor must be greater than zero.")
        for j, esc in enumerate(stream.escalations):
            if esc.every_months <= 0:
                add(f"{prefix}.escalations[{j}].every_months", "Escalate at least every month.")
            if esc.kind is EscalationKind.PERCENT and esc.value <= -1:
                add(f"{prefix}.escalations[{j}].value", "A decrease of 100 % or more is not valid.")
        for j, step in enumerate(stream.steps):
            if step.amount < 0:
                add(f"{prefix}.steps[{j}].amount", "A payment cannot be negative.")
            if n > 0 and not 0 <= months_between(terms.commencement, step.effective) < n:
                add(f"{prefix}.steps[{j}].effective", "The step date must fall within the term.")
    for i, incentive in enumerate(terms.incentives):
        if incentive.amount < 0:
            add(f"incentives[{i}].amount", "Enter incentives as positive amounts.")
        elif _finer_than_currency(incentive.amount, terms.currency_decimals):
            add(
                f"incentives[{i}].amount",
                f"Enter this amount with at most {terms.currency_decimals} decimals.",
            )
        on = incentive.receivable_on
        if on is not None and n > 0:
            offset = months_between(terms.commencement, on)
            if on < terms.commencement or offset >= n:
                add(
                    f"incentives[{i}].receivable_on",
                    "The incentive receivable date must fall within the lease term.",
                )
    return issues


def _validate_dates(terms: LeaseTerms, add) -> bool:  # noqa: ANN001 - local callback
    """End date and payment day; True when the lease has stubs (and the dates are usable)."""
    end, day = terms.end_date, terms.payment_day
    ok = True
    if day is not None and not 1 <= day <= 31:
        add("payment_day", "The payment day is a day of the month, from 1 to 31.")
        ok = False
    if end is not None:
        if end < terms.commencement:
            add("end_date", "The end date must fall on or after the commencement date.")
            ok = False
        elif (expected := term_months_through(terms.commencement, end)) != terms.term_months:
            add(
                "term_months",
                f"The end date gives a term of {expected} months (a part month counts as one), "
                f"not {terms.term_months}.",
            )
            ok = False
    if (
        not ok
        or not 0 < terms.term_months <= MAX_TERM_MONTHS
        # Neither an end date nor a payment day: nothing can leave the anniversary rule.
        or (end is None and day is None)
        or not terms.is_dated
    ):
        return False
    if terms.day_count is not DayCount.ACTUAL_DAYS:
        add(
            "day_count",
            "An end date or payment day off the monthly anniversary of commencement needs the "
            "actual-days convention.",
        )
    return True


# The currency unit of each number of decimals the terms may have (0 to 6), made once.
_UNITS = {decimals: Decimal(1).scaleb(-decimals) for decimals in range(7)}


def _finer_than_currency(amount: Decimal, decimals: int) -> bool:
    """True when `amount` has digits below the currency unit (it is posted as entered)."""
    unit = _UNITS.get(decimals)
    if unit is None:
        unit = Decimal(1).scaleb(-decimals)
    return amount.is_finite() and amount != amount.quantize(unit)


def _validate_amortization(terms: LeaseTerms, add) -> None:  # noqa: ANN001 - local callback
    """Useful life and ownership flags that decide the amortization period."""
    life = terms.useful_life_months
    if life is not None and life <= 0:
        add("useful_life_months", "The useful life must be at least one month.")
    elif life is not None and life > MAX_TERM_MONTHS:
        add("useful_life_months", f"The useful life cannot exceed {MAX_TERM_MONTHS} months.")
    transfers = terms.ownership_transfers or terms.purchase_option_reasonably_certain
    if transfers and life is None:
        add(
            "useful_life_months",
            "Enter the useful life: the asset is amortized over it when ownership transfers "
            "or a purchase option is reasonably certain.",
        )
    if transfers and terms.is_operating:
        add(
            "classification",
            "A lease that transfers ownership or has a purchase option reasonably certain "
            "to be exercised is a finance lease under ASC 842.",
        )


def check_terms(terms: LeaseTerms) -> None:
    """Raise `LeaseTermsError` listing every issue when the terms are not usable."""
    issues = validate_terms(terms)
    if issues:
        raise LeaseTermsError(issues)


def check_rou(rou: Decimal) -> None:
    """Reject a negative ROU asset (incentives larger than everything else)."""
    if rou < ZERO:
        raise LeaseTermsError(
            [
                TermsIssue(
                    "incentives",
                    "Incentives received exceed the lease liability plus payments and costs, "
                    "which would make the right-of-use asset negative.",
                )
            ]
        )
