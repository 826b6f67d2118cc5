"""Lease pages: list, create, edit, lease page, activation."""

import re
from decimal import Decimal

from django.urls import reverse

from audit.models import AuditEvent
from leases.models import Lease, LeaseStatus, RentStep
from tests.leases.factories import make_lease
from tests.leases.forms_data import lease_post


def test_the_accountant_creates_a_draft_lease_from_the_form(amy, personas, subsidiary):
    response = amy.post(reverse("lease_create"), lease_post(subsidiary))
    lease = Lease.objects.get(company=personas.company, code="NYC-1")
    assert response.status_code == 302
    assert response.url == reverse("lease_detail", args=[lease.pk])
    assert lease.status == LeaseStatus.DRAFT
    assert [p.amount for p in lease.payments.all()] == [Decimal("1000.00")]
    assert AuditEvent.objects.filter(action="lease.create", subject_id=str(lease.pk)).count() == 1


def test_the_lease_page_shows_measurement_schedule_chart_and_audit(amy, personas, subsidiary):
    lease = make_lease(personas.company, term_months=12, status="draft")
    response = amy.get(reverse("lease_detail", args=[lease.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "polyline" in body
    # Months are named as periods are ("Jan 2026"), never 2026-01.
    assert len(re.findall(r"<tr><td>[A-Z][a-z]{2} 2026", body)) == 12
    assert "<td>2026-" not in body
    assert "Activate" in body
    assert "Initial measurement" in body


def test_the_list_filters_by_status_subsidiary_and_search(amy, personas, subsidiary):
    make_lease(personas.company, code="A-1", name="Alpha", status="draft")
    make_lease(personas.company, code="B-1", name="Beta", classification="finance")
    body = amy.get(reverse("lease_list"), {"status": "draft"}).content.decode()
    assert "A-1" in body and "B-1" not in body
    body = amy.get(reverse("lease_list"), {"q": "bet"}).content.decode()
    assert "B-1" in body and "A-1" not in body
    body = amy.get(reverse("lease_list"), {"classification": "finance"}).content.decode()
    assert "B-1" in body and "A-1" not in body
    body = amy.get(reverse("lease_list"), {"subsidiary": str(subsidiary.pk)}).content.decode()
    assert "A-1" in body and "B-1" in body


def test_activating_a_draft_makes_it_active_and_records_who(amy, personas, subsidiary):
    lease = make_lease(personas.company, status="draft")
    response = amy.post(reverse("lease_activate", args=[lease.pk]))
    lease.refresh_from_db()
    assert response.status_code == 302
    assert lease.status == LeaseStatus.ACTIVE
    assert lease.activated_by == personas.accountant.user


def test_an_incomplete_draft_shows_the_engine_problems_instead_of_crashing(
    amy, personas, subsidiary
):
    lease = make_lease(personas.company, status="draft", classification="", term_months=12)
    response = amy.get(reverse("lease_detail", args=[lease.pk]))
    assert response.status_code == 200
    message = "An ASC 842 lease must be classified as operating or finance."
    assert message in response.content.decode()


def test_editing_keeps_rent_steps_typed_in_the_textarea(amy, personas, subsidiary):
    lease = make_lease(personas.company, status="draft", term_months=24)
    data = lease_post(
        subsidiary,
        code=lease.code,
        term_months="24",
        **{"payments-0-steps": "2027-01-01 1100.00\n"},
    )
    response = amy.post(reverse("lease_edit", args=[lease.pk]), data)
    assert response.status_code == 302
    steps = RentStep.objects.filter(payment__lease=lease)
    assert [(s.effective.isoformat(), s.amount) for s in steps] == [
        ("2027-01-01", Decimal("1100.00"))
    ]
    assert AuditEvent.objects.filter(action="lease.update", subject_id=str(lease.pk)).count() == 1


def test_saving_the_edit_page_untouched_keeps_payments_and_incentives(amy, personas, subsidiary):
    lease = make_lease(personas.company, status="draft", term_months=24)
    lease.incentives.create(amount=Decimal("500.00"))
    page = amy.get(reverse("lease_edit", args=[lease.pk]))
    editor = page.context["editor"]
    data = {}
    for form in [editor.form, *editor.payments.forms, *editor.incentives.forms]:
        for field in form:
            value = field.value()
            if value is not None and value is not False:
                data[field.html_name] = "on" if value is True else str(value)
    for formset in (editor.payments, editor.incentives):
        for field in formset.management_form:
            data[field.html_name] = str(field.value())
    data["name"] = "Renamed"
    response = amy.post(reverse("lease_edit", args=[lease.pk]), data)
    assert response.status_code == 302
    lease.refresh_from_db()
    assert lease.name == "Renamed"
    assert [p.amount for p in lease.payments.all()] == [Decimal("1000.00")]
    assert [i.amount for i in lease.incentives.all()] == [Decimal("500.00")]


def test_a_draft_without_payments_says_so_and_why_it_cannot_be_activated(amy, personas, subsidiary):
    lease = make_lease(personas.company, status="draft")
    lease.payments.all().delete()
    body = amy.get(reverse("lease_detail", args=[lease.pk])).content.decode()
    assert "<dt>Payments</dt><dd>None yet: edit the lease to add its payments.</dd>" in body
    assert 'disabled aria-describedby="activate-blocked">Activate</button>' in body
    assert 'id="activate-blocked">Activate once the points below are fixed.</span>' in body
    assert "Enter at least one payment stream." in body  # the point it refers to


def test_the_discount_rate_reads_as_one_phrase(amy, personas, subsidiary):
    lease = make_lease(personas.company)
    body = amy.get(reverse("lease_detail", args=[lease.pk])).content.decode()
    assert "<dd>6 % a year, nominal (annual ÷ 12)</dd>" in body
