"""A lease's end date and payment day: the term they give, and whether a lease with stubs (an end
date or payment day off the monthly anniversary of commencement) can be computed yet.

One place for the lease form and the imports, so each says the same sentence and a rule lifted
here is lifted everywhere.
"""

from __future__ import annotations

from datetime import date

from leases.engine.dates import has_stubs, term_months_through

Problem = tuple[str, str]  # (field, sentence)


def term_from_end_date(
    commencement: date, end_date: date | None, term_months: int | None
) -> tuple[int | None, list[Problem]]:
    """The term in months, derived from the end date when none is given (a part month counts
    as one) or checked against it; with the problems found."""
    if end_date is None:
        if term_months is None:
            return None, [("term_months", "Enter the term in months, or the end date.")]
        return term_months, []
    if end_date <= commencement:
        return term_months, [("end_date", "The end date must be after the commencement date.")]
    months = term_months_through(commencement, end_date)
    if term_months is None:
        return months, []
    if term_months != months:
        return term_months, [
            (
                "end_date",
                f"The end date gives a {months}-month term (a part month counts as one), but "
                f"the term says {term_months}.",
            )
        ]
    return term_months, []


def stub_refusals(
    *,
    company,
    commencement: date,
    term_months: int,
    end_date: date | None,
    payment_day: int | None,
    exemption: str,
) -> list[Problem]:
    """Why this lease's stubs cannot be computed; empty when it has none or they can be.

    Stubs are computed on real dates, so they need the company to count actual days; exempt
    leases and leases brought in at go-live take them too (`exemption` is kept for callers)."""
    if not has_stubs(commencement, term_months, end_date, payment_day):
        return []
    off_day = payment_day is not None and payment_day != commencement.day
    field = "payment_day" if off_day else "end_date"
    problems: list[Problem] = []
    if company.day_count != "actual_days":
        problems.append(
            (
                field,
                "A payment day or end date off the monthly anniversary of commencement needs "
                "partial months counted by actual days (Settings → Company → Partial months).",
            )
        )
    return problems
