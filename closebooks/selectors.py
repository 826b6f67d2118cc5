"""Reads of periods, frozen entries and the close preview."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from closebooks.changes import blocking_changes
from closebooks.golive import golive_entries, is_golive_period
from closebooks.journal import ZERO, DraftEntry, build_entries
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine, PeriodStatus
from closebooks.postings import close_postings_flat
from companies.templatetags.accounting import company_date
from leases.models import Lease, LeaseStatus
from leases.selectors import PostingProblem, golive_postings


def periods_for_company(company) -> QuerySet[AccountingPeriod]:
    """A company's periods, oldest first."""
    return AccountingPeriod.objects.filter(company=company).order_by("start")


def next_period_to_close(company) -> AccountingPeriod | None:
    """The earliest open period up to this month: the only one that may close next."""
    this_month = timezone.localdate().replace(day=1)
    return (
        periods_for_company(company).filter(status=PeriodStatus.OPEN, start__lte=this_month).first()
    )


def last_closed_period(company) -> AccountingPeriod | None:
    """The most recent closed period: the only one that may be reopened."""
    return (
        periods_for_company(company).filter(status=PeriodStatus.CLOSED).order_by("-start").first()
    )


def current_entries(period: AccountingPeriod) -> QuerySet[JournalEntry]:
    """The entries of the period's latest close (older versions are kept as history)."""
    return JournalEntry.objects.filter(period=period, close_version=period.close_version).order_by(
        "id"
    )


def current_entries_search(period: AccountingPeriod, *, q: str = "") -> QuerySet[JournalEntry]:
    """The period's current entries matching the search (external ID, memo, subsidiary, lease)."""
    entries = current_entries(period)
    if q:
        entries = entries.filter(
            Q(external_key__icontains=q)
            | Q(memo__icontains=q)
            | Q(subsidiary__icontains=q)
            | Q(lease_code__icontains=q)
        )
    return entries


def entry_lines(entry: JournalEntry) -> QuerySet[JournalLine]:
    """An entry's lines in order."""
    return entry.lines.order_by("line_no")


def closed_month_starts(company_id: int) -> set:
    """First days of the company's closed months (leases asks through its registry)."""
    return set(
        AccountingPeriod.objects.filter(
            company_id=company_id, status=PeriodStatus.CLOSED
        ).values_list("start", flat=True)
    )


def closed_periods_for_company(company) -> QuerySet[AccountingPeriod]:
    """Closed periods, newest first, with entry count and total debits of the current version."""
    current = Q(journal_entries__close_version=F("close_version"))
    return (
        AccountingPeriod.objects.filter(company=company, status=PeriodStatus.CLOSED)
        .select_related("closed_by")
        .annotate(
            entry_count=Count("journal_entries", filter=current),
            total_debits=Coalesce(
                Sum("journal_entries__total_debit", filter=current), Decimal("0.00")
            ),
        )
        .order_by("-start")
    )


def attach_currency_totals(periods) -> list[AccountingPeriod]:
    """Set `debits_by_currency` [(currency, total)] on each period, in one query.

    Entries of one period can be in several currencies; adding them up would mean nothing.
    """
    periods = list(periods)
    totals: dict[int, list[tuple[str, Decimal]]] = {p.pk: [] for p in periods}
    rows = (
        JournalEntry.objects.filter(period__in=periods, close_version=F("period__close_version"))
        .values("period_id", "currency")
        .annotate(total=Sum("total_debit"))
        .order_by("period_id", "currency")
    )
    for row in rows:
        totals[row["period_id"]].append((row["currency"], row["total"]))
    for period in periods:
        period.debits_by_currency = totals[period.pk]
    return periods


def period_was_synced(period: AccountingPeriod) -> bool:
    """Whether any entry of the period is in NetSuite (then a re-close updates those entries)."""
    return period.sync_runs.filter(entries__status="sent").exists()


@dataclass(frozen=True, slots=True)
class ReadinessItem:
    """A lease that needs attention before the close, with a link when the page exists."""

    lease_id: int
    code: str
    name: str
    reason: str
    url: str | None


def _lease_url(lease_id: int) -> str | None:
    try:
        return reverse("lease_detail", args=[lease_id])
    except NoReverseMatch:
        return None  # the lease pages are not installed yet


def period_readiness(period: AccountingPeriod) -> list[ReadinessItem]:
    """Leases to look at first: drafts commencing by the period's end (they post nothing), and
    active leases whose edits are not approved yet (they post the unapproved figures)."""
    leases = (
        Lease.objects.filter(company_id=period.company_id, commencement_date__lte=period.end)
        .filter(Q(status=LeaseStatus.DRAFT) | Q(changes_pending_since__isnull=False))
        .select_related("changes_pending_by")
        .order_by("code")
    )
    items = []
    for lease in leases:
        if lease.status == LeaseStatus.DRAFT:
            reason = "Still in Draft"
        else:
            when = company_date(lease.changes_pending_since)  # the viewer's day, company's format
            reason = f"Edited on {when} by {lease.changes_pending_by or '—'}; changes not approved"
        items.append(ReadinessItem(lease.pk, lease.code, lease.name, reason, _lease_url(lease.pk)))
    for change in blocking_changes(period.company, period.start):
        # A pending change dated in or before the month blocks the close until it is decided.
        reason = (
            f"Change {change.reference} ({change.get_kind_display()}, effective "
            f"{company_date(change.effective_date)}) by {change.created_by or '—'} waits for "
            "approval"
        )
        lease = change.lease
        items.append(ReadinessItem(lease.pk, lease.code, lease.name, reason, _lease_url(lease.pk)))
    return items


@dataclass
class TrialBalanceRow:
    currency: str
    account_number: str
    account_name: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


@dataclass
class SummaryRow:
    subsidiary: str
    currency: str
    account_number: str
    account_name: str
    department: str
    lease_class: str
    location: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass
class PeriodPreview:
    """What closing the period would freeze, and why it cannot close yet if it can't."""

    period: AccountingPeriod
    entries: list[DraftEntry]
    problems: list[PostingProblem]
    summary: list[SummaryRow] = field(default_factory=list)
    trial_balance: list[TrialBalanceRow] = field(default_factory=list)

    @property
    def total_debit(self) -> Decimal:
        return sum((row.debit for row in self.trial_balance), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((row.credit for row in self.trial_balance), ZERO)

    @property
    def currency_totals(self) -> list[tuple[str, Decimal, Decimal]]:
        """(currency, debits, credits): amounts in different currencies are never added up."""
        totals: dict[str, list[Decimal]] = {}
        for row in self.trial_balance:
            slot = totals.setdefault(row.currency, [ZERO, ZERO])
            slot[0] += row.debit
            slot[1] += row.credit
        return [(currency, d, c) for currency, (d, c) in sorted(totals.items())]

    @property
    def balanced(self) -> bool:
        return all(d == c for _, d, c in self.currency_totals)

    @property
    def line_count(self) -> int:
        return sum(len(entry.lines) for entry in self.entries)


def period_preview(period: AccountingPeriod) -> PeriodPreview:
    """The period's entries in the company's granularity, a summary and a trial balance."""
    company = period.company
    postings = close_postings_flat(company, period.start)  # the lines the close will post
    entries = build_entries(
        postings.lines,
        granularity=company.journal_granularity,
        company_id=company.pk,
        period=period.start,
        label=period.label,
    )
    all_lines = list(postings.lines)
    if is_golive_period(period):
        # The first close also freezes the go-live entry: preview it with the month's entries.
        golive = golive_postings(company)
        entries = golive_entries(golive.lines, period=period) + entries
        postings.problems.extend(golive.problems)
        all_lines += golive.lines
    summary: dict[tuple, SummaryRow] = {}
    balance: dict[tuple, TrialBalanceRow] = {}
    for line in all_lines:
        key = (
            line.subsidiary,
            line.currency,
            line.account_number,
            line.department,
            line.lease_class,
            line.location,
        )
        row = summary.get(key)
        if row is None:
            row = summary[key] = SummaryRow(
                line.subsidiary,
                line.currency,
                line.account_number,
                line.account_name,
                line.department,
                line.lease_class,
                line.location,
            )
        row.debit += line.debit
        row.credit += line.credit
        tb = balance.setdefault(
            (line.currency, line.account_number),
            TrialBalanceRow(line.currency, line.account_number, line.account_name),
        )
        tb.debit += line.debit
        tb.credit += line.credit
    return PeriodPreview(
        period=period,
        entries=entries,
        problems=postings.problems,
        summary=[summary[key] for key in sorted(summary)],
        trial_balance=[balance[key] for key in sorted(balance)],
    )
