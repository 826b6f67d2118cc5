"""Editing the opening balances of a lease brought in at go-live, before the go-live close."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from leases import engine
from leases.closed_months import closed_months
from leases.engine.transition import build_golive_schedule
from leases.models import Lease, LeaseOpeningBalance, LeaseStatus
from leases.selectors import company_go_live, lease_go_live, lease_terms, leases_with_terms

# What a user edits, as the engine's go-live input takes it (docs/golive.md).
OPENING_FIELDS = (
    "method",
    "transition_rate",
    "deferred_rent",
    "unamortized_incentives",
    "liability",
    "rou_asset",
    "accumulated_amortization",
    "restoration_provision",
)
# The engine names its go-live inputs; the form names its fields.
ENGINE_TO_FIELD = {
    "method": "method",
    "opening": "liability",
    "opening.liability": "liability",
    "opening.rou_asset": "rou_asset",
    "deferred_rent": "deferred_rent",
    "restoration_provision": "restoration_provision",
}


def opening_balances_refusal(lease: Lease) -> str:
    """Why the lease's opening balances cannot be edited now ("" when they can)."""
    go_live = company_go_live(lease.company)
    if go_live is None:
        return "The company has no go-live date, so every lease is measured from commencement."
    if lease.commencement_date.replace(day=1) >= go_live:
        return (
            f"{lease.code} commences in or after the go-live month ({go_live:%b %Y}): it is "
            "measured from commencement and has no opening balances."
        )
    if lease.exemption:
        return f"{lease.code} is exempt: it has no ROU asset or lease liability to bring in."
    if go_live in closed_months(lease.company_id):
        return (
            f"{go_live:%b %Y}, the go-live month, is closed: its go-live entry is frozen with "
            "these balances. A company admin reopens it before they can change."
        )
    return ""


def _snapshot(opening: LeaseOpeningBalance | None) -> dict[str, Any] | None:
    if opening is None:
        return None
    values = {name: getattr(opening, name) for name in OPENING_FIELDS}
    return {k: (str(v) if isinstance(v, (Decimal, date)) else v) for k, v in values.items()}


def _engine_refusal(error: engine.LeaseTermsError) -> ValidationError:
    messages: dict[str, list[str]] = {}
    for issue in error.issues:
        field = ENGINE_TO_FIELD.get(issue.field, "__all__")
        messages.setdefault(field, []).append(issue.message)
    return ValidationError(messages)


@transaction.atomic
def lease_opening_balances_set(*, lease: Lease, actor, values: dict[str, Any]) -> Lease:
    """Record how a lease that commenced before go-live comes in, checked by the engine.

    Refused once the go-live month is closed. On an active lease the edit waits for a
    colleague's approval like any other edit (the close lists the lease until then).
    """
    Lease.objects.select_for_update().get(pk=lease.pk)  # one edit of a lease at a time
    # Without .get()'s LIMIT, which costs PostgreSQL ~180 ms of planning over the mapping joins.
    lease = next(iter(leases_with_terms(Lease.objects.filter(pk=lease.pk))))
    refusal = opening_balances_refusal(lease)
    if refusal:
        raise ValidationError(refusal)
    opening = LeaseOpeningBalance.objects.filter(lease=lease).first()
    before = _snapshot(opening)
    opening = opening or LeaseOpeningBalance(lease=lease)
    for name in OPENING_FIELDS:
        if name in values:
            setattr(opening, name, values[name])
    opening.full_clean(exclude=["lease"])
    # The engine reads the new balances exactly as the close will.
    lease.opening = opening
    try:
        build_golive_schedule(
            lease_terms(lease), lease_go_live(lease, company_go_live(lease.company))
        )
    except engine.LeaseTermsError as error:
        raise _engine_refusal(error) from error
    after = _snapshot(opening)
    if after == before:
        return lease
    opening.save()
    if lease.status == LeaseStatus.ACTIVE:
        # The go-live entry now depends on figures nobody else has looked at.
        lease.changes_pending_since = timezone.now()
        lease.changes_pending_by = actor
        lease.save(update_fields=["changes_pending_since", "changes_pending_by"])
    audit_record(
        company=lease.company,
        actor=actor,
        action="lease.opening_balances",
        subject=lease,
        before=before,
        after=after,
    )
    return lease
