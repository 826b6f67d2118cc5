"""Edits to an active lease wait for approval, and the close wizard says so."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod
from closebooks.selectors import period_readiness
from closebooks.services import periods_ensure
from leases.models import Lease
from leases.selectors import leases_with_terms
from leases.services import PaymentInput, lease_approve_changes, lease_update
from tests.leases.factories import make_lease, set_up_accounting


@pytest.fixture
def active_lease(personas):
    set_up_accounting(personas.company)
    return make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))


def _edit_name(lease, actor, name="Head office (renamed)"):
    lease = leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()
    payments = [
        PaymentInput(
            amount=p.amount,
            frequency=p.frequency,
            timing=p.timing,
            rent_free_months=p.rent_free_months,
            escalation_kind=p.escalation_kind,
            escalation_value=p.escalation_value,
            escalation_every_months=p.escalation_every_months,
            index_factor=p.index_factor,
        )
        for p in lease.payments.all()
    ]
    return lease_update(
        lease=lease, actor=actor, values={"name": name}, payments=payments, incentives=[]
    )


def test_an_edit_to_an_active_lease_waits_for_approval_and_the_wizard_lists_it(
    personas, active_lease
):
    _edit_name(active_lease, personas.accountant.user)
    active_lease.refresh_from_db()
    assert active_lease.changes_pending_since is not None
    assert active_lease.changes_pending_by == personas.accountant.user
    periods_ensure(company=personas.company, through=date(2026, 1, 1))
    period = AccountingPeriod.objects.get(company=personas.company, start=date(2026, 1, 1))
    [item] = period_readiness(period)
    assert item.code == "HQ-1"
    assert item.reason.startswith("Edited on ") and "changes not approved" in item.reason


def test_a_colleague_approves_and_the_audit_log_keeps_both_names(client, personas, active_lease):
    _edit_name(active_lease, personas.accountant.user)
    client.force_login(personas.reviewer.user)
    response = client.post(reverse("lease_approve_changes", args=[active_lease.pk]), follow=True)
    assert "are approved" in response.content.decode()
    active_lease.refresh_from_db()
    assert active_lease.changes_pending_since is None
    event = AuditEvent.objects.get(action="lease.approve_changes")
    assert event.actor == personas.reviewer.user
    assert event.before["changes_pending_by"] == str(personas.accountant.user)
    assert event.note == ""


def test_approving_nothing_is_refused_and_changes_nothing(personas, active_lease):
    with pytest.raises(ValidationError, match="no changes waiting"):
        lease_approve_changes(lease=active_lease, actor=personas.reviewer.user)
    assert not AuditEvent.objects.filter(action="lease.approve_changes").exists()


def test_drafts_are_edited_freely_without_an_approval_step(personas, active_lease):
    Lease.objects.filter(pk=active_lease.pk).update(status="draft")
    _edit_name(active_lease, personas.accountant.user)
    active_lease.refresh_from_db()
    assert active_lease.changes_pending_since is None
    assert active_lease.discount_rate == Decimal("6")
