"""Books vs schedule: the frozen balances of the closed periods against the schedules.

The property that matters most: whatever the product itself posts (go-live balances, exempt
leases, changes on time and late with their catch-ups, terminations, both standards, two
currencies, detail or summary entries, the current-portion split) agrees with the schedules,
so the check reports nothing. A real divergence (a frozen line altered, or a lease's terms
changed behind the services' back, as a new release computing differently would) is found
with its exact difference.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import F

from closebooks.models import AccountingPeriod, JournalLine
from closebooks.services import company_go_live_set, period_close, period_reopen, periods_ensure
from leases import engine
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import (
    AccountingDefaults,
    GLAccount,
    Lease,
    LeaseChange,
    LeaseOpeningBalance,
    LeasePayment,
    Subsidiary,
)
from leases.selectors import lease_schedule, lease_terms, leases_with_terms
from reports.drift import _plain_balances, books_vs_schedule, schedule_balances
from tests.conftest import built_once
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import close_through

JAN, FEB, MAR, APR, MAY, JUN = (date(2026, m, 1) for m in range(1, 7))


def _lease(code: str) -> Lease:
    return leases_with_terms(Lease.objects.filter(code=code)).get()


def _period(company, start: date) -> AccountingPeriod:
    return AccountingPeriod.objects.get(company=company, start=start)


def _change(people, code: str, kind: str, effective: date, details: dict) -> LeaseChange:
    change = lease_change_create(
        lease=_lease(code),
        actor=people.accountant.user,
        kind=kind,
        effective=effective,
        details=details,
    )
    return lease_change_approve(change=change, actor=people.reviewer.user)


def _close(people, start: date) -> None:
    period_close(period=_period(people.company, start), actor=people.accountant.user)


def build_portfolio(people, *, granularity: str = "detail", split: bool = True) -> None:
    """Goes live in January 2026 with three leases it had (an ASC 840 operating lease, a
    finance lease with a previous system's balances, an exempt copier), and adds operating,
    finance, IFRS 16 (with a restoration provision, and one in EUR), short-term and short
    leases; changes on time and late, a termination, an exemption ended by a renewal; January
    to June closed through the services."""
    company = people.company
    company.journal_granularity = granularity
    company.save(update_fields=["journal_granularity"])
    us = set_up_accounting(company)
    de = Subsidiary.objects.create(company=company, name="Acme DE", currency="EUR")
    current = GLAccount.objects.create(
        company=company, number="2311", name="Lease liability, current"
    )
    AccountingDefaults.objects.filter(company=company).update(
        short_term_asset_types=["equipment"],
        current_lease_liability_account=current,
        post_current_split=split,
    )
    make_lease(company, code="OLD-OP", commencement=date(2023, 1, 1), term_months=60, subsidiary=us)
    old_fin = make_lease(
        company,
        subsidiary=us,
        code="OLD-FIN",
        commencement=date(2024, 1, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
    )
    LeaseOpeningBalance.objects.create(
        lease=old_fin,
        method="opening_balances",
        liability=D("22675.68"),
        rou_asset=D("21396.61"),
        accumulated_amortization=D("21396.61"),
    )
    make_lease(
        company,
        code="OLD-COPIER",
        subsidiary=us,
        commencement=date(2025, 10, 1),
        term_months=12,
        amount="150.00",
        asset_type="equipment",
        exemption="short_term",
    )
    make_lease(
        company,
        code="OP",
        prepaid_rent=D("1000.00"),
        initial_direct_costs=D("500.00"),
        subsidiary=us,
    )
    make_lease(
        company,
        code="FIN",
        commencement=FEB,
        amount="730.15",
        classification="finance",
        discount_rate=D("7.5"),
        subsidiary=us,
    )
    make_lease(
        company,
        code="IFRS",
        subsidiary=us,
        commencement=JAN,
        term_months=60,
        amount="2000.00",
        standard="ifrs16",
        classification="",
        restoration_estimate=D("5000.00"),
    )
    make_lease(
        company,
        code="EUR",
        commencement=MAR,
        term_months=48,
        amount="1800.00",
        standard="ifrs16",
        classification="",
        subsidiary=de,
    )
    make_lease(
        company,
        code="ST",
        subsidiary=us,
        commencement=JAN,
        term_months=12,
        amount="400.00",
        asset_type="equipment",
        exemption="short_term",
    )
    make_lease(
        company, code="SHORT", commencement=JAN, term_months=4, amount="300.00", subsidiary=us
    )
    company_go_live_set(company=company, actor=people.settings_admin.user, go_live=JAN)
    company.refresh_from_db()
    periods_ensure(company=company, through=JUN)

    rent_up = {"annual_rate": "0.07", "payments": [{"amount": "1100.00"}]}
    _close(people, JAN)
    _change(people, "OP", "consideration", date(2026, 2, 15), rent_up)  # on time
    _close(people, FEB)
    _close(people, MAR)
    # Dated in March, approved after March closed: a catch-up in April.
    _change(people, "FIN", "consideration", date(2026, 3, 10), rent_up)
    _change(people, "OLD-OP", "consideration", APR, rent_up)
    _change(people, "ST", "term", APR, {"term_months": 24, "annual_rate": "0.06"})
    _close(people, APR)
    _change(people, "IFRS", "termination", date(2026, 5, 20), {"amount": "500.00"})
    _close(people, MAY)
    _close(people, JUN)


def _portfolio_built(granularity: str, split: bool):
    people = make_personas()
    build_portfolio(people, granularity=granularity, split=split)
    return people


@pytest.fixture(scope="class")
def portfolio(request, django_db_setup, django_db_blocker):
    """`build_portfolio` with the class's granularity and split, built once for the class."""
    cls = request.cls
    yield from built_once(django_db_blocker, lambda: _portfolio_built(cls.granularity, cls.split))


def _what_the_product_posts_agrees_with_the_schedules(personas, granularity: str) -> None:
    # Dated in May (closed), approved after June closed: its catch-up waits for July's close.
    _change(personas, "EUR", "consideration", date(2026, 5, 1), {"annual_rate": "0.05",
            "payments": [{"amount": "2000.00"}]})  # fmt: skip

    check = books_vs_schedule(personas.company)

    assert check.period.start == JUN
    assert check.problems == []
    assert check.findings == []
    assert check.leases_checked == 9
    assert check.not_compared == 0
    # Per lease: every lease's ROU asset and liability, and prepaid, deferred rent, provision,
    # transition equity where they post; summary entries: each subsidiary and currency's.
    assert check.compared >= (20 if granularity == "detail" else 5)
    [pending] = check.pending
    assert (pending.lease_code, pending.reference, pending.effective_date) == (
        "EUR",
        "CH1",
        date(2026, 5, 1),
    )
    # Every closed month agrees too, not only the last.
    for start in (JAN, FEB, MAR, APR, MAY):
        assert books_vs_schedule(personas.company, _period(personas.company, start)).findings == []


class TestDetailEntriesWithTheCurrentSplit:
    granularity, split = "detail", True

    def test_what_the_product_posts_agrees_with_the_schedules(self, db, portfolio):
        _what_the_product_posts_agrees_with_the_schedules(portfolio, self.granularity)

    def test_a_frozen_line_altered_is_found_with_its_exact_difference(self, db, portfolio):
        company = portfolio.company
        line = JournalLine.objects.get(
            entry__company=company,
            entry__period__start=FEB,
            entry__lease_code="OP",
            entry__kind="periodic",
            account_number="1410",
        )
        JournalLine.objects.filter(pk=line.pk).update(credit=line.credit + D("12.34"))

        check = books_vs_schedule(company)

        [finding] = check.findings
        assert (finding.lease_code, finding.balance, finding.accounts) == (
            "OP",
            "Right-of-use asset",
            ("1410", "1425"),
        )
        assert finding.difference == D("-12.34")
        assert finding.frozen == finding.schedule - D("12.34")
        assert check.lease_count == 1
        # March was closed after February: it carries the same difference, January none.
        assert [
            f.difference for f in books_vs_schedule(company, _period(company, MAR)).findings
        ] == [D("-12.34")]
        assert books_vs_schedule(company, _period(company, JAN)).findings == []


class TestSummaryEntriesWithTheCurrentSplit:
    granularity, split = "summary", True

    def test_what_the_product_posts_agrees_with_the_schedules(self, db, portfolio):
        _what_the_product_posts_agrees_with_the_schedules(portfolio, self.granularity)

    def test_summary_entries_are_compared_per_subsidiary_and_currency(self, db, portfolio):
        company = portfolio.company
        line = JournalLine.objects.filter(
            entry__company=company,
            entry__period__start=MAY,
            entry__kind="periodic",
            entry__currency="EUR",
            account_number="2310",
            debit__gt=0,
        ).get()
        JournalLine.objects.filter(pk=line.pk).update(debit=line.debit + D("1.00"))

        [finding] = books_vs_schedule(company).findings
        assert not finding.by_lease
        assert (finding.subsidiary, finding.currency, finding.balance) == (
            "Acme DE",
            "EUR",
            "Lease liability",
        )
        assert finding.accounts == ("2310", "2311")
        assert finding.difference == D("-1.00")  # a liability: a debit makes it smaller


class TestDetailEntriesWithoutTheCurrentSplit:
    granularity, split = "detail", False

    def test_what_the_product_posts_agrees_with_the_schedules(self, db, portfolio):
        _what_the_product_posts_agrees_with_the_schedules(portfolio, self.granularity)


def test_terms_changed_behind_the_services_back_show_the_engine_s_new_figures(personas):
    """A direct update of the rate stands for a release computing differently: the frozen
    entries keep the old figures, the schedule has the new ones, and the check says by how
    much, as the engine measures both."""
    set_up_accounting(personas.company)
    make_lease(personas.company, code="L-1", amount="1000.00", commencement=JAN)
    close_through(personas.company, MAR, personas.accountant.user)
    before = engine.build_schedule(lease_terms(_lease("L-1"))).posted()
    Lease.objects.filter(code="L-1").update(discount_rate=D("8"))
    after = engine.build_schedule(lease_terms(_lease("L-1"))).posted()

    findings = {f.balance: f for f in books_vs_schedule(personas.company).findings}

    assert set(findings) == {"Right-of-use asset", "Lease liability"}
    liability = findings["Lease liability"]
    assert liability.frozen == before.closing_liability[2]
    assert liability.schedule == after.closing_liability[2]
    assert liability.difference == before.closing_liability[2] - after.closing_liability[2] != 0
    rou = findings["Right-of-use asset"]
    assert (rou.frozen, rou.schedule) == (before.rou_closing[2], after.rou_closing[2])


def test_a_payment_changed_behind_the_services_back_is_found(personas):
    set_up_accounting(personas.company)
    make_lease(personas.company, code="L-1", amount="1000.00", commencement=JAN)
    close_through(personas.company, FEB, personas.accountant.user)
    LeasePayment.objects.filter(lease__code="L-1").update(amount=D("1000.01"))

    balances = {f.balance for f in books_vs_schedule(personas.company).findings}

    assert balances == {"Right-of-use asset", "Lease liability"}


def test_march_closed_with_old_figures_shows_the_rou_difference_until_closed_again(personas):
    """The case in test_exemption_end_closed_before: March frozen with a renewal's 1 March
    figures, the engine now reading it on 15 March. The ROU asset is 21.39 above the frozen
    entries (20,481.15 - 521.23 against 20,887.98 - 949.45), the liability agrees; reopening
    April and March and closing them again clears it."""
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
        term_months=12,
        exemption="short_term",
        standard="ifrs16",
        classification="",
    )
    change = _change(personas, "ST", "term", MAR, {"term_months": 24, "annual_rate": "0.06"})
    close_through(company, MAR, personas.accountant.user)
    assert books_vs_schedule(company).findings == []
    LeaseChange.objects.filter(pk=change.pk).update(effective_date=date(2026, 3, 15))

    [march] = books_vs_schedule(company).findings
    assert (march.lease_code, march.balance, march.difference) == (
        "ST",
        "Right-of-use asset",
        D("-21.39"),
    )
    close_through(company, APR, personas.accountant.user)
    [april] = books_vs_schedule(company).findings
    assert april.balance == "Right-of-use asset" and april.difference == D("-21.39")

    admin = personas.settings_admin.user
    for start in (APR, MAR):
        period_reopen(period=_period(company, start), actor=admin, reason="Renewal on 15 March")
    close_through(company, APR, personas.accountant.user)
    assert books_vs_schedule(company).findings == []


def test_nothing_closed_nothing_to_compare(personas):
    set_up_accounting(personas.company)
    make_lease(personas.company)
    check = books_vs_schedule(personas.company)
    assert check.period is None and check.findings == [] and check.leases_checked == 0


def test_lines_of_old_close_versions_are_not_counted(personas):
    set_up_accounting(personas.company)
    make_lease(personas.company, code="L-1")
    close_through(personas.company, FEB, personas.accountant.user)
    period_reopen(
        period=_period(personas.company, FEB), actor=personas.settings_admin.user, reason="x"
    )
    close_through(personas.company, FEB, personas.accountant.user)
    assert JournalLine.objects.filter(entry__close_version=1, entry__period__start=FEB).exists()
    assert JournalLine.objects.exclude(entry__close_version=F("entry__period__close_version"))
    assert books_vs_schedule(personas.company).findings == []


def test_the_fast_path_of_a_plain_lease_equals_its_lines_month_by_month(personas):
    """`_plain_balances` (posted balances at the month's end) against the sum of every line
    the close posts from commencement, for leases of every shape the fast path takes, from
    before commencement to after the end."""
    company = personas.company
    set_up_accounting(company)
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    make_lease(company, code="OP", term_months=14, prepaid_rent=D("800.00"))
    make_lease(
        company,
        code="FIN",
        term_months=12,
        classification="finance",
        useful_life_months=18,
        ownership_transfers=True,
        initial_direct_costs=D("250.00"),
    )
    make_lease(company, code="IFRS", term_months=13, standard="ifrs16", classification="")
    mid = make_lease(company, code="MID", commencement=date(2026, 1, 15), term_months=12)
    arrears = make_lease(company, code="ARR", term_months=24, amount="900.00")
    LeasePayment.objects.filter(lease=arrears).update(
        timing="arrears", escalation_kind="percent", escalation_value=D("3"), rent_free_months=2
    )
    mid.incentives.create(amount=D("300.00"))
    company.refresh_from_db()
    for lease in leases_with_terms(Lease.objects.filter(company=company)):
        lease.company = company
        schedule = lease_schedule(lease, None)
        for k in range(-1, len(schedule) + 3):
            month = date(2026 + (k // 12), k % 12 + 1, 1)
            lines = {
                r: v
                for r, v in schedule_balances(schedule, through=month, go_live=None).items()
                if v
            }
            fast = {r: v for r, v in _plain_balances(lease, month).items() if v}
            assert fast == lines, (lease.code, month)


@pytest.mark.parametrize("day_count", ["whole_months", "actual_days"])
def test_every_change_kind_the_close_posts_agrees_with_the_schedules(personas, day_count):
    """The close's own test portfolio of every lease shape and change kind (impairment, scope
    up and down, reclassification, purchase option, index reviews, terminations, an exemption
    ended), closed month by month: nothing differs at any month's end."""
    from tests.closebooks.test_close_fast import _every_change_kind, _mixed_portfolio

    company = personas.company
    company.day_count = day_count
    company.save(update_fields=["day_count"])
    set_up_accounting(company)
    for code, amount in (("L-1", "1000.00"), ("L-2", "2500.00"), ("L-3", "730.15")):
        make_lease(company, code=code, amount=amount, commencement=JAN)
    _mixed_portfolio(personas)
    # B-1 cannot post (its term does not divide into its payment periods); C-1's services.
    company.leases.filter(code="B-1").delete()
    AccountingDefaults.objects.filter(company=company).update(
        non_lease_expense_account=GLAccount.objects.create(
            company=company, number="6450", name="Services expense"
        )
    )
    _every_change_kind(personas)
    for period in periods_ensure(company=company, through=MAY):
        period_close(period=period, actor=personas.accountant.user)
        period.refresh_from_db()
        check = books_vs_schedule(company, period)
        assert (check.findings, check.problems, check.not_compared) == ([], [], 0), period
    assert check.leases_checked >= 12 and check.compared >= 24
