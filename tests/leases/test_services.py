"""Services: create, update, activate, GL defaults, subsidiaries and segments, all audited."""

import sys
import types
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from leases.models import AccountingDefaults, Lease, LeaseStatus, Segment, Subsidiary
from leases.services import (
    IncentiveInput,
    PaymentInput,
    accounting_defaults_update,
    lease_activate,
    lease_create,
    lease_update,
    segment_create,
    subsidiary_create,
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


def test_the_close_books_guard_refuses_a_change_and_nothing_is_saved(
    personas, subsidiary, monkeypatch
):
    calls = []

    def guard(*, lease, new_terms):
        calls.append((lease.pk, new_terms.payments[0].amount))
        raise ValidationError("January 2026 is closed; this change would alter its figures.")

    module = types.ModuleType("closebooks.services")
    module.lease_change_guard = guard
    monkeypatch.setitem(sys.modules, "closebooks.services", module)
    lease = make_lease(personas.company, status="active")
    with pytest.raises(ValidationError) as caught:
        lease_update(
            lease=lease,
            actor=personas.accountant.user,
            values={},
            payments=[PaymentInput(amount=Decimal("2000"))],
            incentives=[],
        )
    assert caught.value.messages == ["January 2026 is closed; this change would alter its figures."]
    assert calls == [(lease.pk, Decimal("2000"))]
    assert [p.amount for p in lease.payments.all()] == [Decimal("1000.00")]


def test_activation_needs_every_account_the_entries_use(personas, subsidiary):
    AccountingDefaults.objects.filter(company=personas.company).update(lease_expense_account=None)
    lease = make_lease(personas.company, status="draft")
    with pytest.raises(ValidationError) as caught:
        lease_activate(lease=lease, actor=personas.accountant.user)
    assert caught.value.messages == [
        "No “Lease expense (operating)” account is mapped. Set it on the lease or in the GL "
        "defaults."
    ]
    lease.refresh_from_db()
    assert lease.status == LeaseStatus.DRAFT


def test_activation_refuses_incomplete_terms(personas, subsidiary):
    lease = make_lease(personas.company, status="draft", classification="")
    with pytest.raises(ValidationError) as caught:
        lease_activate(lease=lease, actor=personas.accountant.user)
    assert caught.value.messages == [
        "An ASC 842 lease must be classified as operating or finance. (classification)"
    ]
    assert AuditEvent.objects.filter(action="lease.activate").count() == 0


def test_activation_is_audited(personas, subsidiary):
    lease = make_lease(personas.company, status="draft")
    lease_activate(lease=lease, actor=personas.accountant.user)
    event = AuditEvent.objects.get(action="lease.activate")
    assert (event.before, event.after) == ({"status": "draft"}, {"status": "active"})
    with pytest.raises(ValidationError):
        lease_activate(lease=lease, actor=personas.accountant.user)


def test_defaults_subsidiaries_and_segments_are_audited(personas, subsidiary):
    company, actor = personas.company, personas.accountant.user
    sub = subsidiary_create(company=company, actor=actor, name="Acme UK", currency="gbp")
    seg = segment_create(company=company, actor=actor, kind="location", name="London")
    accounting_defaults_update(company=company, actor=actor, values={"location": seg})
    assert sub.currency == "GBP"
    assert AccountingDefaults.objects.get(company=company).location == seg
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "subsidiary.create",
        "segment.create",
        "accounting_defaults.update",
    ]
    with pytest.raises(ValidationError):
        subsidiary_create(company=company, actor=actor, name="Acme UK", currency="GBP")
    assert Subsidiary.objects.filter(company=company).count() == 2
    assert Segment.objects.filter(company=company, kind="location").count() == 1


def test_an_edit_that_would_change_a_closed_period_is_refused_by_close_books(personas, subsidiary):
    from closebooks.models import AccountingPeriod, PeriodStatus

    AccountingPeriod.objects.create(
        company=personas.company,
        start=date(2026, 1, 1),
        status=PeriodStatus.CLOSED,
        closed_at=timezone.now(),
        close_version=1,
    )
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
        "This change to lease L-1 would change the figures of closed period Jan 2026; reopen "
        "that period first or date the change in an open period."
    ]
    assert [p.amount for p in lease.payments.all()] == [Decimal("1000.00")]
    # A change that leaves the closed month alone (the name) goes through.
    lease_update(
        lease=lease,
        actor=personas.accountant.user,
        values={"name": "Renamed"},
        payments=[PaymentInput(amount=Decimal("1000.00"))],
        incentives=[],
    )
    assert Lease.objects.get(pk=lease.pk).name == "Renamed"
