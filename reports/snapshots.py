"""The subledger's figures of closed periods, kept: a year of reports reads them, not rebuilds them.

A closed period's figures cannot change until it is reopened: its entries are frozen, and lease
data of a closed month (variable payments, changes dated in it) is refused or posts later. So the
first report that reads a closed period measures every lease for that month once
(`computed_lease_facts`) and keeps one row per lease (`LeaseMonthFacts`) under a `PeriodFacts`
keyed by the period's close version; a reopened and re-closed period has a new version and is
measured again. A range of closed months is then one grouped query: movements summed over the
months, opening balances from the first month, closing balances and maturities from the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from operator import attrgetter

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum

from closebooks.models import AccountingPeriod, PeriodStatus
from leases.engine import AccountRole
from leases.engine.dates import months_between
from leases.models import ACCOUNT_FIELDS, AccountingDefaults, Lease, LeaseStatus, Subsidiary
from reports.classify import LIABILITY_ROLES, MOVEMENTS, ROU_ROLES, ZERO, Movement
from reports.models import LeaseMonthFacts, PeriodFacts
from reports.subledger import LeaseFacts, _Accounts, computed_lease_facts

OPENING = ("opening_rou", "opening_liability")
CLOSING = ("closing_rou", "closing_liability")
COLUMNS = tuple(f"rou_{c}" for c in MOVEMENTS) + tuple(f"liability_{c}" for c in MOVEMENTS)
SCALARS = (
    "lease_cost",
    "interest",
    "amortization_expense",
    "cash_paid",
    "other_cash_paid",
    "principal_paid",
    "new_liabilities",
    "gain_loss",
    "impairment_loss",
    "variable_cost",
    "short_term_cost",
    "low_value_cost",
)
MATURITY = tuple(f"maturity_{y}" for y in range(1, 6)) + (
    "maturity_thereafter",
    "liability_in_12_months",
)
AT_END = CLOSING + MATURITY + ("remaining_months", "rate_percent")
SUMMED = COLUMNS + SCALARS
# The rate comes last: every lease has one, a row is kept for a lease with a figure (`_is_blank`).
FIELDS = (*OPENING, *CLOSING, *COLUMNS, *SCALARS, *MATURITY, "remaining_months", "problem",
          "rate_percent")  # fmt: skip


_scalars = attrgetter(*SCALARS)


def _values(facts: LeaseFacts) -> tuple:
    """A lease-month's row values, in `FIELDS` order."""
    m = facts.movement
    # Movement's column dicts are built from MOVEMENTS and keep its order.
    return (
        facts.opening_rou,
        facts.opening_liability,
        facts.closing_rou,
        facts.closing_liability,
        *m.rou.values(),
        *m.liability.values(),
        *_scalars(m),
        *facts.maturity_years,
        facts.maturity_thereafter,
        facts.liability_in_12_months,
        facts.remaining_months,
        facts.problem,
        facts.rate_percent,
    )


def _is_blank(values: tuple) -> bool:
    """Nothing on the books, moving or owed (every lease has a rate)."""
    return not any(values[:-1])


def closed_periods(company, start: date, end: date) -> list[AccountingPeriod] | None:
    """The range's periods when every month of it is closed, else None."""
    periods = list(
        AccountingPeriod.objects.filter(
            company=company, start__gte=start, start__lte=end, status=PeriodStatus.CLOSED
        ).order_by("start")
    )
    return periods if len(periods) == months_between(start, end) + 1 else None


# A report measures at most this many closed months itself; more (a long range never kept) are
# left to the background task, and the report is computed from the schedules meanwhile.
MEASURE_IN_REQUEST = 3


def period_facts_ensure(
    company, periods: list[AccountingPeriod], *, measure_at_most: int | None = None
) -> dict[int, int] | None:
    """The kept figures of these closed periods (period id → `PeriodFacts` id), measuring the
    periods that have none for their close version. None when another request is measuring
    them at this moment, or when more than `measure_at_most` are missing (their keeping is
    queued): the caller computes instead of waiting."""
    current = {
        (row["period_id"], row["close_version"]): row["id"]
        for row in PeriodFacts.objects.filter(period__in=periods).values(
            "id", "period_id", "close_version"
        )
    }
    missing = [p for p in periods if (p.pk, p.close_version) not in current]
    if missing and measure_at_most is not None and len(missing) > measure_at_most:
        ids = [p.pk for p in missing]
        transaction.on_commit(lambda: _queue_keep(ids))
        return None
    if missing:
        built = _build(company, missing)
        if built is None:
            return None
        current.update({(p.pk, p.close_version): built[p.pk] for p in missing})
    return {p.pk: current[(p.pk, p.close_version)] for p in periods}


def _build(company, periods: list[AccountingPeriod]) -> dict[int, int] | None:
    """Measure every lease for each period's month and keep the rows (one write per table)."""
    measured = computed_lease_facts(company, [(p.start, p.start) for p in periods])
    try:
        with transaction.atomic():
            # Figures of earlier close versions of these periods are no longer valid.
            PeriodFacts.objects.filter(period__in=periods).delete()
            headers = PeriodFacts.objects.bulk_create(
                [
                    PeriodFacts(
                        company=company,
                        period=p,
                        close_version=p.close_version,
                        leases=len(measured[k]),
                    )
                    for k, p in enumerate(periods)
                ]
            )
            rows = (
                (header.pk, facts.lease_id, *values)
                for header, month in zip(headers, measured, strict=True)
                for facts in month
                if not _is_blank(values := _values(facts))
            )
            _write_rows(rows)
    except IntegrityError:
        return None  # measured by a concurrent request just now
    if connection.vendor == "postgresql":
        # Fresh statistics, so the reports plan their grouping by what is there now.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(LeaseMonthFacts._meta.db_table)}")
    return {header.period_id: header.pk for header in headers}


def _write_rows(rows: Iterable[tuple]) -> None:
    """All rows in one statement: COPY on PostgreSQL, a bulk insert elsewhere."""
    columns = ("snapshot_id", "lease_id", *FIELDS)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(LeaseMonthFacts._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        # Django's cursor wraps psycopg's; COPY is psycopg's own.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,  # noqa: S608
        ):
            for row in rows:
                copy.write_row(row)
        return
    LeaseMonthFacts.objects.bulk_create(
        (LeaseMonthFacts(**dict(zip(columns, row, strict=True))) for row in rows),
        batch_size=500,
    )


def _queue_keep(period_ids: list[int]) -> None:
    from reports.tasks import period_facts_task

    period_facts_task.delay(period_ids)


def period_facts_keep(*, period_ids: list[int]) -> list[PeriodFacts]:
    """Measure and keep closed periods' lease figures ahead of the first report that reads
    them (each company's missing months in one pass); periods gone or open are skipped, and
    periods already kept for their close version are kept as they are."""
    periods = list(
        AccountingPeriod.objects.filter(pk__in=period_ids, status=PeriodStatus.CLOSED)
        .select_related("company")
        .order_by("company_id", "start")
    )
    kept: list[int] = []
    for company_id in dict.fromkeys(p.company_id for p in periods):
        mine = [p for p in periods if p.company_id == company_id]
        found = period_facts_ensure(mine[0].company, mine)
        kept += list(found.values()) if found else []
    return list(PeriodFacts.objects.filter(pk__in=kept).order_by("period__start"))


def stored_lease_facts(company, start: date, end: date) -> list[LeaseFacts] | None:
    """Every active lease's facts for a range of closed months, from the kept figures; None
    when a month of the range is not closed."""
    periods = closed_periods(company, start, end)
    if periods is None:
        return None
    kept = period_facts_ensure(company, periods, measure_at_most=MEASURE_IN_REQUEST)
    if kept is None:
        return None
    first, last = kept[periods[0].pk], kept[periods[-1].pk]
    at_first, at_last = Q(snapshot_id=first), Q(snapshot_id=last)
    grouped = (
        LeaseMonthFacts.objects.filter(snapshot_id__in=kept.values())
        .values("lease_id")
        .order_by()
        .annotate(
            **{f"s_{name}": Sum(name, filter=at_first) for name in OPENING},
            **{f"s_{name}": Sum(name, filter=at_last) for name in AT_END},
            **{f"s_{name}": Sum(name) for name in SUMMED},
        )
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One process sums faster than a parallel plan passing numeric sums between workers.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        by_lease = {row["lease_id"]: row for row in grouped}
    problems = dict(
        LeaseMonthFacts.objects.filter(snapshot_id__in=kept.values())
        .exclude(problem="")
        .values_list("lease_id", "problem")
    )
    return [_facts(row, by_lease.get(row[0]), problems.get(row[0], "")) for row in _leases(company)]


BALANCE_ACCOUNTS = sorted(ACCOUNT_FIELDS[AccountRole(role)] for role in ROU_ROLES | LIABILITY_ROLES)
LEASE_VALUES = ("id", "code", "name", "subsidiary_id", "currency", "asset_type", "standard",
                "classification", "discount_rate")  # fmt: skip


def _leases(company) -> list[tuple]:
    """(facts fields…, subsidiary name, ROU accounts, liability accounts) of every active lease.

    Read as plain values: 10,000 lease instances cost more to load than all their figures. The
    accounts come from one lease of each distinct mapping (most share the company defaults).
    """
    id_fields = _Accounts.id_fields
    rows = list(
        Lease.objects.filter(company=company, status=LeaseStatus.ACTIVE)
        .order_by("code")
        .values_list(*LEASE_VALUES, *id_fields)
    )
    names = dict(Subsidiary.objects.filter(company=company).values_list("pk", "name"))
    # Only the balance-sheet accounts of the defaults: `accounting_defaults` joins all 23
    # mappings, which costs more than the rest of this read.
    defaults = AccountingDefaults.objects.filter(company=company).select_related(
        *BALANCE_ACCOUNTS
    ).first() or AccountingDefaults(company=company)
    accounts = _Accounts(company, defaults)
    mappings: dict[tuple, tuple] = {}
    out = []
    for row in rows:
        key = row[len(LEASE_VALUES) :] + row[6:8]  # mapping ids, standard, classification
        if key not in mappings:
            mappings[key] = accounts(Lease.objects.get(pk=row[0]))
        out.append((*row[: len(LEASE_VALUES)], names.get(row[3], ""), *mappings[key]))
    return out


def _facts(lease: tuple, row: dict | None, problem: str) -> LeaseFacts:
    pk, code, name, _, currency, asset_type, standard, classification, rate = lease[:9]
    facts = LeaseFacts(
        lease_id=pk,
        code=code,
        name=name,
        subsidiary=lease[9],
        currency=currency,
        asset_type=asset_type,
        standard=standard,
        # As `subledger.classification_of`: IFRS 16 has one lessee model.
        classification=classification if standard == "asc842" else "ifrs16",
        rate_percent=rate,
        rou_accounts=lease[10],
        liability_accounts=lease[11],
        problem=problem,
    )
    if row is not None and not problem:
        _fill(facts, row)
    return facts


def _money(value) -> Decimal:
    return ZERO if value is None else value


def _fill(facts: LeaseFacts, row: dict) -> None:
    facts.opening_rou = _money(row["s_opening_rou"])
    facts.opening_liability = _money(row["s_opening_liability"])
    facts.closing_rou = _money(row["s_closing_rou"])
    facts.closing_liability = _money(row["s_closing_liability"])
    movement = Movement(
        rou={c: _money(row[f"s_rou_{c}"]) for c in MOVEMENTS},
        liability={c: _money(row[f"s_liability_{c}"]) for c in MOVEMENTS},
    )
    for name in SCALARS:
        setattr(movement, name, _money(row[f"s_{name}"]))
    facts.movement = movement
    facts.maturity_years = [_money(row[f"s_maturity_{y}"]) for y in range(1, 6)]
    facts.maturity_thereafter = _money(row["s_maturity_thereafter"])
    facts.liability_in_12_months = _money(row["s_liability_in_12_months"])
    facts.remaining_months = row["s_remaining_months"] or 0
    if row["s_rate_percent"] is not None:  # none: no row in the last month, nothing weighted
        facts.rate_percent = row["s_rate_percent"]
