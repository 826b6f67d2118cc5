"""Changes to a short-term or low-value lease.

IFRS 16.7: a lessee that applies the short-term exemption "shall consider the lease to be a new
lease" if there is a lease modification or any change in the lease term, so it assesses the new
lease's term to see whether it still qualifies (as summarised in
https://annualreporting.info/ifrs-16-modification-short-term-lease/). Worked case
(https://help.occupier.com/knowledge/what-is-a-short-term-lease): "if a 12 month lease is renewed
in month 9 for an additional 12 months it becomes a new lease for 15 months and thus is not short
term" -- the new-lease reading, which IFRS 16 leases follow here.

ASC 842-20-25-3 (quoted in Deloitte's Roadmap: Leases, section 8.2.1, and PwC's Leases guide,
section 5.4) is narrower: the lease stops being short-term only when, after the change, "the
remaining lease term extends more than 12 months from the end of the previously determined lease
term" (or the purchase option becomes reasonably certain), and is then recognised as of the date
of the change. So under ASC 842 the same renewal (12 more months from the old end) stays exempt
and re-spreads its cost; a renewal of 13 more months is recognised from the change.
"""

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
    LeaseTermsError,
    PaymentStream,
    Standard,
)
from leases.engine.exemptions import (
    Exemption,
    build_exempt_changed_schedule,
    build_exempt_schedule,
)


def copier(**overrides) -> LeaseTerms:
    """A 12-month ASC 842 operating lease from 1 January 2026, 1,000 a month in advance."""
    values = dict(
        commencement=date(2026, 1, 1),
        term_months=12,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D("1000")),),
    )
    values.update(overrides)
    return LeaseTerms(**values)


def balanced(schedule) -> None:
    for k in range(len(schedule)):
        lines = schedule.month_lines(k)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines), k


def test_ifrs_renewed_in_month_9_for_12_more_months_it_is_recognised_from_the_renewal():
    """IFRS 16.7: the renewal on 1 October 2026 makes a new lease of 15 months (Oct 2026 - Dec
    2027), not short-term: recognised from the change. By hand, at 6 % nominal (0.5 % a month):
    the October payment is made at the new commencement, the liability is the 14 later payments,
    1,000 x (1 - 1.005^-14) / 0.005 = 13,488.71, and the ROU asset adds the October payment:
    14,488.71. The cost is the liability's interest and the ROU asset's straight-line
    amortization; over the 15 months it totals the 15 payments."""
    exempt = build_exempt_schedule(
        copier(standard=Standard.IFRS_16, classification=None), Exemption.SHORT_TERM
    )
    renewal = LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=24, annual_rate=D("0.06"))
    schedule = build_exempt_changed_schedule(exempt, [renewal])
    [event] = schedule.events
    assert event.index == 9 and event.period == date(2026, 10, 1)
    assert event.liability_before == 0 and event.liability_after == D("13488.71")
    assert event.rou_after == D("14488.71")
    lines = {(x.role, x.debit, x.credit) for x in event.lines}
    assert lines == {
        (AccountRole.ROU_ASSET, D("14488.71"), 0),
        (AccountRole.LEASE_LIABILITY, 0, D("13488.71")),
        (AccountRole.CASH_CLEARING, 0, D("1000.00")),
    }
    rows = schedule.posted_months()
    assert len(rows) == 24
    # January to September stay exempt: the straight-line cost, nothing on the balance sheet.
    assert [r.straight_line_cost for r in rows[:9]] == [D("1000.00")] * 9
    assert all(r.closing_liability == 0 for r in rows[:9])
    assert sum(r.interest + r.rou_amortization for r in rows[9:]) == D("15000.00")
    assert rows[-1].closing_liability == 0 and rows[-1].rou_closing == 0
    balanced(schedule)


def test_ifrs_low_value_lease_renewed_for_24_more_months_stays_exempt_and_re_spreads():
    """IFRS 16.5(b) and B3-B8: the low-value exemption rests on the value of the asset when new,
    not on the term, so the renewal on 1 October 2026 to 31 December 2028 (27 months from the
    change) leaves it exempt, where a short-term lease would be recognised (IFRS 16.7, the test
    above). The 27 remaining payments (27,000, nothing accrued after nine months paid and
    expensed at 1,000) are spread over the 27 remaining months: 1,000 a month, no entry."""
    exempt = build_exempt_schedule(
        copier(standard=Standard.IFRS_16, classification=None), Exemption.LOW_VALUE
    )
    renewal = LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=36, annual_rate=D("0.06"))
    schedule = build_exempt_changed_schedule(exempt, [renewal])
    [event] = schedule.events
    assert event.lines == () and not event.remeasured
    assert schedule.recognised is None
    months = schedule.months()
    assert len(months) == 36
    assert [m.expense for m in months] == [D("1000.00")] * 36
    assert all(r.closing_liability == 0 and r.rou_closing == 0 for r in schedule.posted_months())
    assert months[-1].accrued_rent == 0
    balanced(schedule)


def test_asc_renewed_in_month_9_for_12_more_months_stays_exempt_and_re_spreads():
    """ASC 842-20-25-3: the renewal ends the term on 31 December 2027, exactly 12 months after
    the previously determined end (31 December 2026), not more: the lease stays short-term. The
    15 remaining payments (15,000, nothing accrued after nine months at 1,000 paid and
    expensed) are spread over the 15 remaining months: 1,000 a month, no entry at the change."""
    exempt = build_exempt_schedule(copier(), Exemption.SHORT_TERM)
    renewal = LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=24)
    schedule = build_exempt_changed_schedule(exempt, [renewal])
    [event] = schedule.events
    assert event.lines == () and not event.remeasured
    assert schedule.recognised is None
    months = schedule.months()
    assert len(months) == 24
    assert [m.expense for m in months] == [D("1000.00")] * 24
    assert all(r.closing_liability == 0 and r.rou_closing == 0 for r in schedule.posted_months())
    assert months[-1].accrued_rent == 0
    balanced(schedule)


def test_asc_renewed_in_month_9_for_13_more_months_it_is_recognised_from_the_renewal():
    """ASC 842-20-25-3: the term now ends on 31 January 2028, 13 months after the previously
    determined end: no longer short-term, recognised as of the change date. By hand, at 6 %
    nominal (0.5 % a month): the liability is the 15 payments after October,
    1,000 x (1 - 1.005^-15) / 0.005 = 14,416.62; the ROU asset adds the October payment,
    15,416.62. The single operating cost spreads the 16 payments: 1,000 a month."""
    exempt = build_exempt_schedule(copier(), Exemption.SHORT_TERM)
    renewal = LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=25, annual_rate=D("0.06"))
    schedule = build_exempt_changed_schedule(exempt, [renewal])
    [event] = schedule.events
    assert event.index == 9 and event.period == date(2026, 10, 1)
    assert event.liability_after == D("14416.62") and event.rou_after == D("15416.62")
    assert {(x.role, x.debit, x.credit) for x in event.lines} == {
        (AccountRole.ROU_ASSET, D("15416.62"), 0),
        (AccountRole.LEASE_LIABILITY, 0, D("14416.62")),
        (AccountRole.CASH_CLEARING, 0, D("1000.00")),
    }
    rows = schedule.posted_months()
    assert len(rows) == 25
    assert [r.straight_line_cost for r in rows] == [D("1000.00")] * 25
    assert rows[-1].closing_liability == 0 and rows[-1].rou_closing == 0
    balanced(schedule)
    # The regular entry of October is the recognised lease's, without the recognition entry.
    october = schedule.journal_lines_for_month(date(2026, 10, 1))
    assert {x.role for x in october} >= {AccountRole.LEASE_EXPENSE, AccountRole.LEASE_LIABILITY}
    assert not any(x.memo.startswith("Exemption ends") for x in october)


def test_an_extension_that_stays_within_12_months_stays_exempt_and_re_spreads_the_rest():
    """A 6-month lease with the first month rent-free (5 x 1,000): 833.33 a month straight-line.
    After 3 months (2,500 expensed, 2,000 paid: 500 accrued) it is extended to 9 months: the
    new lease runs 6 more months (short-term), paying 6,000, so the rest costs
    (6,000 - 500) / 6 = 916.67 a month (cumulative cents); accrued rent is back to zero at the
    end and the cost equals the cash, 8,000."""
    terms = copier(term_months=6, payments=(PaymentStream(D("1000"), rent_free_months=1),))
    exempt = build_exempt_schedule(terms, Exemption.SHORT_TERM)
    change = LeaseChange(ChangeKind.TERM, date(2026, 4, 1), term_months=9)
    schedule = build_exempt_changed_schedule(exempt, [change])
    [event] = schedule.events
    assert event.lines == () and not event.remeasured
    months = schedule.months()
    assert len(months) == 9
    assert months[2].accrued_rent == D("500.00")
    assert sum(m.expense for m in months[3:]) == D("5500.00")
    assert {m.expense for m in months[3:]} == {D("916.66"), D("916.67")}
    assert sum(m.expense for m in months) == sum(m.payment for m in months) == D("8000.00")
    assert months[-1].accrued_rent == 0
    balanced(schedule)


def test_ending_the_exemption_clears_accrued_rent_into_the_rou_asset():
    terms = copier(payments=(PaymentStream(D("1000"), rent_free_months=2),))
    exempt = build_exempt_schedule(terms, Exemption.SHORT_TERM)
    accrued = sum(exempt.expense[:6], D(0)) - sum(exempt.payments[:6], D(0))
    assert accrued == D("1000.00")  # 10,000 over 12 months: 5,000 expensed, 4,000 paid
    change = LeaseChange(
        ChangeKind.TERM,
        date(2026, 7, 1),
        term_months=36,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1100")),),
    )
    schedule = build_exempt_changed_schedule(exempt, [change])
    [event] = schedule.events
    deferred = [x for x in event.lines if x.role is AccountRole.DEFERRED_RENT]
    assert [(x.debit, x.credit) for x in deferred] == [(D("1000.00"), 0)]
    assert event.rou_after == event.liability_after + D("1100") - accrued
    assert schedule.posted_months()[-1].rou_closing == 0
    balanced(schedule)


def test_a_termination_releases_the_accrued_rent_against_the_payment():
    terms = copier(payments=(PaymentStream(D("1000"), rent_free_months=2),))
    exempt = build_exempt_schedule(terms, Exemption.SHORT_TERM)
    end = LeaseChange(ChangeKind.TERMINATION, date(2026, 7, 1), amount=D("300"))
    schedule = build_exempt_changed_schedule(exempt, [end])
    assert len(schedule) == 6
    lines = {(x.role, x.debit, x.credit) for x in schedule.events[0].lines}
    # 1,000 accrued leaves with the lease; the 300 payment is the last cost: 300 - 1,000.
    assert lines == {
        (AccountRole.SHORT_TERM_EXPENSE, 0, D("700.00")),
        (AccountRole.DEFERRED_RENT, D("1000.00"), 0),
        (AccountRole.CASH_CLEARING, 0, D("300")),
    }
    total_expense = sum(m.expense for m in schedule.months()) - D("700.00")
    assert total_expense == sum(m.payment for m in schedule.months()) + D("300")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (ChangeKind.IMPAIRMENT, "no right-of-use asset"),
        (ChangeKind.RECLASSIFICATION, "not classified"),
    ],
)
def test_kinds_that_need_an_asset_are_refused_with_the_reason(kind, message):
    exempt = build_exempt_schedule(copier(), Exemption.SHORT_TERM)
    change = LeaseChange(kind, date(2026, 5, 1), amount=D("10"))
    with pytest.raises(LeaseTermsError, match=message):
        build_exempt_changed_schedule(exempt, [change])


def test_recognition_needs_the_rate_at_the_change():
    exempt = build_exempt_schedule(copier(), Exemption.SHORT_TERM)
    change = LeaseChange(ChangeKind.TERM, date(2026, 5, 1), term_months=30)
    with pytest.raises(LeaseTermsError, match="Enter the discount rate at the change"):
        build_exempt_changed_schedule(exempt, [change])


@pytest.mark.parametrize(
    ("standard", "months"),
    [(Standard.IFRS_16, 24), (Standard.ASC_842, 25)],  # the two recognitions worked above
)
def test_a_lease_with_its_own_end_date_on_the_month_grid_ends_its_exemption_as_by_months(
    standard, months
):
    """The lease form stores the end date (31 December 2026) and the day rent is due (the 1st):
    on the month grid they give no stubs, so the lease is the whole-month lease above, under
    either day count. The renewal that ends its exemption, and a rent change after it, give the
    same events, months and entries, instead of a refusal that the old end date does not fit
    the new term."""
    classification = Classification.OPERATING if standard is Standard.ASC_842 else None
    changes = [
        LeaseChange(ChangeKind.TERM, date(2026, 10, 1), term_months=months, annual_rate=D("0.06")),
        LeaseChange(
            ChangeKind.CONSIDERATION,
            date(2027, 3, 1),
            payments=(PaymentStream(D("1100")),),
            annual_rate=D("0.065"),
        ),
    ]
    by_months = build_exempt_changed_schedule(
        build_exempt_schedule(
            copier(standard=standard, classification=classification), Exemption.SHORT_TERM
        ),
        changes,
    )
    for day_count in DayCount:
        dated = copier(
            standard=standard,
            classification=classification,
            end_date=date(2026, 12, 31),
            payment_day=1,
            day_count=day_count,
        )
        exempt = build_exempt_schedule(dated, Exemption.SHORT_TERM)
        assert not exempt.days  # no stubs: whole months, whatever the company counts
        schedule = build_exempt_changed_schedule(exempt, changes)
        assert schedule.events == by_months.events
        assert schedule.posted_months() == by_months.posted_months()
        assert schedule.journal_lines() == by_months.journal_lines()
        assert schedule.recognised_from == 9 and len(schedule) == months
        balanced(schedule)
    assert by_months.events[0].lines and by_months.events[1].liability_after > 0
