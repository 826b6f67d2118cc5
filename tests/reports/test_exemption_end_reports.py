"""Reports of a short-term lease whose exemption a change ends (ASC 842-20-25-3, IFRS 16.7).

A lease from 1 January 2026 at 1,000 a month in advance, exempt, renewed on 1 or 15 March
(actual days) beyond the exemption: recognised from the change, the rent prepaid for the days
after it moved from deferred rent into the ROU asset. With January to December closed, every
figure an auditor reads for March to December (roll-forward, disclosures, maturity analysis,
journal register, trial balance, which the NetSuite tie-out compares) is the sum of the frozen
journal lines by account, read both from the schedules and from the figures kept per closed
period. Before, the recognition's lines ("Exemption ends: …") counted as periodic activity (no
addition; the liability's addition showed as accretion) and the recognised lease's payments
as an exempt lease's (no payments column, no maturity analysis).
"""

from datetime import date
from decimal import Decimal as D

import pytest

from closebooks.models import AccountingPeriod, JournalLine
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import AccountingDefaults, Lease
from leases.selectors import leases_with_terms
from reports.periods import Range
from reports.selectors import disclosures, register_entries, rollforward, trial_balance
from reports.snapshots import period_facts_keep, stored_lease_facts
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import close_through

MAR, DEC = date(2026, 3, 1), date(2026, 12, 1)
SPAN = Range(MAR, DEC)
ROU, ACCUMULATED, LIABILITY = "1410", "1425", "2310"
CLEARING, DEFERRED, SHORT_TERM = "2150", "2160", "6430"
LEASE_COST, INTEREST, AMORTIZATION = "6400", "7100", "6410"


def _books(personas, standard, effective, renewal_months=None, **lease):
    """The short-term lease `ST` (real estate, elected), renewed on `effective` to end more
    than 12 months after the change (and after the old end, for ASC 842), closed through
    December."""
    company = personas.company
    set_up_accounting(company)
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    AccountingDefaults.objects.filter(company=company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(
        company,
        code="ST",
        exemption="short_term",
        standard=standard,
        classification="operating" if standard == "asc842" else "",
        discount_rate=D("5"),
        **({"term_months": 12} | lease),
    )
    change = lease_change_create(
        lease=leases_with_terms(Lease.objects.filter(code="ST")).get(),
        actor=personas.accountant.user,
        kind="term",
        effective=effective,
        details={
            "term_months": renewal_months or (25 if standard == "asc842" else 24),
            "annual_rate": "0.06",
        },
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    close_through(company, DEC, personas.accountant.user)
    return company


def _lines(company, *numbers, start=MAR, memo=None):
    lines = JournalLine.objects.filter(
        entry__company=company,
        entry__period__start__gte=start,
        entry__period__start__lte=DEC,
        entry__close_version=1,
        account_number__in=numbers,
    )
    return lines.filter(memo__istartswith=memo) if memo else lines


def _net(company, *numbers, start=MAR, memo=None) -> D:
    """Net debit of the frozen lines on these accounts, March (or `start`) to December."""
    return sum(
        (x.debit - x.credit for x in _lines(company, *numbers, start=start, memo=memo)), D(0)
    )


def _check(company, standard, *, prepaid: D, exempt_cost: D, undiscounted: D):
    """Every report's figures against the frozen lines by account, March to December."""
    balance = lambda *numbers: _net(company, *numbers, start=date(2026, 1, 1))  # noqa: E731
    added = lambda number: _net(company, number, memo="exemption ends")  # noqa: E731
    paid_at_recognition = -_net(company, CLEARING, memo="exemption ends")
    # The recognition entry: ROU = liability + a payment due that day + the rent prepaid,
    # moved from deferred rent.
    assert added(ROU) == -added(LIABILITY) + paid_at_recognition + prepaid
    assert added(DEFERRED) == -prepaid
    assert balance(DEFERRED) == 0  # the prepaid rent left deferred rent for good
    # The month's payments: the exempt lease's (in an entry with its short-term cost) settle
    # no liability; the recognised lease's do.
    exempt_paid = sum(
        (
            x.credit - x.debit
            for x in _lines(company, CLEARING, memo="lease payment")
            if x.entry.lines.filter(account_number=SHORT_TERM).exists()
        ),
        D(0),
    )
    paid = -_net(company, CLEARING, memo="lease payment") - exempt_paid
    interest = _net(company, INTEREST)
    if standard == "asc842":
        # Accretion: what moves the liability besides additions and payments (the periodic
        # line is the payment less accretion).
        interest = paid - _net(company, LIABILITY, memo="lease liability")
    for stored in (False, True):
        if stored:
            periods = AccountingPeriod.objects.filter(company=company, start__gte=MAR)
            period_facts_keep(period_ids=list(periods.values_list("pk", flat=True)))
            assert stored_lease_facts(company, MAR, DEC) is not None
        report = rollforward(company, SPAN, group_by="lease")
        assert report.reconciles and report.problems == []
        [row] = report.rows
        assert (row.rou_ties, row.liability_ties) == (True, True)
        assert (row.opening_rou, row.opening_liability) == (0, 0)
        rou, liability = dict(row.columns("rou")), dict(row.columns("liability"))
        assert rou["additions"] == added(ROU) and liability["additions"] == -added(LIABILITY)
        assert rou["amortization"] == _net(company, ROU, ACCUMULATED, memo="rou asset")
        assert liability["amortization"] == interest
        assert liability["payments"] == -paid  # the recognised lease's
        assert rou["closing"] == balance(ROU, ACCUMULATED)
        assert liability["closing"] == -balance(LIABILITY)
        for column in ("changes", "terminations", "impairment"):
            assert rou[column] == liability[column] == 0
        [figures] = disclosures(company, SPAN)
        by_key = {f.key: f.amount for f in figures.figures}
        if standard == "asc842":
            assert by_key["short_term_cost"] == _net(company, SHORT_TERM) == exempt_cost
            assert by_key["operating_lease_cost"] == _net(company, LEASE_COST)
            assert by_key["operating_cash_operating"] == paid + paid_at_recognition
            assert by_key["new_operating"] == -added(LIABILITY)
        else:
            assert by_key["short_term"] == _net(company, SHORT_TERM) == exempt_cost
            assert by_key["interest"] == interest == _net(company, INTEREST)
            assert by_key["depreciation"] == _net(company, AMORTIZATION)
            assert by_key["cash_outflow"] == -_net(company, CLEARING)
            assert by_key["additions"] == added(ROU)
            assert by_key["closing_rou"] == balance(ROU, ACCUMULATED)
        [maturity] = [m for m in figures.maturities if m.lease_codes]
        # The recognised lease's payments after December.
        assert maturity.undiscounted == undiscounted
        assert maturity.present_value == -balance(LIABILITY)
        assert maturity.imputed_interest > 0
    # The register lists the recognition and the month's entry; the trial balance (the
    # tie-out's side against NetSuite) is the frozen lines.
    entries = register_entries(company, SPAN, lease="ST")
    register = JournalLine.objects.filter(entry__in=entries)
    assert entries.filter(kind="change").count() == 1
    for number in (ROU, ACCUMULATED, LIABILITY, CLEARING, DEFERRED, SHORT_TERM):
        mine = register.filter(account_number=number)
        assert sum((x.debit - x.credit for x in mine), D(0)) == _net(company, number)
    rows = {r.account_number: r for r in trial_balance(company, DEC)}
    for number, row in rows.items():
        assert row.closing == balance(number)
        december = _lines(company, number, start=DEC)
        assert (row.debit, row.credit) == (
            sum((x.debit for x in december), D(0)),
            sum((x.credit for x in december), D(0)),
        )


@pytest.mark.parametrize("standard", ["asc842", "ifrs16"])
@pytest.mark.parametrize(
    "effective, prepaid, exempt_cost",
    [
        # On the 1st: the whole-month figures, no exempt days in March.
        (date(2026, 3, 1), D(0), D(0)),
        # On the 15th: 1-14 March exempt (1,000 x 14/31), the 1 March rent prepaid for 17 days.
        (date(2026, 3, 15), D("548.39"), D("451.61")),
    ],
)
def test_every_report_is_the_frozen_lines_when_the_exemption_ends(
    personas, standard, effective, prepaid, exempt_cost
):
    company = _books(personas, standard, effective)
    # 2027's twelve payments, and January 2028's under ASC 842.
    undiscounted = (13 if standard == "asc842" else 12) * D(1000)
    _check(company, standard, prepaid=prepaid, exempt_cost=exempt_cost, undiscounted=undiscounted)


def test_the_figures_of_the_hand_checked_renewal_on_15_march(personas):
    """docs/engine.md's example under IFRS 16: liability 19,932.76, ROU 20,481.15 (548.39
    prepaid moved in); March's interest 54.66 and depreciation 521.23 beside the 451.61 exempt."""
    company = _books(personas, "ifrs16", date(2026, 3, 15))
    report = rollforward(company, Range(MAR, MAR), group_by="lease")
    [row] = report.rows
    assert row.movement.rou["additions"] == D("20481.15")
    assert row.movement.liability["additions"] == D("19932.76")
    assert row.movement.liability["amortization"] == D("54.66")
    assert row.movement.rou["amortization"] == D("-521.23")
    assert row.movement.liability["payments"] == 0  # 1 March's rent was the exempt lease's
    [figures] = disclosures(company, Range(MAR, MAR))
    by_key = {f.key: f.amount for f in figures.figures}
    assert (by_key["short_term"], by_key["cash_outflow"]) == (D("451.61"), D("1000.00"))


@pytest.mark.parametrize("standard", ["asc842", "ifrs16"])
def test_a_lease_with_part_months_ends_its_exemption_on_the_change_date(personas, standard):
    """10 March to 30 June 2026 at 1,500 due on the 1st (a 1,064.52 stub), renewed on 15 May
    to 31 August 2027 (tests/leases/engine/test_exempt_mid_month.py): 1-14 May exempt
    (677.42), 822.58 prepaid; January to August 2027 owed after December."""
    company = _books(
        personas,
        standard,
        date(2026, 5, 15),
        18,
        commencement=date(2026, 3, 10),
        term_months=4,
        end_date=date(2026, 6, 30),
        payment_day=1,
        amount="1500.00",
    )
    exempt_cost = _net(company, SHORT_TERM)
    assert _net(company, SHORT_TERM, start=date(2026, 5, 1)) == D("677.42")
    _check(company, standard, prepaid=D("822.58"), exempt_cost=exempt_cost, undiscounted=D(12000))
