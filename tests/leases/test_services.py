"""Services: create, update, activate, GL defaults, subsidiaries and segments, all audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from leases.models import Lease, LeaseStatus
from leases.services import (
    IncentiveInput,
    PaymentInput,
    lease_create,
    lease_update,
)
from tests.leases.factories import make_lease


def _values(subsidiary, **overrides):
    values = {
        "code": "L-9",
        "name": "Warehouse",
        "subsidiary": subsidiary,
        "currency": "USD",
        "commencement_date": date(2026, 1, 1),
        "term_months": 12,
        "standard": "asc842",
        "classification": "operating",
        "discount_rate": Decimal("9.04088"),
    }
    values.update(overrides)
    return values


def test_lease_create_stores_a_draft_with_its_payments_and_an_audit_row(personas, subsidiary):
    lease = lease_create(
        company=personas.company,
        actor=personas.accountant.user,
        values=_values(subsidiary),
        payments=[
            PaymentInput(amount=Decimal("500.00"), steps=((date(2026, 7, 1), Decimal("550")),))
        ],
        incentives=[IncentiveInput(Decimal("100.00"), date(2026, 6, 1))],
    )
    assert lease.status == LeaseStatus.DRAFT
    assert lease.discount_rate == Decimal("9.040880")
    assert [s.amount for s in lease.payments.get().steps.all()] == [Decimal("550.00")]
    assert [i.receivable_on for i in lease.incentives.all()] == [date(2026, 6, 1)]
    event = AuditEvent.objects.get(action="lease.create")
    assert event.actor == personas.accountant.user
    assert event.after["code"] == "L-9"
    assert event.after["payments"] == ["500.00 every 1 month(s) in advance; 550.00 from 2026-07-01"]


def test_lease_create_refuses_another_companys_subsidiary(personas, subsidiary, other_subsidiary):
    with pytest.raises(ValidationError) as caught:
        lease_create(
            company=personas.company,
            actor=personas.accountant.user,
            values=_values(other_subsidiary),
            payments=[PaymentInput(amount=Decimal("500"))],
            incentives=[],
        )
    assert caught.value.message_dict == {
        "subsidiary": ["Choose one of your own company's entries."]
    }
    assert Lease.objects.count() == 0


def test_lease_update_audits_before_and_after(personas, subsidiary):
    lease = make_lease(personas.company, status="draft")
    lease_update(
        lease=lease,
        actor=personas.accountant.user,
        values={"name": "Renamed"},
        payments=[PaymentInput(amount=Decimal("1200.00"))],
        incentives=[],
    )
    event = AuditEvent.objects.get(action="lease.update")
    assert (event.before["name"], event.after["name"]) == ("Lease L-1", "Renamed")
    assert event.after["payments"] == ["1200.00 every 1 month(s) in advance"]


def test_an_active_lease_cannot_be_saved_with_unusable_terms(personas, subsidiary):
    lease = make_lease(personas.company, status="active")
    with pytest.raises(ValidationError):
        lease_update(
            lease=lease,
            actor=personas.accountant.user,
            values={"classification": ""},
            payments=[PaymentInput(amount=Decimal("1000"))],
            incentives=[],
        )
    lease.refresh_from_db()
    assert lease.classification == "operating"
    assert AuditEvent.objects.filter(action="lease.update").count() == 0


def test_new_terms_for_an_active_lease_are_refused_and_nothing_is_saved(personas, subsidiary):
    lease = make_lease(personas.company, status="active")
    with pytest.raises(ValidationError) as caught:
        lease_update(
            lease=lease,
            actor=personas.accountant.user,
            values={},
            payments=[PaymentInput(amount=Decimal("2000"))],
            incentives=[],
        )
    assert caught.value.messages == [
        "Lease L-1 is active, so its terms change through *Change lease* from a date "
        "(remeasurement, catch-up in the first open period)."
    ]
    assert [p.amount for p in lease.payments.all()] == [Decimal("1000.00")]
    # An edit that leaves the terms alone (the name) goes through.
    lease_update(
        lease=lease,
        actor=personas.accountant.user,
        values={"name": "Renamed"},
        payments=[PaymentInput(amount=Decimal("1000.00"))],
        incentives=[],
    )
    assert Lease.objects.get(pk=lease.pk).name == "Renamed"
