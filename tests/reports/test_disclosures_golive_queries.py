"""The IFRS 16 go-live figures (C12(a)) cost a fixed number of queries whatever the number of
leases brought in at go-live, and once the go-live month is closed and its figures kept they are
read from them rather than from every lease's go-live schedule, with the same amounts."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from closebooks.models import AccountingPeriod
from leases.models import LeaseChange, LeaseOpeningBalance
from reports.periods import fiscal_range
from reports.selectors import ifrs16_transition
from reports.snapshots import period_facts_keep
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import close_through
from tests.reports.test_disclosures_ifrs16_transition import go_live

JUL = date(2026, 7, 1)
IFRS = {"standard": "ifrs16", "classification": ""}


def bring_in(company, first: int, count: int) -> None:
    """`count` IFRS 16 leases and as many ASC 842 ones commencing before go-live in July 2026;
    every other IFRS 16 lease with a transition rate of its own."""
    for n in range(first, first + count):
        lease = make_lease(company, code=f"I-{n:02d}", commencement=date(2024, 1 + n % 12, 1),
                           term_months=60, amount=f"{1000 + 10 * n}.00",
                           discount_rate=D("4") + n % 3, **IFRS)  # fmt: skip
        if n % 2:
            LeaseOpeningBalance.objects.create(lease=lease, transition_rate=D("5.25"))
        make_lease(company, code=f"U-{n:02d}", commencement=date(2025, 1 + n % 12, 1),
                   term_months=48, discount_rate=D("6"))  # fmt: skip


def queries_of_transition(company) -> tuple[int, dict]:
    span = fiscal_range(company, 2026)
    with CaptureQueriesContext(connection) as captured:
        result = ifrs16_transition(company, span)
    return len(captured), result


def figures(result) -> dict:
    return {
        currency: [(code, amount, rate.normalize()) for code, amount, rate in item.liabilities]
        for currency, item in result.items()
    }


@pytest.fixture
def company(personas):
    set_up_accounting(personas.company)
    bring_in(personas.company, 0, 2)
    return go_live(personas, JUL)


def test_the_go_live_figures_cost_the_same_queries_for_two_leases_as_for_eight(company):
    few, result = queries_of_transition(company)
    assert len(result["USD"].liabilities) == 2
    bring_in(company, 2, 6)
    many, result = queries_of_transition(company)
    assert len(result["USD"].liabilities) == 8
    # Leases and their values, the go-live month, then payments (with steps) and incentives.
    assert many == few <= 6


def test_once_the_go_live_month_is_kept_its_figures_are_read_with_the_same_amounts(
    company, personas
):
    bring_in(company, 2, 4)
    _, computed = queries_of_transition(company)
    close_through(company, JUL, personas.accountant.user)
    july = AccountingPeriod.objects.get(company=company, start=JUL)
    period_facts_keep(period_ids=[july.pk])
    few, kept = queries_of_transition(company)
    assert figures(kept) == figures(computed)
    assert kept["USD"].liability == computed["USD"].liability
    assert kept["USD"].rate == computed["USD"].rate
    # No lease's payments are loaded: the leases, the go-live month and its kept figures.
    assert few <= 3


def test_a_lease_changed_since_is_still_measured_at_go_live_from_its_schedule(company, personas):
    """A change after go-live moves the kept month's figures of a later month, not the liability
    recognised at go-live: that lease is measured from its go-live schedule, the rest read."""
    _, computed = queries_of_transition(company)
    close_through(company, JUL, personas.accountant.user)
    july = AccountingPeriod.objects.get(company=company, start=JUL)
    period_facts_keep(period_ids=[july.pk])
    read, _ = queries_of_transition(company)
    lease = company.leases.get(code="I-01")
    LeaseChange.objects.create(company=company, lease=lease, number=1, kind="term",
                               effective_date=date(2026, 9, 1))  # fmt: skip
    measured, kept = queries_of_transition(company)
    assert figures(kept) == figures(computed)
    assert measured > read  # its payments were loaded to build its go-live schedule
