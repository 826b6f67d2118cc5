"""The figures kept for closed periods give exactly what building every schedule gives.

`reports.snapshots` measures each closed month once per close version and sums the months in
SQL; these tests hold it to `computed_lease_facts` over whole ranges, and check that a reopened,
re-closed period is measured again.
"""

from datetime import date
from decimal import Decimal as D

from closebooks.models import AccountingPeriod
from closebooks.services import period_reopen
from leases.models import AccountingDefaults, Lease, LeasePayment, VariablePayment
from reports.models import LeaseMonthFacts, PeriodFacts
from reports.snapshots import period_facts_keep, stored_lease_facts
from reports.subledger import computed_lease_facts, lease_facts
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import APR, FEB, JAN, MAR, close_through

JUN = date(2026, 6, 1)


def _portfolio(company) -> None:
    set_up_accounting(company)
    AccountingDefaults.objects.filter(company=company).update(short_term_asset_types=["equipment"])
    make_lease(company, code="O-1", amount="1234.57", term_months=40)
    make_lease(company, code="O-2", amount="900.00", commencement=MAR, term_months=4)
    make_lease(company, code="F-1", amount="730.15", classification="finance",
               discount_rate=D("7.5"), commencement=FEB)  # fmt: skip
    make_lease(company, code="I-1", standard="ifrs16", classification="", term_months=61)
    make_lease(company, code="S-1", amount="600.00", term_months=12, asset_type="equipment",
               standard="ifrs16", classification="", exemption="short_term")  # fmt: skip
    escalating = make_lease(company, code="E-1", amount="999.99", term_months=84,
                            commencement=date(2025, 6, 1))  # fmt: skip
    LeasePayment.objects.filter(lease=escalating).update(
        frequency=3, escalation_kind="percent", escalation_value=D("3")
    )
    kind = VariablePayment._meta.get_field("kind").choices[0][0]
    VariablePayment.objects.create(lease=Lease.objects.get(code="I-1"), period=FEB, kind=kind,
                                   amount=D("250.00"))  # fmt: skip


def closed_ids(company):
    """The closed periods of January to June 2026 (E-1 makes the first period June 2025)."""
    closed = AccountingPeriod.objects.filter(company=company, status="closed", start__gte=JAN)
    return closed.order_by("start").values_list("pk", flat=True)


def _as_tuples(facts) -> list[tuple]:
    return [
        (f.code, f.opening_rou, f.opening_liability, f.closing_rou, f.closing_liability,
         f.movement, f.maturity_years, f.maturity_thereafter, f.liability_in_12_months,
         f.remaining_months, f.problem, f.rou_accounts, f.liability_accounts, f.classification)
        for f in facts
    ]  # fmt: skip


def test_kept_figures_equal_the_schedules_for_every_range_of_closed_months(personas):
    _portfolio(personas.company)
    close_through(personas.company, JUN, personas.accountant.user)
    for start, end in [(JAN, JAN), (JAN, MAR), (FEB, JUN), (APR, APR), (JAN, JUN)]:
        stored = stored_lease_facts(personas.company, start, end)
        assert stored is not None, (start, end)
        (computed,) = computed_lease_facts(personas.company, [(start, end)])
        assert _as_tuples(stored) == _as_tuples(computed), (start, end)
    # Each closed month was measured once, and only leases with something in it have a row.
    assert PeriodFacts.objects.filter(company=personas.company).count() == 6
    jan = PeriodFacts.objects.get(period__start=JAN)
    codes = LeaseMonthFacts.objects.filter(snapshot=jan).values_list("lease__code", flat=True)
    assert set(codes) == {"O-1", "I-1", "S-1", "E-1"}


def test_a_range_with_an_open_month_is_computed(personas):
    _portfolio(personas.company)
    close_through(personas.company, FEB, personas.accountant.user)
    assert stored_lease_facts(personas.company, JAN, MAR) is None
    assert len(lease_facts(personas.company, JAN, MAR)) == 6
    assert not PeriodFacts.objects.exists()


def test_a_year_of_kept_figures_reads_in_a_fixed_number_of_queries(
    personas, django_assert_max_num_queries
):
    _portfolio(personas.company)
    close_through(personas.company, JUN, personas.accountant.user)
    period_facts_keep(period_ids=list(closed_ids(personas.company)))
    # Periods, kept figures, grouped rows (in a transaction that turns off parallel plans on
    # PostgreSQL: three more), problems, leases, subsidiaries, defaults, one lease per mapping.
    with django_assert_max_num_queries(13):
        stored_lease_facts(personas.company, JAN, JUN)


def test_a_reopened_and_reclosed_period_is_measured_again(personas):
    _portfolio(personas.company)
    close_through(personas.company, MAR, personas.accountant.user)
    before = {f.code: f for f in stored_lease_facts(personas.company, MAR, MAR)}
    march = AccountingPeriod.objects.get(company=personas.company, start=MAR)
    old = PeriodFacts.objects.get(period=march)
    period_reopen(period=march, actor=personas.settings_admin.user, reason="turnover rent")
    assert stored_lease_facts(personas.company, MAR, MAR) is None  # open again: computed
    kind = VariablePayment._meta.get_field("kind").choices[0][0]
    VariablePayment.objects.create(lease=Lease.objects.get(code="O-1"), period=MAR, kind=kind,
                                   amount=D("75.00"))  # fmt: skip
    close_through(personas.company, MAR, personas.accountant.user)
    after = {f.code: f for f in stored_lease_facts(personas.company, MAR, MAR)}
    assert after["O-1"].movement.variable_cost == before["O-1"].movement.variable_cost + D("75")
    kept = PeriodFacts.objects.get(period=march)
    assert kept.pk != old.pk and kept.close_version == march.close_version + 1
    assert not LeaseMonthFacts.objects.filter(snapshot_id=old.pk).exists()


def test_the_keeping_task_keeps_closed_periods_and_skips_open_or_gone_ones(personas):
    from closebooks.services import periods_ensure

    _portfolio(personas.company)
    close_through(personas.company, JAN, personas.accountant.user)
    periods_ensure(company=personas.company, through=FEB)
    january = AccountingPeriod.objects.get(company=personas.company, start=JAN)
    february = AccountingPeriod.objects.get(company=personas.company, start=FEB)
    (kept,) = period_facts_keep(period_ids=[january.pk, february.pk, 0])  # Feb open, 0 gone
    assert (kept.period_id, kept.close_version) == (january.pk, january.close_version)
    assert period_facts_keep(period_ids=[january.pk]) == [kept]  # already kept: nothing more
    assert PeriodFacts.objects.count() == 1


def test_a_long_range_never_kept_is_computed_and_its_keeping_queued(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    """A report measures at most three closed months itself; a longer range it computes from
    the schedules and leaves the months to the background task."""
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks.period_facts_task, "delay", queued.append)
    _portfolio(personas.company)
    close_through(personas.company, JUN, personas.accountant.user)
    with django_capture_on_commit_callbacks(execute=True):
        facts = lease_facts(personas.company, JAN, JUN)
    (computed,) = computed_lease_facts(personas.company, [(JAN, JUN)])
    assert _as_tuples(facts) == _as_tuples(computed)
    assert queued == [list(closed_ids(personas.company))] and not PeriodFacts.objects.exists()
    tasks.period_facts_task(*queued[0:1])  # the task body, as a worker runs it
    assert PeriodFacts.objects.count() == 6
    assert _as_tuples(stored_lease_facts(personas.company, JAN, JUN)) == _as_tuples(computed)


def test_a_close_queues_keeping_its_figures_once_it_commits(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    """Closebooks says a period closed (it imports nothing of reports); reports then keeps that
    period's figures in the background, so a report after a close that is never synced is
    read from them too."""
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks.period_facts_task, "delay", queued.append)
    _portfolio(personas.company)
    with django_capture_on_commit_callbacks(execute=True):
        close_through(personas.company, JAN, personas.accountant.user)
    closed = AccountingPeriod.objects.filter(company=personas.company, status="closed")
    assert queued == [[period.pk] for period in closed.order_by("start")]  # each once, in order
    january = closed.get(start=JAN)
    tasks.period_facts_task([january.pk])  # the task body, as a worker runs it
    (kept,) = PeriodFacts.objects.all()
    assert (kept.period_id, kept.close_version) == (january.pk, january.close_version)
