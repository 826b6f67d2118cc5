"""Reads behind the reports: roll-forward, disclosures, journal register and trial balance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from closebooks.models import AccountingPeriod, JournalEntry, JournalLine, PeriodStatus
from integrations.models import EntryStatus, SyncEntry
from leases import engine
from leases.engine.transition import build_golive_schedule
from leases.models import Lease, LeaseChange, LeasePayment, LeaseStatus
from leases.selectors import company_go_live, lease_go_live, lease_terms
from reports.classify import MOVEMENTS, ZERO, Movement
from reports.models import LeaseMonthFacts, PeriodFacts, TieOut
from reports.periods import Range, fiscal_range, fiscal_year_of, unclosed_months
from reports.subledger import LeaseFacts, lease_facts

GROUPINGS = {
    "subsidiary": "Subsidiary",
    "asset_type": "Asset class",
    "classification": "Classification",
    "lease": "Lease",
}
MONEY0 = Decimal("0.00")


def _money(value) -> Decimal:
    return value if value is not None else MONEY0


# --- Roll-forward -------------------------------------------------------------------------


# The roll-forward's columns, from opening to closing.
ROLL_LABELS = {
    "opening": "Opening",
    "additions": "Additions",
    "changes": "Changes",
    "amortization": "Amortization / accretion",
    "payments": "Payments",
    "terminations": "Terminations",
    "impairment": "Impairment",
    "closing": "Closing",
}


def roll_column_label(key: str, balance: str) -> str:
    """A column's heading in the ROU ('rou') or the liability ('liability') table."""
    if key == "amortization":
        return "Accretion" if balance == "liability" else "Amortization"
    return ROLL_LABELS[key]


@dataclass
class RollRow:
    """One line of the roll-forward: a group (or a lease) in one currency."""

    key: str
    label: str
    currency: str
    opening_rou: Decimal = ZERO
    opening_liability: Decimal = ZERO
    movement: Movement = field(default_factory=Movement)
    closing_rou: Decimal = ZERO
    closing_liability: Decimal = ZERO
    lease_count: int = 0
    lease_codes: list[str] = field(default_factory=list)

    def add(self, facts: LeaseFacts) -> None:
        self.opening_rou += facts.opening_rou
        self.opening_liability += facts.opening_liability
        self.closing_rou += facts.closing_rou
        self.closing_liability += facts.closing_liability
        self.movement.add(facts.movement)
        self.lease_count += 1
        self.lease_codes.append(facts.code)

    def columns(self, balance: str) -> list[tuple[str, Decimal]]:
        """(column, amount) from opening to closing for 'rou' or 'liability'."""
        moves = self.movement.rou if balance == "rou" else self.movement.liability
        opening = self.opening_rou if balance == "rou" else self.opening_liability
        closing = self.closing_rou if balance == "rou" else self.closing_liability
        return [("opening", opening), *[(c, moves[c]) for c in MOVEMENTS], ("closing", closing)]

    @property
    def rou_ties(self) -> bool:
        return self.opening_rou + sum(self.movement.rou.values(), ZERO) == self.closing_rou

    @property
    def liability_ties(self) -> bool:
        moved = sum(self.movement.liability.values(), ZERO)
        return self.opening_liability + moved == self.closing_liability


@dataclass
class ReconRow:
    """Our subledger against the posted journal entries for one balance of one subsidiary."""

    subsidiary: str
    currency: str
    balance: str  # 'rou' (carrying amount) or 'liability'
    accounts: tuple[str, ...]
    subledger: Decimal
    posted: Decimal

    @property
    def label(self) -> str:
        return "Right-of-use assets" if self.balance == "rou" else "Lease liabilities"

    @property
    def difference(self) -> Decimal:
        return self.subledger - self.posted


@dataclass
class RollForward:
    span: Range
    group_by: str
    rows: list[RollRow]
    totals: list[RollRow]  # one per currency
    reconciliation: list[ReconRow]
    unclosed: list[date]
    problems: list[LeaseFacts]

    @property
    def reconciles(self) -> bool:
        return all(row.difference == 0 for row in self.reconciliation)

    @property
    def differences(self) -> list[ReconRow]:
        return [row for row in self.reconciliation if row.difference != 0]


def _group_key(facts: LeaseFacts, group_by: str) -> tuple[str, str]:
    if group_by == "subsidiary":
        return facts.subsidiary, facts.subsidiary
    if group_by == "asset_type":
        return facts.asset_type, facts.asset_type_label
    if group_by == "classification":
        return facts.classification, facts.classification_label
    return facts.code, f"{facts.code} {facts.name}"


def filter_facts(
    facts: list[LeaseFacts],
    *,
    subsidiary: str = "",
    asset_type: str = "",
    classification: str = "",
    lease: str = "",
) -> list[LeaseFacts]:
    """Keep the leases matching every filter given."""
    return [
        f
        for f in facts
        if (not subsidiary or f.subsidiary == subsidiary)
        and (not asset_type or f.asset_type == asset_type)
        and (not classification or f.classification == classification)
        and (not lease or f.code == lease)
    ]


def posted_balances(company, end: date, start: date | None = None) -> dict[tuple, Decimal]:
    """Net debit per (subsidiary, currency, account) of the closed periods' current entries,
    up to `end` (and from `start`, for activity)."""
    lines = JournalLine.objects.filter(
        entry__company=company,
        entry__period__status=PeriodStatus.CLOSED,
        entry__close_version=F("entry__period__close_version"),
        entry__period__start__lte=end,
    )
    if start is not None:
        lines = lines.filter(entry__period__start__gte=start)
    rows = lines.values("entry__subsidiary", "entry__currency", "account_number").annotate(
        debit=Coalesce(Sum("debit"), MONEY0), credit=Coalesce(Sum("credit"), MONEY0)
    )
    return {
        (r["entry__subsidiary"], r["entry__currency"], r["account_number"]): r["debit"]
        - r["credit"]
        for r in rows
    }


def reconcile(company, facts: list[LeaseFacts], span: Range) -> list[ReconRow]:
    """Closing ROU and liability per subsidiary against the posted balances of their accounts.

    Compared per balance, not per account: the ROU carrying amount can sit on two accounts
    (cost and accumulated amortization), which the subledger does not split.
    """
    ours: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[tuple, set[str]] = defaultdict(set)
    for f in facts:
        ours[(f.subsidiary, f.currency, "rou")] += f.closing_rou
        ours[(f.subsidiary, f.currency, "liability")] += f.closing_liability
        accounts[(f.subsidiary, f.currency, "rou")].update(f.rou_accounts)
        accounts[(f.subsidiary, f.currency, "liability")].update(f.liability_accounts)
    posted = posted_balances(company, span.end)
    rows = []
    for key in sorted(ours):
        subsidiary, currency, balance = key
        net_debit = sum(
            (posted.get((subsidiary, currency, number), ZERO) for number in accounts[key]), ZERO
        )
        rows.append(
            ReconRow(
                subsidiary=subsidiary,
                currency=currency,
                balance=balance,
                accounts=tuple(sorted(accounts[key])),
                subledger=ours[key],
                # A liability is a credit balance.
                posted=net_debit if balance == "rou" else -net_debit,
            )
        )
    return rows


def rollforward(
    company,
    span: Range,
    *,
    group_by: str = "subsidiary",
    facts: list[LeaseFacts] | None = None,
    **filters: str,
) -> RollForward:
    """ROU asset and lease liability from opening to closing, grouped, with its reconciliation."""
    all_facts = facts if facts is not None else lease_facts(company, span.start, span.end)
    chosen = filter_facts(all_facts, **filters)
    groups: dict[tuple, RollRow] = {}
    totals: dict[str, RollRow] = {}
    for f in chosen:
        key, label = _group_key(f, group_by)
        row = groups.get((key, f.currency))
        if row is None:
            row = groups[(key, f.currency)] = RollRow(key, label, f.currency)
        row.add(f)
        total = totals.setdefault(f.currency, RollRow("", "Total", f.currency))
        total.add(f)
    # The reconciliation is of whole accounts: filtering leases would make differences up.
    filtered = any(filters.values())
    return RollForward(
        span=span,
        group_by=group_by,
        rows=[groups[k] for k in sorted(groups, key=lambda k: (k[1], groups[k].label))],
        totals=[totals[c] for c in sorted(totals)],
        reconciliation=[] if filtered else reconcile(company, all_facts, span),
        unclosed=unclosed_months(company, span),
        problems=[f for f in all_facts if f.problem],
    )


# --- Disclosures --------------------------------------------------------------------------


@dataclass
class Figure:
    """One disclosure figure; `note` explains a zero that has no source yet."""

    key: str
    label: str
    amount: Decimal | None
    note: str = ""
    lease_codes: list[str] = field(default_factory=list)
    unit: str = "money"  # money, years, percent


@dataclass
class Maturity:
    """Undiscounted payments by year after the period end, reconciled to the liability."""

    label: str
    years: list[Decimal]  # year 1..5
    thereafter: Decimal
    present_value: Decimal
    current: Decimal
    lease_codes: list[str]

    @property
    def undiscounted(self) -> Decimal:
        return sum(self.years, ZERO) + self.thereafter

    @property
    def imputed_interest(self) -> Decimal:
        return self.undiscounted - self.present_value

    @property
    def non_current(self) -> Decimal:
        return self.present_value - self.current


@dataclass
class Disclosures:
    standard: str
    currency: str
    span: Range
    figures: list[Figure]
    maturities: list[Maturity]
    # IFRS 16: (class of underlying asset, depreciation, closing ROU, lease codes)
    by_class: list[tuple[str, Decimal, Decimal, list[str]]]


NO_SHORT_TERM = "No short-term lease cost recorded in these months."
NO_VARIABLE = "No variable lease payments recorded in these months."
NO_LOW_VALUE = "No low-value lease cost recorded in these months."
# ASC 842-20-50-4(f) and IFRS 16.53(f) list sublease income; the product keeps no lessor books.
NO_SUBLEASE = "Subleases are not recorded here; no lease cost above is net of sublease income."
QUANT = Decimal("0.01")


def _sum(facts: list[LeaseFacts], attr) -> Decimal:
    return sum((attr(f) for f in facts), ZERO)


def _codes(facts: list[LeaseFacts]) -> list[str]:
    return [f.code for f in facts]


def maturity(label: str, facts: list[LeaseFacts], span: Range) -> Maturity:
    """Five years and thereafter, counted in 12-month years from the range's end."""
    years = [ZERO] * 5
    for f in facts:
        for index, amount in enumerate(f.maturity_years):
            years[index] += amount
    thereafter = _sum(facts, lambda f: f.maturity_thereafter)
    pv = _sum(facts, lambda f: f.closing_liability)
    later = _sum(facts, lambda f: f.liability_in_12_months)
    return Maturity(label, years, thereafter, pv, pv - later, _codes(facts))


def weighted_term_years(facts: list[LeaseFacts]) -> Decimal | None:
    """Remaining term weighted by each lease's liability (ASC 842-20-55-11), in years."""
    weight = _sum(facts, lambda f: f.closing_liability)
    if not weight:
        return None
    months = _sum(facts, lambda f: f.closing_liability * f.remaining_months)
    return (months / weight / 12).quantize(QUANT, ROUND_HALF_UP)


def weighted_rate(facts: list[LeaseFacts]) -> Decimal | None:
    """Discount rate weighted by each lease's remaining undiscounted payments (ASC 842-20-55-12)."""
    payments = {f.code: sum(f.maturity_years, f.maturity_thereafter) for f in facts}
    weight = sum(payments.values(), ZERO)
    if not weight:
        return None
    total = sum((f.rate_percent * payments[f.code] for f in facts), ZERO)
    return (total / weight).quantize(QUANT, ROUND_HALF_UP)


def _interest_paid(f: LeaseFacts) -> Decimal:
    """Interest settled in cash: the accretion, at most the periodic payments (ASC 842-20-45-5)."""
    periodic = -f.movement.liability["payments"]
    return min(f.movement.liability["amortization"], periodic)


def _recorded(key: str, label: str, facts: list[LeaseFacts], attr: str, none: str) -> Figure:
    """A cost that only some leases have: the sum, or 0 with a note when none is recorded."""
    having = [f for f in facts if getattr(f.movement, attr)]
    amount = _sum(having, lambda f: getattr(f.movement, attr))
    return Figure(key, label, amount, "" if having else none, lease_codes=_codes(having))


def asc842_disclosures(currency: str, facts: list[LeaseFacts], span: Range) -> Disclosures:
    operating = [f for f in facts if f.classification == "operating"]
    finance = [f for f in facts if f.classification == "finance"]
    op_cost = _sum(operating, lambda f: f.movement.lease_cost)
    fin_amort = _sum(finance, lambda f: f.movement.amortization_expense)
    fin_interest = _sum(finance, lambda f: f.movement.interest)
    fin_interest_paid = _sum(finance, _interest_paid)
    short_term = _recorded(
        "short_term_cost", "Short-term lease cost", facts, "exempt_cost", NO_SHORT_TERM
    )
    variable = _recorded(
        "variable_cost", "Variable lease cost", facts, "variable_cost", NO_VARIABLE
    )
    figures = [
        Figure(
            "operating_lease_cost", "Operating lease cost", op_cost, lease_codes=_codes(operating)
        ),
        Figure(
            "finance_amortization",
            "Finance lease cost: amortization of right-of-use assets",
            fin_amort,
            lease_codes=_codes(finance),
        ),
        Figure(
            "finance_interest",
            "Finance lease cost: interest on lease liabilities",
            fin_interest,
            lease_codes=_codes(finance),
        ),
        short_term,
        variable,
        Figure("sublease_income", "Sublease income", None, NO_SUBLEASE),
        Figure(
            "total_cost",
            "Total lease cost",
            # ASC 842-20-50-4: the sum of every lease cost line above (sublease income has none).
            op_cost + fin_amort + fin_interest + short_term.amount + variable.amount,
            lease_codes=_codes(facts),
        ),
        Figure(
            "operating_cash_operating",
            "Cash paid: operating cash flows from operating leases",
            _sum(operating, lambda f: f.movement.cash_paid),
            lease_codes=_codes(operating),
        ),
        Figure(
            "operating_cash_finance",
            "Cash paid: operating cash flows from finance leases",
            fin_interest_paid,
            lease_codes=_codes(finance),
        ),
        Figure(
            "financing_cash_finance",
            "Cash paid: financing cash flows from finance leases",
            _sum(finance, lambda f: f.movement.cash_paid) - fin_interest_paid,
            lease_codes=_codes(finance),
        ),
        Figure(
            "new_operating",
            "ROU assets obtained in exchange for new operating lease liabilities",
            _sum(operating, lambda f: f.movement.new_liabilities),
            lease_codes=_codes(operating),
        ),
        Figure(
            "new_finance",
            "ROU assets obtained in exchange for new finance lease liabilities",
            _sum(finance, lambda f: f.movement.new_liabilities),
            lease_codes=_codes(finance),
        ),
        Figure(
            "wa_term_operating",
            "Weighted-average remaining lease term: operating leases (years)",
            weighted_term_years(operating),
            unit="years",
            lease_codes=_codes(operating),
        ),
        Figure(
            "wa_term_finance",
            "Weighted-average remaining lease term: finance leases (years)",
            weighted_term_years(finance),
            unit="years",
            lease_codes=_codes(finance),
        ),
        Figure(
            "wa_rate_operating",
            "Weighted-average discount rate: operating leases",
            weighted_rate(operating),
            unit="percent",
            lease_codes=_codes(operating),
        ),
        Figure(
            "wa_rate_finance",
            "Weighted-average discount rate: finance leases",
            weighted_rate(finance),
            unit="percent",
            lease_codes=_codes(finance),
        ),
    ]
    return Disclosures(
        "asc842",
        currency,
        span,
        figures,
        [maturity("Operating leases", operating, span), maturity("Finance leases", finance, span)],
        [],
    )


def ifrs16_disclosures(
    currency: str,
    facts: list[LeaseFacts],
    span: Range,
    transition: Transition | None = None,
) -> Disclosures:
    by_class: dict[str, list[LeaseFacts]] = defaultdict(list)
    for f in facts:
        by_class[f.asset_type_label].append(f)
    classes = [
        (
            label,
            _sum(group, lambda f: f.movement.amortization_expense),
            _sum(group, lambda f: f.closing_rou),
            _codes(group),
        )
        for label, group in sorted(by_class.items())
    ]
    figures = [
        Figure(
            "depreciation",
            "Depreciation of right-of-use assets (all classes)",
            _sum(facts, lambda f: f.movement.amortization_expense),
            lease_codes=_codes(facts),
        ),
        Figure(
            "interest",
            "Interest expense on lease liabilities",
            _sum(facts, lambda f: f.movement.interest),
            lease_codes=_codes(facts),
        ),
        _recorded(
            "short_term",
            "Expense relating to short-term leases",
            facts,
            "short_term_cost",
            NO_SHORT_TERM,
        ),
        _recorded(
            "low_value",
            "Expense relating to leases of low-value assets",
            facts,
            "low_value_cost",
            NO_LOW_VALUE,
        ),
        _recorded(
            "variable",
            "Expense relating to variable lease payments not in the liability",
            facts,
            "variable_cost",
            NO_VARIABLE,
        ),
        Figure("sublease_income", "Income from subleasing right-of-use assets", None, NO_SUBLEASE),
        Figure(
            "cash_outflow",
            "Total cash outflow for leases",
            # IFRS 16.53(g): every lease payment, variable and exempt leases' included.
            _sum(facts, lambda f: f.movement.cash_paid + f.movement.other_cash_paid),
            lease_codes=_codes(facts),
        ),
        Figure(
            "additions",
            "Additions to right-of-use assets",
            _sum(facts, lambda f: f.movement.rou["additions"]),
            lease_codes=_codes(facts),
        ),
        Figure(
            "closing_rou",
            "Carrying amount of right-of-use assets at the end of the period",
            _sum(facts, lambda f: f.closing_rou),
            lease_codes=_codes(facts),
        ),
    ]
    figures.append(
        Figure(
            "wa_rate",
            "Weighted-average discount rate of the lease liabilities at the period end",
            weighted_rate(facts),
            unit="percent",
            lease_codes=_codes(facts),
        )
    )
    if transition is not None:
        figures += transition_figures(transition)
    return Disclosures(
        "ifrs16", currency, span, figures, [maturity("Lease liabilities", facts, span)], classes
    )


@dataclass
class Transition:
    """The IFRS 16 leases of one currency brought in at go-live, the date of initial
    application (IFRS 16 C2): the liabilities recognised then and the rates that measured them."""

    go_live: date
    liabilities: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # code, amount, %

    @property
    def liability(self) -> Decimal:
        return sum((amount for _, amount, _ in self.liabilities), ZERO)

    @property
    def rate(self) -> Decimal | None:
        """IFRS 16 C12(a): the incremental borrowing rates weighted by the liabilities they
        measured; None when nothing was recognised (no division by zero)."""
        weight = self.liability
        if not weight:
            return None
        total = sum((amount * rate for _, amount, rate in self.liabilities), ZERO)
        return (total / weight).quantize(QUANT, ROUND_HALF_UP)


NO_TRANSITION = "No IFRS 16 lease in this currency was brought in at go-live."


def transition_figures(transition: Transition) -> list[Figure]:
    """What IFRS 16 C12 asks in the year of initial application, as far as our books know it."""
    day = f"{transition.go_live.day} {transition.go_live:%b %Y}"
    codes = [code for code, _, _ in transition.liabilities]
    note = "" if codes else NO_TRANSITION
    return [
        Figure(
            "transition_liability",
            f"Lease liabilities recognised at go-live, {day} (date of initial application)",
            transition.liability,
            note,
            lease_codes=codes,
        ),
        Figure(
            "transition_rate",
            f"Weighted-average incremental borrowing rate applied at go-live, {day} "
            "(IFRS 16 C12(a), weighted by those liabilities)",
            transition.rate,
            note,
            unit="percent",
            lease_codes=codes,
        ),
    ]


def ifrs16_transition(company, span: Range) -> dict[str, Transition] | None:
    """Per currency, the IFRS 16 leases brought in at go-live, for a range inside the fiscal year
    that holds go-live (the year of initial application); None for any other range."""
    go_live = company_go_live(company)
    if go_live is None:
        return None
    year = fiscal_range(company, fiscal_year_of(company, go_live))
    if span.end < year.start or span.start > year.end:
        return None
    # As the go-live entry brings them in (`golive_postings`): exempt leases have no liability.
    leases = Lease.objects.filter(
        company=company,
        status=LeaseStatus.ACTIVE,
        standard="ifrs16",
        commencement_date__lt=go_live,
        exemption="",
    )
    rows = list(leases.order_by("code").values_list("pk", "code", "currency"))
    kept = _kept_golive_measurements(company, go_live, leases) if rows else {}
    missing = [pk for pk, _, _ in rows if pk not in kept]
    if len(missing) == len(rows):
        measured = _golive_measurements(leases, go_live) if rows else {}
    else:
        measured = _golive_measurements(leases.filter(pk__in=missing), go_live) if missing else {}
    out: dict[str, Transition] = {}
    for pk, code, currency in rows:
        figures = kept.get(pk) or measured.get(pk)
        if figures is None:
            continue  # not measurable: the roll-forward and the close name the lease and why
        item = out.setdefault(currency, Transition(go_live))
        item.liabilities.append((code, *figures))
    return out


def _kept_golive_measurements(
    company, go_live: date, leases: QuerySet[Lease]
) -> dict[int, tuple[Decimal, Decimal]]:
    """Lease id → (liability at go-live, rate %) read from the go-live month's kept figures
    (`reports.snapshots`), for the leases whose go-live schedule alone made them: a closed
    month's figures cannot change until it is reopened, and its opening liability is the one
    the go-live entry brought in. Empty while the go-live month is open or not yet kept; a lease
    with a change or a problem is left to `_golive_measurements`."""
    period = AccountingPeriod.objects.filter(
        company=company, start=go_live, status=PeriodStatus.CLOSED
    ).first()
    if period is None:
        return {}
    snapshot = PeriodFacts.objects.filter(period=period, close_version=period.close_version)
    changed = LeaseChange.objects.filter(company=company).values("lease_id")
    rows = (
        LeaseMonthFacts.objects.filter(snapshot__in=snapshot, lease__in=leases, problem="")
        .exclude(rate_percent=None)
        .exclude(lease_id__in=changed)
        .values_list("lease_id", "opening_liability", "rate_percent")
    )
    return {lease_id: (liability, rate) for lease_id, liability, rate in rows}


def _golive_measurements(leases: QuerySet[Lease], go_live: date) -> dict[int, tuple]:
    """Lease id → (liability at go-live, rate %) from each lease's go-live schedule, for the
    leases that have one (a lease whose terms the engine refuses is left out)."""
    out = {}
    for lease in _with_measurement_inputs(leases):
        inputs = lease_go_live(lease, go_live)
        if inputs is None:
            continue
        try:
            schedule = build_golive_schedule(lease_terms(lease), inputs)
        except engine.LeaseTermsError:
            continue
        out[lease.pk] = (schedule.balances.liability, schedule.rate_terms.annual_rate * 100)
    return out


def _with_measurement_inputs(leases: QuerySet[Lease]) -> QuerySet[Lease]:
    """Leases with what their go-live measurement reads (payments, incentives, opening balances,
    the company's defaults) in four queries: not the GL accounts and segments `leases_with_terms`
    joins for posting, which cost more to load than the measurement itself."""
    return leases.select_related("opening", "company__accounting_defaults").prefetch_related(
        Prefetch("payments", queryset=LeasePayment.objects.prefetch_related("steps")),
        "incentives",
    )


NOTHING_TO_WEIGH = "No lease liability of this kind at the period end: nothing to weigh."


def _explain_blanks(item: Disclosures) -> Disclosures:
    """A weighted average without any liability to weigh shows "—"; say why beside it."""
    for figure in item.figures:
        if figure.amount is None and figure.unit != "money" and not figure.note:
            figure.note = NOTHING_TO_WEIGH
    return item


def disclosures(
    company, span: Range, *, facts: list[LeaseFacts] | None = None
) -> list[Disclosures]:
    """The disclosure figures per standard and currency for the range (amounts never mix)."""
    facts = facts if facts is not None else lease_facts(company, span.start, span.end)
    groups: dict[tuple[str, str], list[LeaseFacts]] = defaultdict(list)
    for f in facts:
        if not f.problem:
            groups[(f.standard, f.currency)].append(f)
    transitions = ifrs16_transition(company, span)
    out = []
    for (standard, currency), group in sorted(groups.items()):
        if standard == "asc842":
            out.append(_explain_blanks(asc842_disclosures(currency, group, span)))
            continue
        transition = None
        if transitions is not None:
            transition = transitions.get(currency) or Transition(company_go_live(company))
        out.append(_explain_blanks(ifrs16_disclosures(currency, group, span, transition)))
    return out


# --- Journal register and trial balance ---------------------------------------------------

REGISTER_SORTS = {
    "period": ("period__start", "external_key"),
    "-period": ("-period__start", "external_key"),
    "key": ("external_key",),
    "amount": ("total_debit", "external_key"),
    "-amount": ("-total_debit", "external_key"),
}


def register_entries(
    company,
    span: Range,
    *,
    subsidiary: str = "",
    account: str = "",
    lease: str = "",
    q: str = "",
    sort: str = "period",
) -> QuerySet[JournalEntry]:
    """Current entries of the closed periods in the range, filtered and sorted."""
    entries = JournalEntry.objects.filter(
        company=company,
        period__status=PeriodStatus.CLOSED,
        close_version=F("period__close_version"),
        period__start__gte=span.start,
        period__start__lte=span.end,
    ).select_related("period")
    if subsidiary:
        entries = entries.filter(subsidiary=subsidiary)
    if account:
        entries = entries.filter(lines__account_number=account)
    if lease:
        entries = entries.filter(Q(lease_code=lease) | Q(lines__lease_code=lease))
    if q:
        entries = entries.filter(Q(external_key__icontains=q) | Q(memo__icontains=q))
    if account or lease:
        entries = entries.distinct()
    return entries.order_by(*REGISTER_SORTS.get(sort, REGISTER_SORTS["period"]))


def with_lines(entries) -> list[JournalEntry]:
    """The page's entries with their lines (one more query), as `register_lines`."""
    entries = list(entries)
    lines: dict[int, list[JournalLine]] = defaultdict(list)
    for line in JournalLine.objects.filter(entry__in=[e.pk for e in entries]).order_by(
        "entry_id", "line_no"
    ):
        lines[line.entry_id].append(line)
    for entry in entries:
        entry.register_lines = lines[entry.pk]
    return entries


@dataclass
class BalanceRow:
    subsidiary: str
    currency: str
    account_number: str
    account_name: str
    opening: Decimal
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def trial_balance(company, period_start: date) -> list[BalanceRow]:
    """Balances of every account the lease entries post to, as of the period's end (debit +),
    with the period's own debits and credits."""
    lines = JournalLine.objects.filter(
        entry__company=company,
        entry__period__status=PeriodStatus.CLOSED,
        entry__close_version=F("entry__period__close_version"),
        entry__period__start__lte=period_start,
    )
    this = Q(entry__period__start=period_start)
    before = Q(entry__period__start__lt=period_start)
    rows = (
        lines.values("entry__subsidiary", "entry__currency", "account_number")
        .annotate(
            opening_debit=Coalesce(Sum("debit", filter=before), MONEY0),
            opening_credit=Coalesce(Sum("credit", filter=before), MONEY0),
            debit=Coalesce(Sum("debit", filter=this), MONEY0),
            credit=Coalesce(Sum("credit", filter=this), MONEY0),
        )
        .order_by("entry__subsidiary", "entry__currency", "account_number")
    )
    names = dict(company.gl_accounts.values_list("number", "name"))
    return [
        BalanceRow(
            r["entry__subsidiary"],
            r["entry__currency"],
            r["account_number"],
            names.get(r["account_number"], ""),
            r["opening_debit"] - r["opening_credit"],
            r["debit"],
            r["credit"],
        )
        for r in rows
    ]


# --- Tie-out ------------------------------------------------------------------------------


def periods_with_sent_entries(periods) -> set[int]:
    """The ids of the periods with a current entry in NetSuite (the rest have nothing to tie
    out yet), in one query."""
    return set(
        SyncEntry.objects.filter(
            run__period__in=periods,
            journal_entry__close_version=F("run__period__close_version"),
            status=EntryStatus.SENT,
        )
        .values_list("run__period_id", flat=True)
        .distinct()
    )


def latest_tieout(period):
    """The period's most recent tie-out, or None."""
    return TieOut.objects.filter(period=period).order_by("-started_at", "-id").first()


def tieouts_for_company(company):
    """Every tie-out of the company, newest first."""
    return TieOut.objects.filter(company=company).select_related("period", "started_by")
