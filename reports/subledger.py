"""The lease subledger over a range of months: each lease's balances and movements, from the engine.

Built once per lease (one schedule each), so a year of reports for 10,000 leases is one pass.
The journal lines come from the engine exactly as the close posts them; ``classify`` decides
which column each goes to.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from leases import engine
from leases.change_selectors import changes_in_books, with_changes
from leases.engine.dates import add_months, months_between
from leases.engine.exemptions import ExemptSchedule
from leases.engine.schedule import PostedSchedule
from leases.engine.transition import GoLiveSchedule
from leases.models import (
    ACCOUNT_FIELDS,
    AssetType,
    Lease,
    LeaseIncentive,
    LeasePayment,
    LeaseStatus,
    RentStep,
    Subsidiary,
)
from leases.selectors import (
    accounting_defaults,
    company_go_live,
    lease_schedule,
    mapped_account,
    variable_lines_by_lease,
)
from reports.classify import LIABILITY_ROLES, ROU_ROLES, ZERO, Movement, classify_month

ASSET_TYPE_LABELS = dict(AssetType.choices)


def classification_of(lease: Lease) -> str:
    """'operating', 'finance' (ASC 842) or 'ifrs16' (one lessee model)."""
    return lease.classification if lease.standard == "asc842" else "ifrs16"


CLASSIFICATION_LABELS = {"operating": "Operating", "finance": "Finance", "ifrs16": "IFRS 16"}


@dataclass
class LeaseFacts:
    """One lease over the range: balances at both ends, movements, and what is still to pay."""

    lease_id: int
    code: str
    name: str
    subsidiary: str
    currency: str
    asset_type: str
    standard: str
    classification: str
    # The discount rate measuring the liability at the range's end (% a year): the lease's own,
    # or the rate of the last change before then that revised it (`rate_in_effect`).
    rate_percent: Decimal
    rou_accounts: tuple[str, ...] = ()  # ROU at cost and accumulated amortization
    liability_accounts: tuple[str, ...] = ()
    opening_rou: Decimal = ZERO
    opening_liability: Decimal = ZERO
    closing_rou: Decimal = ZERO
    closing_liability: Decimal = ZERO
    movement: Movement = field(default_factory=Movement)
    # Undiscounted payments still to come after the range's last month: each of the next five
    # 12-month years, and thereafter.
    maturity_years: list[Decimal] = field(default_factory=lambda: [ZERO] * 5)
    maturity_thereafter: Decimal = ZERO
    liability_in_12_months: Decimal = ZERO
    remaining_months: int = 0
    problem: str = ""

    def blank_copy(self) -> LeaseFacts:
        """The same lease with nothing measured: its own movement and maturity, never shared.
        (Copied through the instance dict: `dataclasses.replace` costs three times as much.)"""
        copy = object.__new__(LeaseFacts)
        copy.__dict__.update(self.__dict__)
        copy.movement = Movement()
        copy.maturity_years = [ZERO] * 5
        return copy

    @property
    def asset_type_label(self) -> str:
        return ASSET_TYPE_LABELS.get(self.asset_type, self.asset_type)

    @property
    def classification_label(self) -> str:
        return CLASSIFICATION_LABELS.get(self.classification, self.classification)

    @property
    def on_balance_sheet(self) -> bool:
        return self.closing_liability != 0 or self.closing_rou != 0


def _posting_role(lease: Lease, role: str) -> str:
    """The role whose account a lease's line lands on (finance leases may have their own set)."""
    try:
        from leases.selectors import lease_posting_role
    except ImportError:  # a ledger without separate finance accounts
        return role
    try:
        return str(lease_posting_role(lease, engine.AccountRole(role)))
    except ValueError:
        return role


def _accounts(lease: Lease, defaults, roles: set[str]) -> tuple[str, ...]:
    """The account numbers a lease's lines of these roles post to."""
    by_role = {str(role): field for role, field in ACCOUNT_FIELDS.items()}
    numbers = set()
    for role in roles:
        field = by_role.get(_posting_role(lease, role))
        account = mapped_account(lease, defaults, field) if field else None
        if account is not None:
            numbers.add(account.number)
    return tuple(sorted(numbers))


def _balances(schedule) -> tuple[list[Decimal], list[Decimal], Decimal | None, Decimal | None]:
    """Posted month-end ROU and liability balances, and the go-live opening balances if any."""
    if isinstance(schedule, GoLiveSchedule):
        # Its balances are posted figures from the go-live month on.
        return (
            schedule.rou_closing,
            schedule.closing_liability,
            schedule.rou_opening(0),
            schedule.opening_liability(0),
        )
    if hasattr(schedule, "posted"):  # the engine's schedule, or one with changes
        posted = schedule.posted()
        return posted.rou_closing, posted.closing_liability, None, None
    return schedule.rou_closing, schedule.closing_liability, None, None  # exempt: all zero


def _month_lines(schedule, index: int, period: date) -> list:
    """What the month posts for the lease: its regular entry and, for a changed lease, the
    change entries of the month (which the close posts as entries of their own)."""
    if hasattr(schedule, "month_lines"):
        return schedule.month_lines(index)
    if isinstance(schedule, engine.Schedule):
        return engine.journal_lines_for_month(schedule, period)
    return schedule.journal_lines_for_month(period)


def _plain_month(schedule, posted: PostedSchedule, index: int, m: Movement) -> None:
    """What `classify_month` makes of the engine's month lines (`journal.commencement_lines`
    and `journal.periodic_lines`), computed straight from the posted balances: the same sums
    without building and reading a dozen line objects per lease-month."""
    if index == 0:
        c = posted.components
        if posted.rou:
            m.rou["additions"] += posted.rou
        if posted.liability:
            m.liability["additions"] += posted.liability
            m.new_liabilities += posted.liability
        if c["payments_at_commencement"]:  # the only commencement clearing line that is paid
            m.cash_paid += c["payments_at_commencement"]
    payment = schedule.payments[index]
    interest = posted.interest_at(index, payment)
    amortization = posted.rou_opening(index) - posted.rou_closing[index]
    cost = posted.straight_line_at(index)
    if cost is not None:
        if cost:
            m.lease_cost += cost
    else:
        if interest:
            m.interest += interest
        if amortization:
            m.amortization_expense += amortization
    if amortization:
        m.rou["amortization"] -= amortization
    if payment:
        m.cash_paid += payment
    principal = payment - interest
    if payment or principal:
        m.liability["payments"] -= payment
        m.liability["amortization"] += payment - principal
        m.principal_paid += principal


def _balance(values: list[Decimal], index: int) -> Decimal:
    """A month-end balance; zero before commencement and after the last month."""
    return values[index] if 0 <= index < len(values) else ZERO


def _load(company, leases: QuerySet[Lease]) -> list[Lease]:
    """The leases with what the engine reads (payments, their steps, incentives, go-live opening
    balances), in four queries. The same as `leases_with_terms` without its joins to every
    mapping field, and with the related rows attached directly: for 10,000 leases this halves
    the time spent loading (mappings are looked up once per distinct mapping instead)."""
    rows = list(leases.select_related("opening").order_by("code"))
    # A handful of subsidiaries: one query and shared instances, not a join and one per lease.
    subsidiaries = Subsidiary.objects.in_bulk({lease.subsidiary_id for lease in rows})
    chosen = leases.values("pk")  # a sub-query: no limit on how many leases
    steps: dict[int, list] = defaultdict(list)
    payments: dict[int, list] = defaultdict(list)
    incentives: dict[int, list] = defaultdict(list)
    for step in RentStep.objects.filter(payment__lease__in=chosen).order_by("effective"):
        steps[step.payment_id].append(step)
    for payment in LeasePayment.objects.filter(lease__in=chosen).order_by("pk"):
        payment._prefetched_objects_cache = {"steps": steps[payment.pk]}
        payments[payment.lease_id].append(payment)
    for incentive in LeaseIncentive.objects.filter(lease__in=chosen).order_by("pk"):
        incentives[incentive.lease_id].append(incentive)
    for lease in rows:
        lease.company = company
        lease.subsidiary = subsidiaries[lease.subsidiary_id]
        lease._prefetched_objects_cache = {
            "payments": payments[lease.pk],
            "incentives": incentives[lease.pk],
        }
    return rows


class _Accounts:
    """Each lease's ROU and liability account numbers; most leases share the company defaults,
    so each distinct mapping is looked up once."""

    id_fields = [f"{field}_id" for field in ACCOUNT_FIELDS.values()]

    def __init__(self, company, defaults=None) -> None:
        self.defaults = defaults if defaults is not None else accounting_defaults(company)
        self.cache: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def __call__(self, lease: Lease) -> tuple[tuple[str, ...], tuple[str, ...]]:
        key = (tuple(map(lease.__dict__.get, self.id_fields)), lease.standard, lease.classification)
        if key not in self.cache:
            self.cache[key] = (
                _accounts(lease, self.defaults, ROU_ROLES),
                _accounts(lease, self.defaults, LIABILITY_ROLES),
            )
        return self.cache[key]


def blank_facts(lease: Lease, accounts: _Accounts) -> LeaseFacts:
    """A lease with nothing on the books and nothing moving yet."""
    rou_accounts, liability_accounts = accounts(lease)
    return LeaseFacts(
        lease_id=lease.pk,
        code=lease.code,
        name=lease.name,
        subsidiary=lease.subsidiary.name,
        currency=lease.currency,
        asset_type=lease.asset_type,
        standard=lease.standard,
        classification=classification_of(lease),
        rate_percent=lease.discount_rate,
        rou_accounts=rou_accounts,
        liability_accounts=liability_accounts,
    )


RATE_PLACES = Decimal("1E-10")  # as `LeaseMonthFacts.rate_percent` keeps it
HUNDRED = Decimal(100)


def rate_in_effect(schedule, index: int) -> Decimal | None:
    """The annual rate (a fraction) measuring the lease liability at the end of month `index`:
    the go-live measurement's (a transition rate), then each change's from its month on (the
    engine's events carry the rate after each: a revised rate for a remeasurement, the same
    rate otherwise). None when it is the lease's own rate."""
    rate = None
    golive = schedule if isinstance(schedule, GoLiveSchedule) else getattr(schedule, "golive", None)
    if golive is not None:
        rate = golive.rate_terms.annual_rate
    events = getattr(schedule, "events", ())
    if isinstance(schedule, ExemptSchedule):
        # An exempt lease has no liability to measure until a change ends the exemption; the
        # changes that keep it carry no rate.
        if getattr(schedule, "recognised", None) is None:
            return None
        events = [e for e in events if e.index >= schedule.recognised_from]
    for event in events:
        if event.index <= index:
            rate = event.rate_after
    return rate


def term_end(lease: Lease, schedule, index: int) -> int | None:
    """The schedule month after the lease term's last, as the term stands at the end of month
    `index` (a change may have moved it), for a lease whose ROU asset is amortized beyond the
    term (over the useful life: ASC 842-20-35-8, IFRS 16.32): its schedule runs to the end of
    that life, the remaining lease term does not. None when the schedule ends with the term."""
    if not (
        lease.useful_life_months
        and (lease.ownership_transfers or lease.purchase_option_reasonably_certain)
    ):
        return None
    term = lease.term_months
    for event in getattr(schedule, "events", ()):
        if event.index <= index and event.change.term_months is not None:
            term = event.change.term_months  # counted from commencement
    commenced = lease.commencement_date.replace(day=1)
    day_count = getattr(lease.company, "day_count", engine.DayCount.WHOLE_MONTHS)
    part = day_count == engine.DayCount.ACTUAL_DAYS and lease.commencement_date.day != 1
    return months_between(schedule.start, commenced) + term + int(part)


def months_on_books(lease: Lease) -> int:
    """Calendar months from the commencement month that a lease without changes keeps
    something on the books, as its schedule counts them: the term, or the useful life when the
    ROU asset outlives it, and one month more when it commences inside a month under actual
    days (its last month is partial: 15 January for 12 months runs to 14 January)."""
    months = lease.term_months
    if lease.classification != "operating" or lease.standard != "asc842":
        life = lease.useful_life_months
        if life and (lease.ownership_transfers or lease.purchase_option_reasonably_certain):
            months = max(months, life)
    day_count = getattr(lease.company, "day_count", engine.DayCount.WHOLE_MONTHS)
    if day_count == engine.DayCount.ACTUAL_DAYS and lease.commencement_date.day != 1:
        months += 1
    return months


class _LeaseBooks:
    """One lease's schedule, built once, read for any number of month ranges."""

    def __init__(self, schedule, read_to: int, lease: Lease | None = None) -> None:
        self.schedule = schedule
        self.lease = lease  # read for the remaining term (`term_end`)
        self.plain = type(schedule) is engine.Schedule
        self.exempt = isinstance(schedule, ExemptSchedule)
        self._paid_by: list[Decimal] | None = None
        if self.plain:
            # No go-live, no change, not exempt: round only the months the reports read (to a
            # year after the last) and take the movements from the balances, not from lines.
            self.posted = PostedSchedule.from_schedule(schedule, months=max(read_to + 13, 0))
            self.rou, self.liability = self.posted.rou_closing, self.posted.closing_liability
            self.opening_rou = self.opening_liability = None
        else:
            self.rou, self.liability, self.opening_rou, self.opening_liability = _balances(schedule)

    def paid_by(self) -> list[Decimal]:
        """Payments settling the liability in the months before each index (one pass, for
        every range read): an exempt lease's own payments are no lease liability's (IFRS
        16.58, ASC 842-20-50-6), the lease recognised when its exemption ends has them."""
        if self._paid_by is None:
            total, paid = ZERO, [ZERO]
            payments = self.schedule.liability_payments() if self.exempt else self.schedule.payments
            for payment in payments:
                total += payment
                paid.append(total)
            self._paid_by = paid
        return self._paid_by

    def measure(self, facts: LeaseFacts, start: date, months: int, variable: dict) -> None:
        """Fill `facts` for the months `start`.. (`months` of them)."""
        schedule, rou, liability = self.schedule, self.rou, self.liability
        first = months_between(schedule.start, start)  # schedule index of the range's first month
        last = first + months - 1
        # Before its first month a lease has nothing on the books, except a lease brought in at
        # go-live, which opens with the balances of the go-live entry.
        facts.opening_rou = rou[first - 1] if 0 < first <= len(rou) else ZERO
        facts.opening_liability = liability[first - 1] if 0 < first <= len(rou) else ZERO
        if first <= 0 <= last and self.opening_rou is not None:
            facts.opening_rou, facts.opening_liability = self.opening_rou, self.opening_liability
        facts.closing_rou = _balance(rou, last)
        facts.closing_liability = _balance(liability, last)
        if not self.plain:
            rate = rate_in_effect(schedule, last)
            if rate is not None:
                facts.rate_percent = (rate * HUNDRED).quantize(RATE_PLACES)
        for index in range(max(first, 0), min(last + 1, len(schedule))):
            month = schedule.period(index)
            if self.plain:
                _plain_month(schedule, self.posted, index, facts.movement)
                lines = variable.get((facts.lease_id, month), [])
            elif self.exempt:
                # An exempt lease's lines settle no liability, except the recognised lease's
                # once a change ends the exemption (from its day, inside the month).
                for part, exempt in schedule.month_parts(index):
                    classify_month(part, into=facts.movement, exempt=exempt)
                lines = variable.get((facts.lease_id, month), [])
            else:
                lines = _month_lines(schedule, index, month) + variable.get(
                    (facts.lease_id, month), []
                )
            classify_month(lines, into=facts.movement, exempt=self.exempt)
        if 0 <= last < len(schedule) - 1:
            paid = self.paid_by()
            n, after = len(paid) - 1, last + 1
            edges = [min(after + 12 * y, n) for y in range(6)]
            facts.maturity_years = [paid[edges[y + 1]] - paid[edges[y]] for y in range(5)]
            facts.maturity_thereafter = paid[n] - paid[edges[5]]
            # The remaining lease term (ASC 842-20-50-4(g)(3)): to the schedule's end, or to
            # the term's end when the ROU asset is amortized beyond it.
            ends = len(schedule)
            if self.lease is not None and not self.exempt:
                ends = min(ends, term_end(self.lease, schedule, last) or ends)
            facts.remaining_months = max(ends - last - 1, 0)
            facts.liability_in_12_months = _balance(liability, last + 12)


def lease_facts(
    company, start: date, end: date, *, leases: QuerySet[Lease] | None = None
) -> list[LeaseFacts]:
    """Every active lease's balances and movements for the months `start`..`end` (first days).

    For a range of closed months the figures kept for each closed period are read
    (`reports.snapshots`); otherwise each lease's schedule is built.
    """
    if leases is None:
        from reports.snapshots import stored_lease_facts

        stored = stored_lease_facts(company, start, end)
        if stored is not None:
            return stored
    return computed_lease_facts(company, [(start, end)], leases=leases)[0]


def computed_lease_facts(
    company,
    spans: list[tuple[date, date]],
    *,
    leases: QuerySet[Lease] | None = None,
) -> list[list[LeaseFacts]]:
    """For each range of months (first days) every active lease's facts, from its schedule.

    Each lease's schedule is built once for all the ranges (once per distinct set of changes in
    the books by a range's end).
    """
    go_live = company_go_live(company)
    accounts = _Accounts(company)
    if leases is None:
        leases = Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE)
    out: list[list[LeaseFacts]] = [[] for _ in spans]
    latest = max(end for _, end in spans)
    # Approved lease changes in the books by each range's end, and variable payments: the same
    # sources the close posts from.
    changes = [changes_in_books(company, end) for _, end in spans]
    variable: dict[tuple[int, date], list] = {}
    wanted = {add_months(a, k) for a, b in spans for k in range(months_between(a, b) + 1)}
    for month in sorted(wanted):
        for lease_id, lines in variable_lines_by_lease(leases, month).items():
            variable[(lease_id, month)] = lines
    for lease in _load(company, leases):
        books: dict[tuple, _LeaseBooks | str] = {}
        header = blank_facts(lease, accounts)
        for k, (start, end) in enumerate(spans):
            facts = header.blank_copy()
            out[k].append(facts)
            mine = changes[k].get(lease.pk, [])
            commenced = lease.commencement_date.replace(day=1)
            if not mine and months_between(commenced, start) >= months_on_books(lease):
                continue  # ended before the range: nothing on the books, nothing moves or is owed
            key = tuple(change.pk for change in mine)
            if key not in books:
                try:
                    schedule = lease_schedule(lease, go_live, defaults=accounts.defaults)
                    if mine:
                        schedule = with_changes(lease, schedule, mine)
                    read_to = months_between(schedule.start, latest)
                    books[key] = _LeaseBooks(schedule, read_to, lease)
                except engine.LeaseTermsError as error:
                    books[key] = f"Lease terms: {error}"
            lease_books = books[key]
            if isinstance(lease_books, str):
                facts.problem = lease_books
                continue
            lease_books.measure(facts, start, months_between(start, end) + 1, variable)
    return out
