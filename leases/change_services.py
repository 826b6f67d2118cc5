"""The one door to lease changes: propose (pending), approve by a second user, withdraw, book."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_record
from leases import engine
from leases.change_selectors import (
    NOT_FOR_THE_ENGINE,
    NOT_SUPPORTED,
    change_supported,
    changed_schedule,
    engine_change,
    lease_base_schedule,
    leases_for_changes,
)
from leases.closed_months import closed_months
from leases.engine.changes import moved_end
from leases.engine.dates import (
    anniversary_end,
    has_stubs,
    month_start,
    months_between,
    term_months_through,
)
from leases.engine.fast import month_schedule
from leases.engine.fast_changes import review_figures
from leases.engine.jsonio import change_from_json
from leases.models import (
    ACCOUNT_FIELDS,
    SEGMENT_FIELDS,
    Lease,
    LeaseChange,
    LeaseChangeStatus,
    LeaseIncentive,
    LeasePayment,
    LeaseStatus,
    RentStep,
)
from leases.selectors import company_go_live, lease_go_live, lease_terms, leases_with_terms
from leases.services import PaymentInput, lease_activate, lease_create, terms_from_input

HUNDRED = Decimal(100)
# What a separate lease takes from the lease it adds to (the rest comes from the change).
SEPARATE_COPIED = (
    "asset_type",
    "description",
    "landlord",
    "subsidiary",
    "currency",
    "standard",
    "rate_convention",
    *ACCOUNT_FIELDS.values(),
    *SEGMENT_FIELDS.values(),
)


def _issues(error: engine.LeaseTermsError) -> list[str]:
    return [f"{issue.message} ({issue.field.split('.', 1)[-1]})" for issue in error.issues]


def is_separate_lease(kind: str, details: dict[str, Any]) -> bool:
    """An increase in scope priced at its standalone price: a new lease, not a change of this
    one (IFRS 16.44, ASC 842-10-25-8)."""
    return kind == engine.ChangeKind.INCREASE_SCOPE and details.get("separate_lease") is True


@dataclass(frozen=True)
class SeparateLease:
    """The lease that approving an increase in scope at its standalone price creates."""

    code: str
    values: dict[str, Any]  # lease fields, as `lease_create` takes them
    payments: list[PaymentInput]
    terms: engine.LeaseTerms
    schedule: engine.Schedule


def _current_term(lease: Lease) -> int:
    """The lease term after its approved changes (the last one that set a term)."""
    term = lease.term_months
    for change in sorted(lease.changes.all(), key=lambda c: (c.effective_date, c.number)):
        if change.status == LeaseChangeStatus.APPROVED and change.details.get("term_months"):
            term = int(change.details["term_months"])
    return term


def _separate_code(lease: Lease) -> str:
    """`<code>-S1`, `-S2`, ...: the first one not taken in the company."""
    taken = set(
        Lease.objects.filter(
            company_id=lease.company_id, code__startswith=f"{lease.code}-S"
        ).values_list("code", flat=True)
    )
    n = 1
    while f"{lease.code}-S{n}" in taken:
        n += 1
    return f"{lease.code}-S{n}"


def _payment_input(stream: engine.PaymentStream) -> PaymentInput:
    """A parsed payment stream as the lease form enters it (one escalation at most)."""
    if stream.steps or len(stream.escalations) > 1:
        raise ValidationError(
            "A separate lease takes level payments or one escalation; enter a rent table on the "
            "new lease after it is created."
        )
    escalation = stream.escalations[0] if stream.escalations else None
    percent = escalation is not None and escalation.kind is engine.EscalationKind.PERCENT
    return PaymentInput(
        amount=stream.amount,
        frequency=int(stream.frequency),
        timing=stream.timing.value,
        rent_free_months=stream.rent_free_months,
        escalation_kind=escalation.kind.value if escalation else "",
        escalation_value=None
        if escalation is None
        else (escalation.value * HUNDRED if percent else escalation.value),
        escalation_every_months=escalation.every_months if escalation else 12,
    )


def separate_lease_plan(
    *, lease: Lease, effective: date, details: dict[str, Any], reference: str = ""
) -> SeparateLease:
    """The new lease for the added right of use: it commences on the effective date, pays the
    change's payments, is measured at the change's rate and ends at the change's term (months
    from the original commencement; blank = when this lease ends). Raises ValidationError."""
    data = {k: v for k, v in details.items() if k != "separate_lease"}
    try:
        parsed = change_from_json(
            dict(data, kind="increase_scope", effective=effective.isoformat())
        )
    except engine.LeaseTermsError as error:
        raise ValidationError(_issues(error)) from error
    problems = []
    if not parsed.payments:
        problems.append("Enter the payments for the additional right of use.")
    if parsed.annual_rate is None:
        problems.append(
            "Enter the discount rate of the separate lease at its commencement: it is a new "
            "lease, measured at its own rate (IFRS 16.44, ASC 842-10-25-8)."
        )
    elapsed = months_between(month_start(lease.commencement_date), month_start(effective))
    if elapsed < 1:
        problems.append("The separate lease must commence after this lease's commencement month.")
    term = (parsed.term_months or _current_term(lease)) - elapsed
    stubbed = has_stubs(
        lease.commencement_date, lease.term_months, lease.end_date, lease.payment_day
    )
    end_date = None
    if stubbed and elapsed >= 1 and term >= 1:
        # A lease with its own end date and payment day: the separate lease pays on the same
        # day and ends on the day the change gives this lease (its end date moved by the months
        # the term gains or loses, as the engine moves it).
        end_date = moved_end(
            lease.end_date or anniversary_end(lease.commencement_date, lease.term_months),
            (parsed.term_months or _current_term(lease)) - lease.term_months,
            (lease.commencement_date, lease.term_months),
        )
        if end_date <= effective:
            problems.append("The separate lease must end after it commences; check the new term.")
        else:
            term = term_months_through(effective, end_date)
    if elapsed >= 1 and term < 1:
        problems.append("The separate lease must end after it commences; check the new term.")
    if month_start(effective) in closed_months(lease.company_id):
        problems.append(
            f"{effective:%b %Y} is closed: a separate lease commencing then would miss its "
            "commencement entry. Date it in an open month."
        )
    if problems:
        raise ValidationError(problems)
    classification = ""
    if lease.standard == engine.Standard.ASC_842:
        # A new lease is classified on its own; without a choice it follows the lease it adds to.
        classification = details.get("classification") or lease.classification
    suffix = f" ({reference})" if reference else ""
    values = {name: getattr(lease, name) for name in SEPARATE_COPIED}
    values.update(
        code=_separate_code(lease),
        name=f"{lease.name} · additional right of use{suffix}"[:200],
        commencement_date=effective,
        term_months=term,
        classification=classification,
        discount_rate=(parsed.annual_rate * HUNDRED).normalize(),
    )
    if end_date is not None:
        values.update(end_date=end_date, payment_day=lease.payment_day)
    payments = [_payment_input(stream) for stream in parsed.payments]
    terms = terms_from_input(values, payments, [], day_count=lease.company.day_count)
    try:
        issues = engine.validate_terms(terms)
        if issues:
            raise engine.LeaseTermsError(issues)
        schedule = engine.build_schedule(terms)
    except engine.LeaseTermsError as error:
        raise ValidationError(_issues(error)) from error
    return SeparateLease(values["code"], values, payments, terms, schedule)


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
        schedule = changed_schedule(lease_base_schedule(lease), [*approved, proposed])
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
    if is_separate_lease(kind, details):
        separate_lease_plan(lease=lease, effective=effective, details=details)
    else:
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
    lease = leases_with_terms(Lease.objects.filter(pk=change.lease_id)).get()
    if is_separate_lease(change.kind, change.details):
        return _approve_separate(change, lease, actor)
    # Re-check against the changes approved since it was proposed.
    try:
        approved = [
            engine_change(c) for c in lease.changes.all() if c.status == LeaseChangeStatus.APPROVED
        ]
        changed_schedule(lease_base_schedule(lease), [*approved, engine_change(change)])
    except engine.LeaseTermsError as error:
        raise ValidationError(_issues(error)) from error
    change.status = LeaseChangeStatus.APPROVED
    change.decided_at = timezone.now()
    change.decided_by = actor
    change.figures = _review_figures(lease, change, company_go_live(lease.company))
    change.save(update_fields=["status", "decided_at", "decided_by", "figures"])
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


def _review_figures(lease: Lease, change: LeaseChange, go_live: date | None) -> dict:
    """What a close keeps of an IFRS 16 index review's original schedule, computed once when
    the review is approved (`fast_changes.review_figures`); empty for any other change, which
    the close measures in full."""
    if (
        change.kind != engine.ChangeKind.INDEX.value
        or lease.standard != "ifrs16"
        or lease.exemption
        or lease_go_live(lease, go_live) is not None
    ):
        return {}
    try:
        base = month_schedule(lease_terms(lease), month_start(change.effective_date))
        figures = review_figures(base, engine_change(change))
    except engine.LeaseTermsError:
        return {}
    return figures or {}


def _store_review_figures(company, approved_at, actor) -> None:
    """`_review_figures` of the index reviews `actor` approved at `approved_at`, written in one
    statement (a yearly review approves thousands)."""
    reviews = LeaseChange.objects.filter(
        company=company,
        status=LeaseChangeStatus.APPROVED,
        decided_at=approved_at,
        decided_by=actor,
        kind=engine.ChangeKind.INDEX.value,
    )
    leases = Lease.objects.filter(standard="ifrs16", pk__in=reviews.values("lease_id"))
    by_pk = _leases_with_terms_flat(company, leases)
    if not by_pk:
        return
    go_live = company_go_live(company)
    found = []
    for change in reviews.filter(lease__standard="ifrs16").only(
        "pk", "lease_id", "number", "kind", "effective_date", "details"
    ):
        figures = _review_figures(by_pk[change.lease_id], change, go_live)
        if figures:
            change.figures = figures
            found.append(change)
    if not found:
        return
    if _copy_available():
        table = LeaseChange._meta.db_table  # the model's own name, not input
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET figures = v.figures::jsonb "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, figures) WHERE c.id = v.id",
                [[c.pk for c in found], [json.dumps(c.figures) for c in found]],
            )
        return
    LeaseChange.objects.bulk_update(found, ["figures"], batch_size=500)


def _leases_with_terms_flat(company, leases) -> dict[int, Lease]:
    """`leases` with what `lease_terms` reads (payments with their steps, incentives, the
    company), by id: one query per table, filtered by the same query, without the id lists or
    the approved changes `leases_for_changes` loads."""
    by_pk = {lease.pk: lease for lease in leases.defer(*NOT_FOR_THE_ENGINE)}
    if not by_pk:
        return by_pk
    steps: dict[int, list[RentStep]] = {}
    for step in RentStep.objects.filter(payment__lease__in=leases).order_by("effective"):
        steps.setdefault(step.payment_id, []).append(step)
    payments: dict[int, list[LeasePayment]] = {}
    for payment in LeasePayment.objects.filter(lease__in=leases).order_by("pk"):
        payment._prefetched_objects_cache = {"steps": steps.get(payment.pk, [])}
        payments.setdefault(payment.lease_id, []).append(payment)
    incentives: dict[int, list[LeaseIncentive]] = {}
    for incentive in LeaseIncentive.objects.filter(lease__in=leases).order_by("pk"):
        incentives.setdefault(incentive.lease_id, []).append(incentive)
    for pk, lease in by_pk.items():
        lease._prefetched_objects_cache = {
            "payments": payments.get(pk, []),
            "incentives": incentives.get(pk, []),
        }
        lease._state.fields_cache["company"] = company
    return by_pk


def _approve_separate(change: LeaseChange, lease: Lease, actor) -> LeaseChange:
    """Create and activate the separate lease; the original lease keeps its figures."""
    plan = separate_lease_plan(
        lease=lease,
        effective=change.effective_date,
        details=change.details,
        reference=f"{lease.code} {change.reference}",
    )
    created = lease_create(
        company=change.company,
        actor=actor,
        values=plan.values,
        payments=plan.payments,
        incentives=[],
    )
    created = lease_activate(lease=created, actor=actor)
    change.status = LeaseChangeStatus.SEPARATE
    change.decided_at = timezone.now()
    change.decided_by = actor
    change.separate_lease = created
    change.save(update_fields=["status", "decided_at", "decided_by", "separate_lease"])
    audit_record(
        company=change.company,
        actor=actor,
        action="lease_change.approve",
        subject=lease,
        before={"change": change.reference, "status": LeaseChangeStatus.PENDING},
        after={
            "change": change.reference,
            "status": change.status,
            "separate_lease": created.code,
            "proposed_by": str(change.created_by or ""),
            "approved_by": str(actor),
        },
        note=f"Increase in scope at its standalone price: separate lease {created.code} created.",
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
    if not change_ids:
        return 0
    if _copy_available():
        # The ids as one array parameter: a close books thousands of changes, and a placeholder
        # per id cost more to build and quote than the update itself.
        table = LeaseChange._meta.db_table  # the model's own name, not input
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET booking_period = %s "  # noqa: S608
                "WHERE id = ANY(%s) AND booking_period IS NULL",
                [period, list(change_ids)],
            )
            return cursor.rowcount
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


def _copy_available() -> bool:
    """PostgreSQL through psycopg 3: a large import is written with COPY."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def _write_changes(changes: list[LeaseChange]) -> None:
    """Insert new changes: COPY on PostgreSQL (ids drawn from the sequence first, so the
    instances come back saved, as bulk_create leaves them), bulk_create elsewhere."""
    if not _copy_available() or len(changes) < 100:
        LeaseChange.objects.bulk_create(changes, batch_size=2000)
        return
    fields = LeaseChange._meta.concrete_fields
    table = LeaseChange._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(changes)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        rows = []
        for pk, change in zip(ids, changes, strict=True):
            change.pk, change.created_at = pk, now
            change._state.adding, change._state.db = False, connection.alias
            values = {
                "id": pk,
                "company_id": change.company_id,
                "lease_id": change.lease_id,
                "number": change.number,
                "kind": change.kind,
                "effective_date": change.effective_date,
                "details": json.dumps(change.details),
                "reason": change.reason,
                "status": change.status,
                "created_at": now,
                "created_by_id": change.created_by_id,
                "decided_at": None,
                "decided_by_id": None,
                "booking_period": None,
                "separate_lease_id": None,
                "figures": "{}",
            }
            rows.append([values[f.attname] for f in fields])  # KeyError: a new field to fill
        columns = ", ".join(f.column for f in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)


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
    _write_changes(changes)
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
    # An increase in scope at its standalone price creates a lease: one at a time.
    separate = [c for c in changes if is_separate_lease(c.kind, c.details)]
    if separate:
        for change in separate:
            lease = leases_with_terms(Lease.objects.filter(pk=change.lease_id)).get()
            _approve_separate(change, lease, actor)
        done = {c.pk for c in separate}
        changes = [c for c in changes if c.pk not in done]
        selected = selected.exclude(pk__in=done)
        if not changes:
            return len(separate)
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
        for lease in leases_for_changes(Lease.objects.filter(pk__in=moved), company=company):
            approved = [engine_change(c) for c in lease.changes.all()]
            mine = [engine_change(c) for c in mine_by_lease[lease.pk]]
            try:
                changed_schedule(lease_base_schedule(lease), [*approved, *mine])
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
    _store_review_figures(company, now, actor)
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
    return len(changes) + len(separate)
