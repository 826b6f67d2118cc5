"""Reports of a lease commencing mid-month under actual days: its last, partial month is read.

A 12-month lease from 15 January 2026 runs to 14 January 2027, so its schedule has 13 calendar
months (docs/engine.md "Real dates"). The roll-forward, trial balance, disclosures and maturity
analysis must read January 2027 as the posted entries do.
"""

from datetime import date
from decimal import Decimal as D

from closebooks.models import JournalLine
from leases import engine
from leases.models import LeasePayment
from leases.selectors import lease_terms, leases_with_terms
from reports.periods import Range
from reports.selectors import disclosures, rollforward, trial_balance
from reports.subledger import computed_lease_facts
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import close_through

START, DEC, LAST = date(2026, 1, 1), date(2026, 12, 1), date(2027, 1, 1)
LIABILITY, ROU = ("2310", "2320"), ("1410", "1420", "1425")


def _books(personas):
    """An operating lease paid in advance and a finance lease paid in arrears, both from
    15 January 2026 for 12 months, closed through January 2027."""
    company = personas.company
    set_up_accounting(company)
    make_lease(
        company, code="OP-15", commencement=date(2026, 1, 15), term_months=12, amount="1000.00"
    )
    finance = make_lease(
        company,
        code="FIN-15",
        commencement=date(2026, 1, 15),
        term_months=12,
        amount="1000.00",
        classification="finance",
    )
    LeasePayment.objects.filter(lease=finance).update(timing="arrears")
    close_through(company, LAST, personas.accountant.user)
    return company


def _schedule(company, code):
    lease = leases_with_terms(company.leases.filter(code=code)).get()
    return engine.build_schedule(lease_terms(lease))


def _posted(company, numbers, *, period=None) -> D:
    """Net debit of the current entries' lines on these accounts (to `period`, or all)."""
    lines = JournalLine.objects.filter(
        entry__company=company, account_number__in=numbers, entry__close_version=1
    )
    if period is not None:
        lines = lines.filter(entry__period__start=period)
    return sum((x.debit - x.credit for x in lines), D(0))


def test_the_last_partial_month_is_in_the_roll_forward_and_ties_to_the_posted_lines(personas):
    company = _books(personas)
    finance = _schedule(company, "FIN-15").posted_months()
    assert len(finance) == 13 and finance[-1].period == LAST
    # Paid in arrears, the last payment (for 15 December to 14 January) is made on 14 January
    # 2027: the liability reaches zero in the last, partial month.
    assert finance[-2].closing_liability > 0 and finance[-1].closing_liability == 0
    assert finance[-1].payment == D("1000.00")

    report = rollforward(company, Range(LAST, LAST), group_by="lease")
    assert report.unclosed == [] and report.reconciles, report.differences
    rows = {row.key: row for row in report.rows}
    fin, op = rows["FIN-15"], rows["OP-15"]
    assert fin.opening_liability == finance[-2].closing_liability
    assert fin.movement.liability["payments"] == D("-1000.00")
    assert fin.movement.liability["amortization"] == finance[-1].interest
    assert (fin.closing_liability, fin.closing_rou) == (0, 0)
    assert fin.opening_rou == finance[-1].rou_opening and finance[-1].rou_amortization > 0
    assert fin.movement.rou["amortization"] == -finance[-1].rou_amortization
    operating = _schedule(company, "OP-15").posted_months()
    assert op.opening_rou == operating[-1].rou_opening > 0 and op.closing_rou == 0
    assert fin.rou_ties and fin.liability_ties and op.rou_ties and op.liability_ties

    # At the end of December, before the last month: the roll-forward's closing balances are the
    # trial balance's.
    (december,) = rollforward(company, Range(START, DEC)).totals
    balances = {row.account_number: row.closing for row in trial_balance(company, DEC)}
    assert december.closing_liability == -sum(balances.get(n, 0) for n in LIABILITY) > 0
    assert december.closing_rou == sum(balances.get(n, 0) for n in ROU) > 0
    assert december.closing_liability == fin.opening_liability + op.opening_liability

    # Over the whole life: the roll-forward closes at zero, as the trial balance and the sum of
    # every posted line on the balance-sheet accounts.
    (total,) = rollforward(company, Range(START, LAST)).totals
    assert total.opening_liability == total.closing_liability == 0
    assert total.opening_rou == total.closing_rou == 0
    balances = {row.account_number: row.closing for row in trial_balance(company, LAST)}
    assert sum(balances.get(n, 0) for n in LIABILITY + ROU) == 0
    assert _posted(company, LIABILITY) == _posted(company, ROU) == 0
    # January 2027's posted lines are the month the roll-forward reads.
    assert -_posted(company, LIABILITY, period=LAST) == -fin.opening_liability - (
        rows["OP-15"].opening_liability
    )
    assert _posted(company, ROU, period=LAST) == -(fin.opening_rou + op.opening_rou)


def test_the_last_partial_month_is_computed_as_kept_and_in_the_disclosures(personas):
    company = _books(personas)
    (computed,) = computed_lease_facts(company, [(LAST, LAST)])
    by_code = {f.code: f for f in computed}
    operating = _schedule(company, "OP-15").posted_months()
    # The operating lease's cost for the 14 days of January 2027 (14/31 of a month).
    assert by_code["OP-15"].movement.lease_cost == operating[-1].straight_line_cost > 0
    assert by_code["FIN-15"].movement.cash_paid == D("1000.00")

    (item,) = disclosures(company, Range(LAST, LAST))
    f = {x.key: x for x in item.figures}
    assert f["operating_lease_cost"].amount == operating[-1].straight_line_cost
    finance = _schedule(company, "FIN-15").posted_months()
    assert f["finance_interest"].amount == finance[-1].interest
    assert f["financing_cash_finance"].amount == D("1000.00") - finance[-1].interest


def test_the_maturity_at_december_holds_the_payment_of_the_last_partial_month(personas):
    company = _books(personas)
    (item,) = disclosures(company, Range(DEC, DEC))
    operating, finance = item.maturities
    finance_rows = _schedule(company, "FIN-15").posted_months()
    assert finance.years == [D("1000.00"), 0, 0, 0, 0] and finance.thereafter == 0
    assert finance.present_value == finance_rows[-2].closing_liability
    assert operating.undiscounted == 0  # paid in advance: nothing left after 15 December
