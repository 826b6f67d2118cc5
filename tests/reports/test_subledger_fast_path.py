"""The subledger's fast path for plain schedules gives exactly what the close's lines give.

`reports.subledger` takes a plain schedule's movements from its posted balances, rounding only
the months the report reads; these tests hold it to the engine's journal lines, month by month.
"""

from datetime import date
from decimal import Decimal as D

from leases import engine
from leases.engine.schedule import PostedSchedule
from leases.models import Lease, LeaseIncentive, LeasePayment
from leases.selectors import lease_schedule
from reports.classify import Movement, classify_month
from reports.subledger import _plain_month
from tests.leases.factories import make_lease, set_up_accounting


def _leases(company):
    set_up_accounting(company)
    operating = make_lease(company, code="O-1", amount="1234.57", term_months=40)
    LeaseIncentive.objects.create(lease=operating, amount=D("900"))
    make_lease(
        company,
        code="F-1",
        amount="730.15",
        classification="finance",
        discount_rate=D("7.5"),
        commencement=date(2025, 3, 1),
    )
    make_lease(company, code="I-1", standard="ifrs16", classification="", term_months=61)
    escalating = make_lease(company, code="E-1", amount="999.99", term_months=84)
    LeasePayment.objects.filter(lease=escalating).update(
        frequency=3, escalation_kind="percent", escalation_value=D("3")
    )
    # Read back as the reports do (the factory's instances hold unsaved Python defaults).
    return list(Lease.objects.filter(company=company).order_by("code"))


def test_movements_from_balances_equal_the_classified_journal_lines(personas):
    for lease in _leases(personas.company):
        schedule = lease_schedule(lease, None)
        assert type(schedule) is engine.Schedule
        posted = PostedSchedule.from_schedule(schedule, months=len(schedule))
        for index in range(len(schedule)):
            fast, lines = Movement(), Movement()
            _plain_month(schedule, posted, index, fast)
            classify_month(engine.journal_lines_for_month(schedule, schedule.period(index)), lines)
            assert fast == lines, (lease.code, index)


def test_a_posted_prefix_is_the_full_posting_cut_short(personas):
    for lease in _leases(personas.company):
        schedule = lease_schedule(lease, None)
        full = schedule.posted()
        for months in (0, 1, 13, len(schedule) - 1, len(schedule), len(schedule) + 5):
            part = PostedSchedule.from_schedule(schedule, months=months)
            assert part.closing_liability == full.closing_liability[:months]
            assert part.rou_closing == full.rou_closing[:months]
            assert (part._sl is None) == (full._sl is None)
            if full._sl is not None:
                assert part._sl == full._sl[:months]
            assert (part.liability, part.rou, part.components) == (
                full.liability,
                full.rou,
                full.components,
            )
