"""The company's day count reaches the engine: a lease commencing mid-month is prorated by days
under actual days and computed from the 1st of its month under whole months."""

from datetime import date
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from companies.models import Company
from leases import engine
from leases.models import Lease
from leases.selectors import lease_terms
from tests.leases.factories import make_lease, set_up_accounting


def _stored(lease: Lease) -> Lease:
    return Lease.objects.get(pk=lease.pk)  # amounts as the database gives them back


def test_a_new_company_counts_actual_days_and_a_mid_month_lease_runs_thirteen_months(personas):
    company = personas.company
    set_up_accounting(company)
    lease = _stored(make_lease(company, commencement=date(2026, 1, 15), term_months=12))
    terms = lease_terms(lease)
    assert terms.day_count is engine.DayCount.ACTUAL_DAYS
    rows = engine.build_schedule(terms).posted_months()
    assert (len(rows), rows[0].period, rows[-1].period) == (
        13,
        date(2026, 1, 1),
        date(2027, 1, 1),
    )
    # 17 of January's 31 days carry cost; the 14 days of January 2027 the rest.
    assert rows[0].straight_line_cost + rows[-1].straight_line_cost == rows[1].straight_line_cost


def test_whole_months_computes_the_same_lease_from_the_first_of_its_month(personas):
    company = personas.company
    Company.objects.filter(pk=company.pk).update(day_count="whole_months")
    set_up_accounting(company)
    lease = _stored(make_lease(company, commencement=date(2026, 1, 15), term_months=12))
    terms = lease_terms(lease)
    assert terms.day_count is engine.DayCount.WHOLE_MONTHS
    assert len(engine.build_schedule(terms)) == 12


def test_the_day_count_is_a_company_setting_saved_and_audited(personas):
    client = Client()
    client.force_login(personas.settings_admin.user)
    assert "Partial months" in client.get(reverse("company_settings")).content.decode()
    response = client.post(
        reverse("company_settings"),
        {
            "name": personas.company.name,
            "default_standard": "asc842",
            "journal_granularity": "detail",
            "day_count": "whole_months",
            "date_format": "j M Y",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302
    assert Company.objects.get(pk=personas.company.pk).day_count == "whole_months"
    event = AuditEvent.objects.get(action="company.settings")
    assert (event.before["day_count"], event.after["day_count"]) == (
        "actual_days",
        "whole_months",
    )


def test_a_change_on_the_11th_is_remeasured_on_that_day_for_an_actual_days_company(personas):
    company = personas.company
    set_up_accounting(company)
    lease = _stored(make_lease(company, commencement=date(2026, 1, 1), term_months=12))
    change = engine.LeaseChange(
        engine.ChangeKind.IMPAIRMENT, date(2026, 3, 11), amount=Decimal("100.00")
    )
    schedule = engine.build_changed_schedule(lease_terms(lease), [change])
    assert schedule.events[0].on == date(2026, 3, 11)
