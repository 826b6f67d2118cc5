"""The schedule row of the month an exemption ends inside carries what the entry posts.

The close posts the days before the change as the exempt lease's straight-line cost, and from
the change the recognised lease's cost. The row of that month is the recognised lease's (its
balances from the day); its `straight_line_cost` holds the exempt days' cost, added to the
recognised lease's single cost under ASC 842 (operating), on its own beside the interest and
amortization under IFRS 16 (where it was missing: the 451.61 of 1-14 March was only in the
entry). Every row's cost is then its month's expense lines.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from leases.engine import (
    AccountRole,
    ChangeKind,
    Classification,
    DayCount,
    LeaseChange,
    LeaseTerms,
    PaymentStream,
    Standard,
)
from leases.engine.exemptions import build_exempt_changed_schedule

from .test_exempt_mid_month import copier, exempt

EXPENSE = (
    AccountRole.SHORT_TERM_EXPENSE,
    AccountRole.LEASE_EXPENSE,
    AccountRole.INTEREST_EXPENSE,
    AccountRole.ROU_AMORTIZATION,
)


def row_cost(row, single: bool) -> D:
    """A row's cost: the single straight-line cost (ASC 842 operating), or the exempt days'
    straight-line cost and the interest and amortization (IFRS 16)."""
    if single:
        return row.straight_line_cost
    return (row.straight_line_cost or D(0)) + row.interest + row.rou_amortization


def posted_cost(schedule, k: int) -> D:
    return sum((x.debit - x.credit for x in schedule.periodic_lines(k) if x.role in EXPENSE), D(0))


def part_months(standard) -> LeaseTerms:
    return LeaseTerms(
        commencement=date(2026, 3, 10),
        term_months=4,
        end_date=date(2026, 6, 30),
        payment_day=1,
        standard=standard,
        classification=None,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("1500.00")),),
        day_count=DayCount.ACTUAL_DAYS,
    )


@pytest.mark.parametrize("standard", list(Standard))
@pytest.mark.parametrize(
    "terms, on, months",
    [
        (copier, date(2026, 3, 15), {Standard.IFRS_16: 24, Standard.ASC_842: 25}),
        (copier, date(2026, 3, 1), {Standard.IFRS_16: 24, Standard.ASC_842: 25}),
        (part_months, date(2026, 5, 15), {Standard.IFRS_16: 18, Standard.ASC_842: 18}),
    ],
)
def test_every_row_costs_what_its_entry_posts(standard, terms, on, months):
    lease = terms(standard)
    if standard is Standard.ASC_842:
        lease = replace(lease, classification=Classification.OPERATING)
    change = LeaseChange(ChangeKind.TERM, on, term_months=months[standard], annual_rate=D("0.06"))
    schedule = build_exempt_changed_schedule(exempt(lease), [change])
    rows = schedule.posted_months()
    assert schedule.recognised is not None
    for k, row in enumerate(rows):
        single = standard is Standard.ASC_842 or k < schedule.recognised_from
        assert row_cost(row, single) == posted_cost(schedule, k), (k, row)
    change_row = rows[schedule.recognised_from]
    if on.day == 15 and standard is Standard.IFRS_16 and terms is copier:
        assert change_row.straight_line_cost == D("451.61")
        assert (change_row.interest, change_row.rou_amortization) == (D("54.66"), D("521.23"))
    if on.day == 1:  # nothing exempt in the month: the recognised lease's own row
        asc = standard is Standard.ASC_842
        assert change_row.straight_line_cost == (D("1000.00") if asc else None)
