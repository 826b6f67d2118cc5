"""Reads of leases, and the bridge from a stored lease to the engine and to GL accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from audit.models import AuditEvent
from leases import engine
from leases.engine.components import lease_component_terms, lease_share
from leases.engine.dates import add_months, months_between
from leases.engine.exemptions import (
    Exemption,
    ExemptSchedule,
    build_exempt_schedule,
    suggests_short_term,
)
from leases.engine.payments import cash_by_month
from leases.engine.transition import (
    GoLive,
    GoLiveSchedule,
    OpeningBalances,
    TransitionMethod,
    build_golive_schedule,
)
from leases.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_LABELS,
    SEGMENT_FIELDS,
    AccountingDefaults,
    GLAccount,
    Lease,
    LeasePayment,
    LeaseStatus,
    Segment,
    VariablePayment,
    posting_role,
)

HUNDRED = Decimal(100)
MAPPING_RELATIONS = [*ACCOUNT_FIELDS.values(), *SEGMENT_FIELDS.values()]


def leases_for_company(company) -> QuerySet[Lease]:
    """A company's leases with what list pages show."""
    return Lease.objects.filter(company=company).select_related("subsidiary")


def leases_search(
    company, *, q: str = "", status: str = "", subsidiary: str = "", classification: str = ""
) -> QuerySet[Lease]:
    """A company's leases matching the list page's search and filters."""
    leases = leases_for_company(company)
    if q:
        leases = leases.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(landlord__icontains=q)
        )
    if status:
        leases = leases.filter(status=status)
    if subsidiary.isdigit():
        leases = leases.filter(subsidiary_id=int(subsidiary))
    if classification == "ifrs16":
        leases = leases.filter(standard="ifrs16")
    elif classification:
        leases = leases.filter(standard="asc842", classification=classification)
    return leases


def lease_audit_events(lease: Lease) -> QuerySet[AuditEvent]:
    """The audit trail of one lease, newest first."""
    return AuditEvent.objects.filter(
        company_id=lease.company_id, subject_type=Lease._meta.label, subject_id=str(lease.pk)
    ).select_related("actor")


def leases_with_terms(leases: QuerySet[Lease]) -> QuerySet[Lease]:
    """Leases with everything the engine and the GL mapping need, in a fixed number of queries."""
    return (
        leases.select_related("subsidiary", *MAPPING_RELATIONS)
        .prefetch_related(
            Prefetch("payments", queryset=LeasePayment.objects.prefetch_related("steps")),
            "incentives",
        )
        .select_related("opening", "company__accounting_defaults")
    )


def component_share(lease: Lease) -> Decimal | None:
    """The lease component's share of the payments, or None when nothing is split off: no
    standalone prices, or the company combines the components for the lease's asset type."""
    if lease.lease_component_price is None or lease.non_lease_component_price is None:
        return None
    try:
        combined = lease.company.accounting_defaults.combine_components_asset_types or []
    except AccountingDefaults.DoesNotExist:
        combined = []
    if lease.asset_type in combined:
        return None
    return lease_share(lease.lease_component_price, lease.non_lease_component_price)


def lease_terms(lease: Lease, *, allocate: bool = True) -> engine.LeaseTerms:
    """The engine's view of a stored lease (uses prefetched payments and incentives); with
    standalone prices, only the lease component's share of the payments (`allocate=False`: all)."""
    terms = _all_consideration_terms(lease)
    share = component_share(lease) if allocate else None
    return terms if share is None else lease_component_terms(terms, share)


def non_lease_lines(lease: Lease, period: date) -> list[engine.JournalLine]:
    """The non-lease components' part of the month's payments, expensed as paid."""
    share = component_share(lease)
    if share is None:
        return []
    terms = _all_consideration_terms(lease)
    index = months_between(terms.commencement, period)
    # Cash by calendar month: under actual days from inside a month payments fall on their
    # dates (an arrears one in the next month) and the term ends inside one month more.
    whole = cash_by_month(terms)
    if not 0 <= index < len(whole):
        return []
    amount = whole[index] - cash_by_month(lease_component_terms(terms, share))[index]
    if amount <= 0:
        return []
    memo = "Non-lease components (services)"
    zero = Decimal(0)
    return [
        engine.JournalLine(engine.AccountRole.NON_LEASE_EXPENSE, amount, zero, memo),
        engine.JournalLine(engine.AccountRole.CASH_CLEARING, zero, amount, memo),
    ]


def _prefetched(lease: Lease, name: str):
    """`lease.<name>.all()`: the rows prefetched already when there are (a related manager costs
    more to build than the read of a list a close makes ten thousand times), else the query."""
    cache = getattr(lease, "_prefetched_objects_cache", None)
    if cache is not None and name in cache:
        return cache[name]
    return getattr(lease, name).all()


_MEMBERS: dict[tuple, object] = {}


def _member(kind, value):
    """`kind(value)` for an engine enum, looked up once per value (enum calls are slow)."""
    key = (kind, value)
    found = _MEMBERS.get(key)
    if found is None:
        found = _MEMBERS[key] = kind(value)
    return found


def _all_consideration_terms(lease: Lease) -> engine.LeaseTerms:
    """The stored lease with all of its payments (lease and non-lease components together)."""
    streams = []
    for payment in _prefetched(lease, "payments"):
        escalations = ()
        if payment.escalation_kind and payment.escalation_value is not None:
            value = payment.escalation_value
            if payment.escalation_kind == "percent":
                value = value / HUNDRED
            escalations = (
                engine.Escalation(
                    _member(engine.EscalationKind, payment.escalation_kind),
                    value,
                    payment.escalation_every_months,
                ),
            )
        streams.append(
            engine.PaymentStream(
                amount=payment.amount,
                frequency=_member(engine.Frequency, payment.frequency),
                timing=_member(engine.Timing, payment.timing),
                escalations=escalations,
                steps=tuple(
                    engine.RentStep(s.effective, s.amount) for s in _prefetched(payment, "steps")
                ),
                rent_free_months=payment.rent_free_months,
                index_factor=payment.index_factor,
            )
        )
    if (
        lease.purchase_option_reasonably_certain
        and lease.purchase_option_price
        and lease.purchase_option_date
    ):
        streams.append(
            purchase_option_stream(
                lease.purchase_option_price,
                lease.purchase_option_date,
                last_month=add_months(
                    lease.commencement_date.replace(day=1), lease.term_months - 1
                ),
            )
        )
    return engine.LeaseTerms(
        commencement=lease.commencement_date,
        term_months=lease.term_months,
        standard=_member(engine.Standard, lease.standard),
        annual_rate=lease.discount_rate / HUNDRED,
        payments=tuple(streams),
        classification=_member(engine.Classification, lease.classification)
        if lease.classification
        else None,
        rate_convention=_member(engine.RateConvention, lease.rate_convention),
        useful_life_months=lease.useful_life_months,
        ownership_transfers=lease.ownership_transfers,
        purchase_option_reasonably_certain=lease.purchase_option_reasonably_certain,
        initial_direct_costs=lease.initial_direct_costs,
        incentives=tuple(
            engine.Incentive(i.amount, i.receivable_on) for i in _prefetched(lease, "incentives")
        ),
        prepaid_rent=lease.prepaid_rent,
        restoration_cost=lease.restoration_cost,
        day_count=_member(engine.DayCount, lease.company.day_count),
        restoration_estimate=lease.restoration_estimate,
        restoration_rate=None
        if lease.restoration_rate is None
        else lease.restoration_rate / HUNDRED,
        end_date=lease.end_date,
        payment_day=lease.payment_day,
    )


def purchase_option_stream(price: Decimal, when: date, *, last_month: date) -> engine.PaymentStream:
    """The exercise price as a single payment at the end of its month (ASC 842-20-30-5(c),
    IFRS 16.27(d)): a stream of nothing but one dated step, back to nothing the month after."""
    month = when.replace(day=1)
    following = add_months(month, 1)
    steps = [engine.RentStep(month, price)]
    if following <= last_month:
        steps.append(engine.RentStep(following, Decimal(0)))
    return engine.PaymentStream(amount=Decimal(0), timing=engine.Timing.ARREARS, steps=tuple(steps))


def lease_posting_role(lease: Lease, role: engine.AccountRole) -> engine.AccountRole:
    """The role whose account the lease's line posts to (finance leases use the finance set)."""
    return posting_role(role, standard=lease.standard, classification=lease.classification)


def accounting_defaults(company) -> AccountingDefaults:
    """The company's default GL mapping (an empty one if never saved)."""
    # One row per company, read without .first() and without joins: the 23 joins to its
    # accounts cost PostgreSQL ~15 ms of planning (~180 ms with the LIMIT of .first()); its
    # accounts and segments by id, two small reads, take a millisecond.
    found = next(iter(AccountingDefaults.objects.filter(company=company)), None)
    if found is None:
        return AccountingDefaults(company=company)
    attach_mapping(found)
    return found


def attach_mapping(*holders: Lease | AccountingDefaults) -> None:
    """Load the GL accounts and segments the leases or GL defaults map, by id in two queries
    (none when nothing is mapped), instead of one join per mapping field."""
    account_names = list(ACCOUNT_FIELDS.values())
    segment_names = list(SEGMENT_FIELDS.values())
    account_ids = {getattr(h, f"{n}_id") for h in holders for n in account_names} - {None}
    segment_ids = {getattr(h, f"{n}_id") for h in holders for n in segment_names} - {None}
    accounts = GLAccount.objects.in_bulk(account_ids) if account_ids else {}
    segments = Segment.objects.in_bulk(segment_ids) if segment_ids else {}
    for holder in holders:
        for names, found in ((account_names, accounts), (segment_names, segments)):
            for name in names:
                related = found.get(getattr(holder, f"{name}_id"))
                if related is not None:  # a blank field reads None without a query
                    holder._meta.get_field(name).set_cached_value(holder, related)


def company_lease(company, pk: int, *, prefetch: tuple[str, ...] = ()) -> Lease | None:
    """One lease of the company with what the engine needs (payments, incentives, opening
    balances, the company's defaults row), or None. Its GL mapping is not joined: a page that
    shows it calls `attach_mapping` (23 joins cost PostgreSQL ~35 ms of planning, more with
    the LIMIT of .get())."""
    leases = (
        Lease.objects.filter(company=company, pk=pk)
        .select_related("subsidiary", "opening", "company__accounting_defaults")
        .prefetch_related(
            Prefetch("payments", queryset=LeasePayment.objects.prefetch_related("steps")),
            "incentives",
            *prefetch,
        )
    )
    return next(iter(leases), None)


def mapped_account(lease: Lease, defaults: AccountingDefaults, field: str) -> GLAccount | None:
    """The lease's own account for a mapping field, else the company default."""
    return getattr(lease, field) or getattr(defaults, field)


def mapped_segment(lease: Lease, defaults: AccountingDefaults, field: str) -> Segment | None:
    """The lease's own segment for a mapping field, else the company default."""
    return getattr(lease, field) or getattr(defaults, field)


@dataclass(frozen=True, slots=True)
class PostingLine:
    """One journal line of one lease for one month, with its GL account and segments resolved."""

    lease_id: int
    lease_code: str
    lease_name: str
    subsidiary: str
    currency: str
    role: engine.AccountRole
    account_number: str
    account_name: str
    debit: Decimal
    credit: Decimal
    memo: str
    department: str
    lease_class: str
    location: str


@dataclass(frozen=True, slots=True)
class PostingProblem:
    """Why a lease cannot produce its lines for a period, and what to do about it."""

    lease_id: int
    lease_code: str
    message: str


@dataclass
class PeriodPostings:
    lines: list[PostingLine]
    problems: list[PostingProblem]


def company_go_live(company) -> date | None:
    """The first day of the company's go-live month, or None (closes from the first lease)."""
    go_live = getattr(company, "go_live_date", None)
    return go_live.replace(day=1) if go_live else None


def lease_go_live(lease: Lease, go_live: date | None) -> GoLive | None:
    """The go-live inputs of a lease that commenced before go-live (None for any other lease)."""
    if go_live is None or lease.commencement_date.replace(day=1) >= go_live:
        return None
    opening = getattr(lease, "opening", None) if _has_opening(lease) else None
    method = (opening.method if opening else "") or lease.company.transition_method
    if opening is not None and opening.liability is not None and not opening.method:
        method = TransitionMethod.OPENING_BALANCES  # balances given: they win over the default
    if not method:
        method = "asc840" if lease.standard == "asc842" else "ifrs16_liability"
    balances = None
    if opening is not None and opening.liability is not None:
        balances = OpeningBalances(
            liability=opening.liability,
            rou_asset=opening.rou_asset if opening.rou_asset is not None else opening.liability,
            accumulated_amortization=opening.accumulated_amortization,
        )
    rate = opening.transition_rate if opening and opening.transition_rate is not None else None
    return GoLive(
        go_live=go_live,
        method=TransitionMethod(method),
        transition_rate=None if rate is None else rate / HUNDRED,
        deferred_rent=opening.deferred_rent if opening else Decimal(0),
        unamortized_incentives=opening.unamortized_incentives if opening else Decimal(0),
        opening=balances,
        restoration_provision=opening.restoration_provision if opening else Decimal(0),
    )


def _has_opening(lease: Lease) -> bool:
    try:
        return lease.opening is not None
    except Lease.opening.RelatedObjectDoesNotExist:
        return False


def lease_schedule(
    lease: Lease, go_live: date | None, *, defaults: AccountingDefaults | None = None
) -> engine.Schedule | GoLiveSchedule | ExemptSchedule:
    """The lease's schedule: from commencement, from go-live with its opening balances, or the
    straight-line expense of a short-term or low-value lease."""
    terms = lease_terms(lease)
    if lease.exemption:
        return _exempt_schedule(lease, terms, defaults or accounting_defaults(lease.company))
    inputs = lease_go_live(lease, go_live)
    if inputs is None:
        return engine.build_schedule(terms)
    return build_golive_schedule(terms, inputs)


def _exempt_schedule(
    lease: Lease, terms: engine.LeaseTerms, defaults: AccountingDefaults
) -> ExemptSchedule:
    exemption = Exemption(lease.exemption)
    if exemption is Exemption.SHORT_TERM and lease.asset_type not in (
        defaults.short_term_asset_types or []
    ):
        raise engine.LeaseTermsError(
            [
                engine.TermsIssue(
                    "exemption",
                    f"The short-term exemption is not elected for "
                    f"{lease.get_asset_type_display().lower()} leases. Elect it in the GL "
                    "defaults or clear the lease's exemption.",
                )
            ]
        )
    return build_exempt_schedule(terms, exemption)


def short_term_suggested(lease: Lease, defaults: AccountingDefaults) -> bool:
    """A recognised lease that the company's short-term policy would let it expense instead."""
    return (
        not lease.exemption
        and lease.asset_type in (defaults.short_term_asset_types or [])
        and suggests_short_term(lease_terms(lease))
    )


def _month_lines(schedule, period: date) -> list[engine.JournalLine]:
    if isinstance(schedule, GoLiveSchedule | ExemptSchedule | engine.ChangedSchedule):
        return schedule.journal_lines_for_month(period)
    return engine.journal_lines_for_month(schedule, period)


def _map_lines(
    lease: Lease,
    defaults: AccountingDefaults,
    engine_lines: list[engine.JournalLine],
    lines: list[PostingLine],
    problems: list[PostingProblem],
) -> None:
    """Add the lease's lines mapped to accounts and segments, or its unmapped-account problems."""
    segments = {
        field: (mapped_segment(lease, defaults, field) or "") for field in SEGMENT_FIELDS.values()
    }
    lease_lines: list[PostingLine] = []
    missing: set[str] = set()
    for line in engine_lines:
        field = ACCOUNT_FIELDS[lease_posting_role(lease, line.role)]
        account = mapped_account(lease, defaults, field)
        if account is None:
            missing.add(field)
            continue
        lease_lines.append(
            PostingLine(
                lease_id=lease.pk,
                lease_code=lease.code,
                lease_name=lease.name,
                subsidiary=lease.subsidiary.name,
                currency=lease.currency,
                role=line.role,
                account_number=account.number,
                account_name=account.name,
                debit=line.debit,
                credit=line.credit,
                memo=line.memo,
                department=str(segments["department"]),
                lease_class=str(segments["lease_class"]),
                location=str(segments["location"]),
            )
        )
    if missing:
        # A lease with any unmapped line contributes nothing: a partial entry would not balance.
        for field in sorted(missing):
            problems.append(
                PostingProblem(
                    lease.pk,
                    lease.code,
                    f"No “{ACCOUNT_LABELS[field]}” account is mapped. Set it on the lease "
                    "or in the company's GL defaults.",
                )
            )
        return
    lines.extend(lease_lines)


def period_postings(
    company, period: date, *, leases: QuerySet[Lease] | None = None
) -> PeriodPostings:
    """Every active lease's journal lines for the month starting `period`, mapped to accounts."""
    go_live = company_go_live(company)
    if go_live is not None and period < go_live:
        return PeriodPostings(lines=[], problems=[])  # nothing is posted before go-live
    defaults = accounting_defaults(company)
    if leases is None:
        leases = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE)
    lines: list[PostingLine] = []
    problems: list[PostingProblem] = []
    variable = variable_lines_by_lease(leases, period)
    # Approved lease changes in the books by this month: their leases post the changed schedule
    # (the changes' own entries and any catch-up are leases.change_selectors.change_postings').
    from leases.change_selectors import changes_in_books, with_changes

    changes = changes_in_books(company, period)
    for lease in leases_with_terms(leases):
        try:
            schedule = lease_schedule(lease, go_live, defaults=defaults)
            if lease.pk in changes:
                schedule = with_changes(lease, schedule, changes[lease.pk])
        except engine.LeaseTermsError as error:
            problems.append(PostingProblem(lease.pk, lease.code, f"Lease terms: {error}"))
            continue
        month = (
            _month_lines(schedule, period)
            + non_lease_lines(lease, period)
            + variable.get(lease.pk, [])
        )
        if defaults.post_current_split and not isinstance(schedule, ExemptSchedule):
            month += current_split_lines(schedule, period)
        _map_lines(lease, defaults, month, lines, problems)
    # One problem per lease and message is enough for a person to act on.
    unique = list(dict.fromkeys(problems))
    return PeriodPostings(lines=lines, problems=unique)


def variable_lines_by_lease(
    leases: QuerySet[Lease], period: date
) -> dict[int, list[engine.JournalLine]]:
    """Each lease's variable payments of the month as their own expense lines (one query)."""
    out: dict[int, list[engine.JournalLine]] = {}
    payments = VariablePayment.objects.filter(lease__in=leases, period=period).order_by(
        "lease_id", "kind"
    )
    zero = Decimal(0)
    for payment in payments:
        memo = f"Variable lease payment: {payment.get_kind_display()}"
        if payment.memo:
            memo = f"{memo} · {payment.memo}"
        out.setdefault(payment.lease_id, []).extend(
            [
                engine.JournalLine(engine.AccountRole.VARIABLE_EXPENSE, payment.amount, zero, memo),
                engine.JournalLine(engine.AccountRole.CASH_CLEARING, zero, payment.amount, memo),
            ]
        )
    return out


def golive_postings(company, *, leases: QuerySet[Lease] | None = None) -> PeriodPostings:
    """The go-live entry's lines: opening balances of every active lease that commenced before."""
    go_live = company_go_live(company)
    if go_live is None:
        return PeriodPostings(lines=[], problems=[])
    defaults = accounting_defaults(company)
    if leases is None:
        leases = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE)
    # Exempt leases have no balances to bring in: their straight-line cost simply runs on.
    leases = leases.filter(commencement_date__lt=go_live, exemption="")
    lines: list[PostingLine] = []
    problems: list[PostingProblem] = []
    for lease in leases_with_terms(leases):
        inputs = lease_go_live(lease, go_live)
        if inputs is None:
            continue
        try:
            schedule = build_golive_schedule(lease_terms(lease), inputs)
        except engine.LeaseTermsError as error:
            problems.append(PostingProblem(lease.pk, lease.code, f"Go-live: {error}"))
            continue
        _map_lines(lease, defaults, schedule.golive_lines(), lines, problems)
    return PeriodPostings(lines=lines, problems=list(dict.fromkeys(problems)))


@dataclass(frozen=True, slots=True)
class LiabilitySplit:
    """The liability at a period end, split by when its principal falls due."""

    period: date
    liability: Decimal
    current: Decimal  # principal due within 12 months of the period end
    non_current: Decimal


def liability_split(months: list[engine.ScheduleMonth]) -> list[LiabilitySplit]:
    """Current / non-current liability at each month end: current is the principal repaid in
    the next 12 months (the liability now less the liability 12 months later)."""
    closing = [m.closing_liability for m in months]
    out = []
    for k, month in enumerate(months):
        later = closing[k + 12] if k + 12 < len(closing) else Decimal(0)
        # Accretion can outgrow payments (rent-free months): never below zero or above the total.
        current = min(max(closing[k] - later, Decimal(0)), max(closing[k], Decimal(0)))
        out.append(LiabilitySplit(month.period, closing[k], current, closing[k] - current))
    return out


def _current(closing: list[Decimal], k: int) -> Decimal:
    """Principal repaid in the 12 months after month `k` (never below zero or above the total)."""
    if k < 0:
        return Decimal(0)
    later = closing[k + 12] if k + 12 < len(closing) else Decimal(0)
    return min(max(closing[k] - later, Decimal(0)), max(closing[k], Decimal(0)))


def current_split_lines(schedule, period: date) -> list[engine.JournalLine]:
    """Move the change in the current portion between the liability and its current account, so
    the current account holds the principal due within 12 months at every month end."""
    if isinstance(schedule, GoLiveSchedule):
        closing = schedule.closing_liability
    else:
        closing = schedule.posted().closing_liability
    index = (period.year - schedule.start.year) * 12 + period.month - schedule.start.month
    if not 0 <= index < len(closing):
        return []
    delta = _current(closing, index) - _current(closing, index - 1)
    memo = "Current portion of lease liability"
    zero = Decimal(0)
    if delta > 0:
        return [
            engine.JournalLine(engine.AccountRole.LEASE_LIABILITY, delta, zero, memo),
            engine.JournalLine(engine.AccountRole.CURRENT_LEASE_LIABILITY, zero, delta, memo),
        ]
    if delta < 0:
        return [
            engine.JournalLine(engine.AccountRole.CURRENT_LEASE_LIABILITY, -delta, zero, memo),
            engine.JournalLine(engine.AccountRole.LEASE_LIABILITY, zero, -delta, memo),
        ]
    return []
