"""The one door to lease changes: propose (pending), approve by a second user, withdraw, book."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_record
from leases import engine
from leases.change_selectors import (
    NOT_SUPPORTED,
    change_supported,
    engine_change,
    leases_for_changes,
)
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
    if not change_supported(lease):
        raise ValidationError(f"Lease {lease.code}: {NOT_SUPPORTED.message}.")
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


def _batch_audit(company, actor, action: str, changes: list[LeaseChange], **extra) -> None:
    """One audit row for a batch of changes (an import or a bulk approval of thousands): each
    change is named in it, and the change rows keep who proposed and who approved them."""
    audit_record(
        company=company,
        actor=actor,
        action=action,
        after={
            "count": len(changes),
            "changes": [
                f"{c.lease.code} {c.reference} {c.kind} {c.effective_date.isoformat()}"
                for c in changes
            ],
            **extra,
        },
    )


@transaction.atomic
def lease_changes_import(*, company, actor, rows: list) -> list[LeaseChange]:
    """Save validated change rows (see change_imports) as pending changes: all or none."""
    lease_ids = sorted({row.lease.pk for row in rows})
    # Lock the leases in a fixed order so two imports cannot number the same change twice.
    list(Lease.objects.select_for_update().filter(pk__in=lease_ids).order_by("pk").values("pk"))
    numbers = dict(
        LeaseChange.objects.filter(lease_id__in=lease_ids)
        .values("lease_id")
        .annotate(n=Max("number"))
        .values_list("lease_id", "n")
    )
    changes = []
    for row in rows:
        if row.lease.company_id != company.pk or row.lease.status != LeaseStatus.ACTIVE:
            raise ValidationError(f"Line {row.line}: lease {row.lease.code} is not active.")
        numbers[row.lease.pk] = numbers.get(row.lease.pk, 0) + 1
        changes.append(
            LeaseChange(
                company=company,
                lease=row.lease,
                number=numbers[row.lease.pk],
                kind=row.kind,
                effective_date=row.effective,
                details=row.details,
                reason=row.reason[:300],
                created_by=actor,
            )
        )
    LeaseChange.objects.bulk_create(changes, batch_size=2000)
    _batch_audit(company, actor, "lease_change.import", changes, status="pending")
    return changes


@transaction.atomic
def lease_changes_approve_many(*, company, actor, change_ids: list[int] | None = None) -> int:
    """Approve many pending changes at once (a yearly index review); all or none.

    `change_ids=None` approves every pending change proposed by someone else (the page's
    *Approve all* button), without sending thousands of ids to the database.
    """
    selected = LeaseChange.objects.filter(company=company)
    if change_ids is None:
        selected = selected.filter(status=LeaseChangeStatus.PENDING).exclude(created_by=actor)
    else:
        selected = selected.filter(pk__in=change_ids)
    changes = list(
        selected.select_for_update(of=("self",))
        .select_related("lease")
        .only(
            "pk",
            "number",
            "kind",
            "effective_date",
            "details",
            "status",
            "created_at",
            "created_by_id",
            "lease__code",
        )
        .order_by("pk")
    )
    if change_ids is not None and len(changes) != len(set(change_ids)):
        raise ValidationError("Some of these changes are not yours to approve.")
    for change in changes:
        if change.status != LeaseChangeStatus.PENDING:
            raise ValidationError(
                f"Change {change.reference} to lease {change.lease.code} is "
                f"{change.get_status_display().lower()}."
            )
        if change.created_by_id == actor.pk:
            raise ValidationError(
                f"You proposed change {change.reference} to lease {change.lease.code}; another "
                "person must approve it."
            )
    if not changes:
        return 0
    # Re-measure only leases with a change approved since these were proposed.
    oldest = min(c.created_at for c in changes)
    mine_by_lease: dict[int, list[LeaseChange]] = {}
    for change in changes:
        mine_by_lease.setdefault(change.lease_id, []).append(change)
    moved = {
        lease_id
        for lease_id in LeaseChange.objects.filter(
            company=company, status=LeaseChangeStatus.APPROVED, decided_at__gte=oldest
        ).values_list("lease_id", flat=True)
        if lease_id in mine_by_lease
    }
    if moved:
        for lease in leases_for_changes(Lease.objects.filter(pk__in=moved)):
            approved = [engine_change(c) for c in lease.changes.all()]
            mine = [engine_change(c) for c in mine_by_lease[lease.pk]]
            try:
                engine.build_changed_schedule(lease_terms(lease), [*approved, *mine])
            except engine.LeaseTermsError as error:
                raise ValidationError(
                    [f"Lease {lease.code}: {m}" for m in _issues(error)]
                ) from error
    now = timezone.now()
    updated = selected.filter(status=LeaseChangeStatus.PENDING).update(
        status=LeaseChangeStatus.APPROVED, decided_at=now, decided_by=actor
    )
    if updated != len(changes):
        raise ValidationError("The changes moved while you approved them; try again.")
    _batch_audit(
        company,
        actor,
        "lease_change.approve_many",
        changes,
        proposed_by=sorted(
            str(user)
            for user in get_user_model().objects.filter(
                pk__in={c.created_by_id for c in changes if c.created_by_id}
            )
        ),
        approved_by=str(actor),
    )
    return len(changes)
