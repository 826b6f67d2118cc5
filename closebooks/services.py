"""State changes of the close: create periods, close and reopen them, guard closed figures."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from audit.services import audit_record
from closebooks.journal import ZERO, SplitError, build_entries
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine, PeriodStatus
from companies.models import Membership
from leases import engine
from leases.models import Lease, LeaseStatus
from leases.selectors import lease_terms, leases_with_terms, period_postings

LINE_BATCH = 2000


def month_start(day: date) -> date:
    """The first day of the month containing `day`."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _label(start: date) -> str:
    return start.strftime("%b %Y")


@transaction.atomic
def periods_ensure(*, company, through: date | None = None) -> list[AccountingPeriod]:
    """Create the missing monthly periods up to `through` (default: this month); return them all."""
    through = month_start(through or timezone.localdate())
    first = AccountingPeriod.objects.filter(company=company).aggregate(first=Min("start"))["first"]
    if first is None:
        # A company's calendar starts with its earliest active lease and never grows backwards.
        earliest = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE).aggregate(
            first=Min("commencement_date")
        )["first"]
        first = month_start(earliest) if earliest else through
    months = []
    current = first
    while current <= through:
        months.append(current)
        current = add_months(current, 1)
    AccountingPeriod.objects.bulk_create(
        [AccountingPeriod(company=company, start=start) for start in months],
        ignore_conflicts=True,  # created concurrently or earlier: the unique constraint decides
    )
    return list(AccountingPeriod.objects.filter(company=company).order_by("start"))


def _first_open_before(period: AccountingPeriod) -> date | None:
    """The earliest month before `period` that is not closed (a missing month counts as open)."""
    starts = AccountingPeriod.objects.filter(company=period.company, start__lt=period.start)
    closed = set(starts.filter(status=PeriodStatus.CLOSED).values_list("start", flat=True))
    first = starts.aggregate(first=Min("start"))["first"]
    current = first
    while current is not None and current < period.start:
        if current not in closed:
            return current
        current = add_months(current, 1)
    return None


def _lock(period: AccountingPeriod) -> AccountingPeriod:
    """Re-read the period under a row lock (only its own row: the company stays unlocked)."""
    return AccountingPeriod.objects.select_for_update().get(pk=period.pk)


@transaction.atomic
def period_close(*, period: AccountingPeriod, actor) -> list[JournalEntry]:
    """Freeze the period's journal entries and lock it; refuse, changing nothing, if it can't."""
    period = _lock(period)
    company = period.company
    if period.is_closed:
        raise ValidationError(f"{period.label} is already closed.")
    earlier = _first_open_before(period)
    if earlier is not None:
        raise ValidationError(
            f"Close {_label(earlier)} first: periods close in order and {_label(earlier)} is "
            "still open."
        )
    postings = period_postings(company, period.start)
    if postings.problems:
        raise ValidationError(
            [f"{problem.lease_code}: {problem.message}" for problem in postings.problems]
        )
    try:
        drafts = build_entries(
            postings.lines,
            granularity=company.journal_granularity,
            company_id=company.pk,
            period=period.start,
            label=period.label,
        )
    except SplitError as error:
        raise ValidationError(str(error)) from error

    before = {"status": period.status, "close_version": period.close_version}
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.close_version += 1
    period.save(update_fields=["status", "closed_at", "closed_by", "close_version"])

    entries = JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                company=company,
                period=period,
                close_version=period.close_version,
                external_key=draft.external_key,
                subsidiary=draft.subsidiary,
                currency=draft.currency,
                tran_date=period.end,
                memo=draft.memo,
                lease_id=draft.lease_id,
                lease_code=draft.lease_code,
                sequence=draft.sequence,
                line_count=len(draft.lines),
                total_debit=draft.total_debit,
                total_credit=draft.total_credit,
            )
            for draft in drafts
        ],
        batch_size=LINE_BATCH,
    )
    JournalLine.objects.bulk_create(
        (
            JournalLine(
                entry=entry,
                line_no=number,
                account_number=line.account_number,
                account_name=line.account_name,
                debit=line.debit,
                credit=line.credit,
                memo=line.memo[:300],
                department=line.department,
                lease_class=line.lease_class,
                location=line.location,
                lease_code=line.lease_code,
            )
            for entry, draft in zip(entries, drafts, strict=True)
            for number, line in enumerate(draft.lines, start=1)
        ),
        batch_size=LINE_BATCH,
    )
    audit_record(
        company=company,
        actor=actor,
        action="period.close",
        subject=period,
        before=before,
        after={
            "status": period.status,
            "close_version": period.close_version,
            "entries": len(entries),
            "total_debit": str(sum((d.total_debit for d in drafts), ZERO)),
        },
    )
    return entries


@transaction.atomic
def period_reopen(*, period: AccountingPeriod, actor, reason: str) -> AccountingPeriod:
    """Reopen the most recent closed period (company admins only, with a written reason)."""
    period = _lock(period)
    is_admin = Membership.objects.filter(
        company=period.company, user=actor, is_company_admin=True
    ).exists()
    if not is_admin:
        raise ValidationError("Only a company admin may reopen a closed period.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Write why the period is reopened; the reason is kept in the log.")
    if not period.is_closed:
        raise ValidationError(f"{period.label} is not closed.")
    later = (
        AccountingPeriod.objects.filter(
            company=period.company, start__gt=period.start, status=PeriodStatus.CLOSED
        )
        .order_by("-start")
        .first()
    )
    if later is not None:
        raise ValidationError(
            f"Reopen {later.label} first: only the most recent closed period can be reopened."
        )
    before = {"status": period.status, "close_version": period.close_version}
    period.status = PeriodStatus.OPEN
    period.reopened_at = timezone.now()
    period.reopened_by = actor
    period.reopen_reason = reason
    period.save(update_fields=["status", "reopened_at", "reopened_by", "reopen_reason"])
    audit_record(
        company=period.company,
        actor=actor,
        action="period.reopen",
        subject=period,
        before=before,
        after={"status": period.status, "close_version": period.close_version},
        note=reason,
    )
    return period


def _lines(schedule: engine.Schedule | None, month: date) -> list[tuple]:
    """A month's engine lines as comparable tuples ([] without a schedule)."""
    if schedule is None:
        return []
    return [(x.role, x.debit, x.credit) for x in engine.journal_lines_for_month(schedule, month)]


def lease_change_guard(*, lease: Lease, new_terms: engine.LeaseTerms) -> None:
    """Refuse a lease change that would alter the figures of any closed period."""
    if lease.pk is None or lease.status != LeaseStatus.ACTIVE:
        return  # only active leases have posted anything
    closed = list(
        AccountingPeriod.objects.filter(company_id=lease.company_id, status=PeriodStatus.CLOSED)
        .order_by("start")
        .values_list("start", flat=True)
    )
    if not closed:
        return
    # Re-read the stored lease: the caller's instance may already hold the edited values.
    stored = leases_with_terms(Lease.objects.filter(pk=lease.pk)).first()
    current_terms = lease_terms(stored) if stored is not None else None
    try:
        old_schedule = engine.build_schedule(current_terms) if current_terms else None
    except engine.LeaseTermsError:
        old_schedule = None
    try:
        new_schedule = engine.build_schedule(new_terms)
    except engine.LeaseTermsError:
        return  # invalid terms are the form's to report, not the guard's

    changed = [m for m in closed if _lines(old_schedule, m) != _lines(new_schedule, m)]
    if changed:
        names = ", ".join(_label(m) for m in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        raise ValidationError(
            f"This change to lease {lease.code} would change the figures of closed period "
            f"{names}{more}; reopen that period first or date the change in an open period."
        )
