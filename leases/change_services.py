"""The one door to lease changes: propose (pending), approve by a second user, withdraw, book."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_record
from leases import engine
from leases.change_selectors import engine_change
from leases.engine.jsonio import change_from_json
from leases.models import Lease, LeaseChange, LeaseChangeStatus, LeaseStatus
from leases.selectors import lease_terms, leases_with_terms


def _issues(error: engine.LeaseTermsError) -> list[str]:
    return [f"{issue.message} ({issue.field.split('.', 1)[-1]})" for issue in error.issues]


def change_preview(
    *, lease: Lease, kind: str, effective: date, details: dict[str, Any]
) -> tuple[engine.ChangedSchedule, engine.ChangeEvent]:
    """The lease's schedule with its approved changes and this one; raises ValidationError."""
    data = dict(details, kind=kind, effective=effective.isoformat(), reference="new")
    try:
        proposed = change_from_json(data)
        approved = [
            engine_change(c) for c in lease.changes.all() if c.status == LeaseChangeStatus.APPROVED
        ]
        schedule = engine.build_changed_schedule(lease_terms(lease), [*approved, proposed])
    except engine.LeaseTermsError as error:
        raise ValidationError(_issues(error)) from error
    event = next(e for e in schedule.events if e.change is proposed)
    return schedule, event


@transaction.atomic
def lease_change_create(
    *, lease: Lease, actor, kind: str, effective: date, details: dict[str, Any], reason: str = ""
) -> LeaseChange:
    """Save a change to an active lease as pending; nothing posts until someone else approves."""
    Lease.objects.select_for_update().get(pk=lease.pk)  # one change number at a time per lease
    lease = leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()
    if lease.status != LeaseStatus.ACTIVE:
        raise ValidationError("Only an active lease is changed this way; edit a draft directly.")
    change_preview(lease=lease, kind=kind, effective=effective, details=details)
    number = (lease.changes.aggregate(n=Max("number"))["n"] or 0) + 1
    change = LeaseChange.objects.create(
        company=lease.company,
        lease=lease,
        number=number,
        kind=kind,
        effective_date=effective,
        details=details,
        reason=reason[:300],
        created_by=actor,
    )
    audit_record(
        company=lease.company,
        actor=actor,
        action="lease_change.create",
        subject=lease,
        after={
            "change": change.reference,
            "kind": kind,
            "effective": effective.isoformat(),
            "details": details,
            "status": change.status,
        },
        note=reason,
    )
    return change


@transaction.atomic
def lease_change_approve(*, change: LeaseChange, actor) -> LeaseChange:
    """Approve a pending change (maker-checker): never by the person who proposed it."""
    change = LeaseChange.objects.select_for_update().select_related("lease").get(pk=change.pk)
    if change.status != LeaseChangeStatus.PENDING:
        raise ValidationError(
            f"Change {change.reference} is {change.get_status_display().lower()}."
        )
    if change.created_by_id is not None and change.created_by_id == actor.pk:
        raise ValidationError(
            "You proposed this change, so another person with lease-accounting access must "
            "approve it."
        )
    # Re-check against the changes approved since it was proposed.
    lease = leases_with_terms(Lease.objects.filter(pk=change.lease_id)).get()
    try:
        approved = [
            engine_change(c) for c in lease.changes.all() if c.status == LeaseChangeStatus.APPROVED
        ]
        engine.build_changed_schedule(lease_terms(lease), [*approved, engine_change(change)])
    except engine.LeaseTermsError as error:
        raise ValidationError(_issues(error)) from error
    change.status = LeaseChangeStatus.APPROVED
    change.decided_at = timezone.now()
    change.decided_by = actor
    change.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        company=change.company,
        actor=actor,
        action="lease_change.approve",
        subject=lease,
        before={"change": change.reference, "status": LeaseChangeStatus.PENDING},
        after={
            "change": change.reference,
            "status": change.status,
            "proposed_by": str(change.created_by or ""),
            "approved_by": str(actor),
        },
    )
    return change


@transaction.atomic
def lease_change_withdraw(*, change: LeaseChange, actor) -> LeaseChange:
    """Withdraw a pending change; it never posts."""
    change = LeaseChange.objects.select_for_update().select_related("lease").get(pk=change.pk)
    if change.status != LeaseChangeStatus.PENDING:
        raise ValidationError(
            f"Change {change.reference} is {change.get_status_display().lower()}."
        )
    change.status = LeaseChangeStatus.WITHDRAWN
    change.decided_at = timezone.now()
    change.decided_by = actor
    change.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        company=change.company,
        actor=actor,
        action="lease_change.withdraw",
        subject=change.lease,
        before={"change": change.reference, "status": LeaseChangeStatus.PENDING},
        after={"change": change.reference, "status": change.status},
    )
    return change


def lease_changes_book(*, change_ids: list[int], period: date) -> int:
    """Record the period whose close first included these changes (called inside the close)."""
    return LeaseChange.objects.filter(pk__in=change_ids, booking_period__isnull=True).update(
        booking_period=period
    )
