"""A lease entered with its real end date and payment day: 15 January 2026 to 31 December 2030,
rent due on the 1st. The form takes it, the lease keeps both dates, the engine sees them, and a
change to such a lease is saved, approved and moves the end date (docs/engine.md "Real dates")."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from companies.models import Company
from leases import engine
from leases.change_services import change_preview, lease_change_create
from leases.models import Lease, LeaseChange
from leases.selectors import lease_terms, leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting
from tests.leases.forms_data import lease_post


def _stored(lease: Lease) -> Lease:
    return leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()


def test_the_form_takes_a_real_end_date_and_a_payment_day(amy, personas, subsidiary):
    response = amy.post(
        reverse("lease_create"),
        lease_post(
            subsidiary,
            commencement_date="2026-01-15",
            end_date="2030-12-31",
            term_months="",
            payment_day="1",
            **{"payments-0-amount": "3100.00"},
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    lease = Lease.objects.get(company=personas.company)
    assert (lease.term_months, lease.end_date, lease.payment_day) == (60, date(2030, 12, 31), 1)
    terms = lease_terms(_stored(lease))
    assert terms.is_dated
    schedule = engine.build_schedule(terms)
    assert schedule.measurement.payments_at_commencement == Decimal("1700.00")  # 15-31 Jan
    assert schedule.posted().liability == Decimal("158406.90")
    rows = schedule.posted_months()
    assert (len(rows), rows[-1].period, rows[-1].closing_liability) == (
        60,
        date(2030, 12, 1),
        Decimal("0.00"),
    )


def test_an_end_date_contradicting_the_term_says_which_term_it_gives(amy, subsidiary):
    response = amy.post(
        reverse("lease_create"),
        lease_post(subsidiary, commencement_date="2026-01-15", end_date="2030-12-31"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"] == [
        "The end date gives a 60-month term (a part month counts as one), but the term says 12."
    ]
    assert Lease.objects.count() == 0


def test_a_payment_day_out_of_range_is_refused(amy, subsidiary):
    response = amy.post(reverse("lease_create"), lease_post(subsidiary, payment_day="32"))
    assert response.status_code == 200
    assert response.context["form"].errors["payment_day"] == [
        "Ensure this value is less than or equal to 31."
    ]
    assert Lease.objects.count() == 0


def test_quarterly_rent_with_stubs_is_refused_on_the_payment_row(amy, subsidiary):
    response = amy.post(
        reverse("lease_create"),
        lease_post(subsidiary, payment_day="15", **{"payments-0-frequency": "3"}),
    )
    assert response.status_code == 200
    forms = response.context["editor"].payments.forms
    assert forms[0].errors["frequency"] == [
        "With an end date or payment day off the monthly anniversary of commencement, "
        "payments must be monthly."
    ]
    assert Lease.objects.count() == 0


def test_a_whole_months_company_is_told_to_count_actual_days(amy, personas, subsidiary):
    Company.objects.filter(pk=personas.company.pk).update(day_count="whole_months")
    response = amy.post(reverse("lease_create"), lease_post(subsidiary, payment_day="15"))
    assert response.status_code == 200
    assert response.context["form"].errors["payment_day"] == [
        "A payment day or end date off the monthly anniversary of commencement needs partial "
        "months counted by actual days (Settings → Company → Partial months)."
    ]
    assert Lease.objects.count() == 0


def test_a_lease_without_the_new_fields_keeps_its_terms(personas):
    set_up_accounting(personas.company)
    lease = _stored(make_lease(personas.company, commencement=date(2026, 1, 15), term_months=12))
    terms = lease_terms(lease)
    assert (terms.end_date, terms.payment_day, terms.is_dated) == (None, None, False)


@pytest.fixture
def stub_lease(personas):
    set_up_accounting(personas.company)
    return make_lease(
        personas.company,
        code="ST-1",
        commencement=date(2026, 1, 15),
        term_months=60,
        end_date=date(2030, 12, 31),
        payment_day=1,
        amount="3100.00",
    )


def test_a_change_to_a_lease_with_stubs_is_saved_approved_and_moves_the_end_date(
    personas, stub_lease
):
    """Extended by 12 months on 10 March 2027 at 7 %: the end date moves from 31 December 2030
    to 31 December 2031 (a month end stays a month end), rent stays due on the 1st."""
    from leases.change_selectors import changed_schedule, engine_change
    from leases.change_services import lease_change_approve
    from leases.selectors import lease_schedule

    lease = _stored(stub_lease)
    details = {"annual_rate": "0.07", "term_months": 72}
    schedule, event = change_preview(
        lease=lease, kind="term", effective=date(2027, 3, 10), details=details
    )
    assert (event.index, event.on) == (14, date(2027, 3, 10))
    rows = schedule.posted_months()
    assert rows[-1].period == date(2031, 12, 1)
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0
    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="term",
        effective=date(2027, 3, 10),
        details=details,
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    assert LeaseChange.objects.get().status == "approved"
    stored = _stored(stub_lease)
    approved = [engine_change(c) for c in stored.changes.all()]
    assert changed_schedule(lease_schedule(stored, None), approved).posted_months() == rows


def test_a_separate_lease_from_a_lease_with_stubs_ends_with_it_and_pays_on_its_day(
    personas, stub_lease
):
    from leases.change_services import separate_lease_plan

    plan = separate_lease_plan(
        lease=_stored(stub_lease),
        effective=date(2027, 3, 10),
        details={
            "annual_rate": "0.07",
            "separate_lease": True,
            "payments": [{"amount": "500.00"}],
        },
    )
    assert (plan.values["end_date"], plan.values["payment_day"]) == (date(2030, 12, 31), 1)
    assert plan.values["term_months"] == 46
    # 10-31 March 2027 is a part period paid at commencement: 500 / 31 x 22 = 354.84.
    assert plan.schedule.measurement.payments_at_commencement == Decimal("354.84")
    assert plan.schedule.posted_months()[-1].period == date(2030, 12, 1)


def test_an_exempt_lease_with_stubs_is_expensed_by_days(amy, personas, subsidiary):
    """Low value, from 1 January 2026, rent due on the 15th: the stub 1-14 January pays
    1,000 x 14/31 = 451.61 at commencement and the first full period 1,000 on the 15th; the
    cost spreads by days to the end date."""
    from leases.selectors import lease_schedule

    response = amy.post(
        reverse("lease_create"),
        lease_post(subsidiary, payment_day="15", exemption="low_value"),
    )
    assert response.status_code == 302, response.context["form"].errors
    lease = _stored(Lease.objects.get(company=personas.company))
    schedule = lease_schedule(lease, None)
    assert schedule.days
    assert schedule.payments[0] == Decimal("451.61") + Decimal("1000.00")
    assert sum(schedule.expense) == sum(schedule.payments)
    assert schedule.months()[-1].accrued_rent == 0


def test_a_lease_with_stubs_commencing_before_go_live_comes_in_on_its_real_dates(
    amy, personas, subsidiary
):
    """Commenced before go-live with an end date of its own: it is taken, and comes in at
    go-live with the balances of the schedule from commencement (the default transition
    method's liability, the present value of the remaining payments on their dates); the
    go-live schedule ends on the end date's month at exactly zero."""
    from leases.engine.transition import build_golive_schedule
    from leases.selectors import company_go_live, lease_go_live

    Company.objects.filter(pk=personas.company.pk).update(go_live_date=date(2026, 6, 1))
    response = amy.post(
        reverse("lease_create"),
        lease_post(subsidiary, end_date="2026-12-15", term_months=""),
    )
    assert response.status_code == 302, response.context["form"].errors
    lease = _stored(Lease.objects.get(company=personas.company))
    terms = lease_terms(lease)
    assert terms.is_dated
    golive = build_golive_schedule(terms, lease_go_live(lease, company_go_live(lease.company)))
    reference = engine.build_schedule(terms)
    g = golive.offset
    assert golive.balances.liability == reference.posted().closing_liability[g - 1]
    rows = golive.posted_months()
    assert rows[-1].period == date(2026, 12, 1)
    assert rows[-1].closing_liability == rows[-1].rou_closing == 0
    assert [r.payment for r in rows] == [r.payment for r in reference.posted_months()[g:]]


def test_an_anniversary_end_date_and_day_are_taken_as_today(amy, personas, subsidiary):
    Company.objects.filter(pk=personas.company.pk).update(go_live_date=date(2026, 6, 1))
    response = amy.post(
        reverse("lease_create"),
        lease_post(subsidiary, end_date="2026-12-31", term_months="", payment_day="1"),
    )
    assert response.status_code == 302
    lease = Lease.objects.get(company=personas.company)
    assert (lease.term_months, lease_terms(_stored(lease)).is_dated) == (12, False)


def test_the_close_posts_the_stub_month_and_the_last_month_on_their_real_dates(
    personas, stub_lease
):
    from closebooks.postings import close_postings_flat
    from leases.selectors import period_postings

    company = personas.company
    january = close_postings_flat(company, date(2026, 1, 1))
    assert january.problems == []
    assert january.lines == period_postings(company, date(2026, 1, 1)).lines
    lines = [x for x in january.lines if x.lease_code == "ST-1"]
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)
    by_role = {}
    for x in lines:
        by_role[x.role] = by_role.get(x.role, Decimal(0)) + x.debit - x.credit
    # Commencement: liability 158,406.90 and the stub rent 1,700.00 paid on 15 January; the
    # month's straight-line cost is 17 of 31 days of 3,100: 1,700.00.
    assert by_role[engine.AccountRole.LEASE_EXPENSE] == Decimal("1700.00")
    assert by_role[engine.AccountRole.CASH_CLEARING] == Decimal("-1700.00")
    december = close_postings_flat(company, date(2030, 12, 1))
    last = [x for x in december.lines if x.lease_code == "ST-1"]
    assert sum(x.debit for x in last) == sum(x.credit for x in last)
    assert sum(x.credit for x in last if x.role is engine.AccountRole.CASH_CLEARING) == Decimal(
        "3100.00"
    )
    assert close_postings_flat(company, date(2031, 1, 1)).lines == []


def test_the_lease_page_shows_the_end_date_and_the_payment_day(amy, stub_lease):
    page = amy.get(reverse("lease_detail", args=[stub_lease.pk])).content.decode()
    assert "60 months, ending 31 Dec 2030; rent due on day 1 of each month" in page
