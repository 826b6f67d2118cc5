"""Variable payments: outside the liability, expensed in their month on their own lines."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from leases.models import VariablePayment
from leases.selectors import period_postings
from leases.services import variable_payment_save
from tests.leases.factories import make_lease


def test_a_variable_payment_posts_on_its_own_lines_in_its_month_only(personas, subsidiary):
    lease = make_lease(personas.company, code="CAM-1")
    fixed = period_postings(personas.company, date(2026, 3, 1)).lines
    variable_payment_save(
        lease=lease,
        actor=personas.accountant.user,
        period=date(2026, 3, 17),
        kind="cam",
        amount=D("412.50"),
        memo="Q1 true-up",
    )
    march = period_postings(personas.company, date(2026, 3, 1)).lines
    added = march[len(fixed) :]
    assert march[: len(fixed)] == fixed  # the fixed payments' lines are untouched
    assert [(x.account_number, x.debit, x.credit, x.memo) for x in added] == [
        ("6420", D("412.50"), D(0), "Variable lease payment: Common-area maintenance · Q1 true-up"),
        ("2150", D(0), D("412.50"), "Variable lease payment: Common-area maintenance · Q1 true-up"),
    ]
    april = period_postings(personas.company, date(2026, 4, 1)).lines
    assert not any(x.account_number == "6420" for x in april)
    assert AuditEvent.objects.filter(action="variable_payment.save").count() == 1


def test_a_closed_month_refuses_a_variable_payment_and_changes_nothing(personas, subsidiary):
    lease = make_lease(personas.company, code="CAM-1")
    periods_ensure(company=personas.company, through=date(2026, 1, 1))
    period_close(
        period=AccountingPeriod.objects.get(company=personas.company, start=date(2026, 1, 1)),
        actor=personas.accountant.user,
    )
    with pytest.raises(ValidationError, match="Jan 2026 is closed"):
        variable_payment_save(
            lease=lease,
            actor=personas.accountant.user,
            period=date(2026, 1, 1),
            kind="property_tax",
            amount=D("100.00"),
        )
    assert not VariablePayment.objects.exists()


def test_the_page_records_a_payment_and_explains_a_bad_month(amy, personas, subsidiary):
    lease = make_lease(personas.company, code="CAM-1")
    url = reverse("lease_variable_payments", args=[lease.pk])
    bad = amy.post(url, {"month": "July", "kind": "cam", "amount": "10"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["month"] == ["Enter the month as YYYY-MM, e.g. 2026-07."]
    ok = amy.post(url, {"month": "2026-07", "kind": "usage", "amount": "75.25"})
    assert ok.status_code == 302
    payment = VariablePayment.objects.get()
    assert (payment.period, payment.kind, payment.amount) == (date(2026, 7, 1), "usage", D("75.25"))
