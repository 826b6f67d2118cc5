"""An increase in scope at its standalone price is a separate lease (IFRS 16.44, ASC 842-10-25-8).

IFRS 16 IE Example 15 (https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/
2022/issued/ifrs16-ie.html): the lessee adds 3,000 m² for the remaining five years at a price
commensurate with its market rate, so it "accounts for the modification as a separate lease" and
"does not make any adjustments to the accounting for the original lease". Approving such a change
creates that lease; otherwise an increase in scope stays a remeasurement of the lease itself.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from leases.change_selectors import approved_changes_schedule
from leases.change_services import (
    lease_change_approve,
    lease_change_create,
    lease_changes_approve_many,
)
from leases.models import Lease, LeaseChange
from leases.selectors import leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting

SEPARATE = {
    "separate_lease": True,
    "payments": [{"amount": "500.00", "frequency": "monthly", "timing": "advance"}],
    "annual_rate": "0.07",
}


@pytest.fixture
def lease(personas):
    set_up_accounting(personas.company)
    return make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))


def _reload(lease):
    return leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()


def _balances(lease):
    rows = approved_changes_schedule(_reload(lease)).posted_months()
    return [(m.closing_liability, m.rou_closing) for m in rows]


def _propose(personas, lease, details=SEPARATE, effective=date(2026, 7, 10)):
    return lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="increase_scope",
        effective=effective,
        details=details,
        reason="Second floor at market rent",
    )


def test_preview_says_a_separate_lease_will_be_created_and_saves_nothing(client, personas, lease):
    client.force_login(personas.accountant.user)
    page = client.post(
        reverse("lease_change", args=[lease.pk]),
        {
            "kind": "increase_scope",
            "effective": "2026-07-10",
            "new_rent": "500.00",
            "annual_rate": "7",
            "separate_lease": "on",
            "action": "preview",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "A separate lease will be created: HQ-1-S1" in html
    assert "HQ-1 keeps its figures" in html
    assert "30 months at 7 %" in html
    assert not LeaseChange.objects.exists()
    assert Lease.objects.count() == 1


def test_approval_creates_the_separate_lease_and_leaves_the_original_untouched(personas, lease):
    before = _balances(lease)
    change = _propose(personas, lease)
    assert change.status == "pending" and Lease.objects.count() == 1
    lease_change_approve(change=change, actor=personas.reviewer.user)

    change.refresh_from_db()
    assert change.status == "separate"
    created = _reload(change.separate_lease)
    assert (created.code, created.status) == ("HQ-1-S1", "active")
    # Commences on the effective date and ends with HQ-1 (36 months from Jan 2026): 30 months.
    assert created.commencement_date == date(2026, 7, 10)
    assert created.term_months == 30
    assert created.discount_rate == Decimal("7")
    assert (created.standard, created.classification) == ("asc842", "operating")
    assert created.subsidiary_id == lease.subsidiary_id and created.currency == lease.currency
    [payment] = created.payments.all()
    assert (payment.amount, payment.frequency, payment.timing) == (Decimal("500.00"), 1, "advance")

    # The original lease: no change in its schedule, no event, nothing to post.
    assert not approved_changes_schedule(_reload(lease)).events
    assert _balances(lease) == before

    approve = AuditEvent.objects.get(action="lease_change.approve")
    assert approve.actor == personas.reviewer.user
    assert approve.after["separate_lease"] == "HQ-1-S1"
    assert approve.after["proposed_by"] == str(personas.accountant.user)
    assert AuditEvent.objects.filter(action="lease.create", subject_id=str(created.pk)).exists()
    assert AuditEvent.objects.filter(action="lease.activate", subject_id=str(created.pk)).exists()


def test_a_second_separate_lease_takes_the_next_code_and_its_own_end(personas, lease):
    first = _propose(personas, lease)
    lease_change_approve(change=first, actor=personas.reviewer.user)
    second = _propose(personas, lease, details=SEPARATE | {"term_months": 24})
    lease_change_approve(change=second, actor=personas.reviewer.user)
    second.refresh_from_db()
    assert second.separate_lease.code == "HQ-1-S2"
    assert second.separate_lease.term_months == 24 - 6


def test_approve_many_creates_separate_leases_beside_ordinary_approvals(personas, lease):
    other = make_lease(personas.company, code="HQ-2", commencement=date(2026, 1, 1))
    separate = _propose(personas, lease)
    ordinary = lease_change_create(
        lease=other,
        actor=personas.accountant.user,
        kind="increase_scope",
        effective=date(2026, 7, 1),
        details={
            "payments": [{"amount": "1400.00", "frequency": "monthly", "timing": "advance"}],
            "annual_rate": "0.07",
        },
    )
    assert lease_changes_approve_many(company=personas.company, actor=personas.reviewer.user) == 2
    separate.refresh_from_db()
    ordinary.refresh_from_db()
    assert (separate.status, separate.separate_lease.code) == ("separate", "HQ-1-S1")
    # Not at a standalone price: the lease itself is remeasured.
    assert ordinary.status == "approved" and ordinary.separate_lease is None
    [event] = approved_changes_schedule(_reload(other)).events
    assert event.liability_after > event.liability_before


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"separate_lease": True, "annual_rate": "0.07"}, "Enter the payments"),
        (
            {"separate_lease": True, "payments": SEPARATE["payments"]},
            "Enter the discount rate of the separate lease",
        ),
        (SEPARATE | {"term_months": 6}, "must end after it commences"),
    ],
)
def test_incomplete_separate_leases_are_refused_and_nothing_is_saved(
    personas, lease, details, message
):
    with pytest.raises(ValidationError, match=message):
        _propose(personas, lease, details=details)
    assert not LeaseChange.objects.exists()


def test_the_maker_cannot_approve_and_no_lease_is_created(personas, lease):
    change = _propose(personas, lease)
    with pytest.raises(ValidationError, match="another person"):
        lease_change_approve(change=change, actor=personas.accountant.user)
    assert Lease.objects.count() == 1
    change.refresh_from_db()
    assert change.status == "pending" and change.separate_lease is None
