"""The close's flat reader and COPY writer give exactly what the reference path gives."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from closebooks import postings, services
from closebooks.changes import close_postings
from closebooks.models import AccountingPeriod, JournalEntry, JournalLine
from closebooks.postings import close_postings_flat
from closebooks.services import period_close, period_reopen, periods_ensure
from leases.change_services import lease_change_approve, lease_change_create
from leases.engine import build_schedule
from leases.models import (
    AccountingDefaults,
    GLAccount,
    LeaseIncentive,
    LeasePayment,
    RentStep,
    Segment,
    VariablePayment,
)
from leases.selectors import lease_terms, leases_with_terms
from tests.conftest import built_once
from tests.factories import make_personas
from tests.leases.factories import make_lease

from .conftest import FEB, JAN, MAR, plain_books

APR = date(2026, 4, 1)


def _mixed_portfolio(books) -> None:
    """Leases of every shape the close meets, beside the three plain ones of `books`."""
    company = books.company
    make_lease(company, code="F-1", classification="finance", amount="2000.00", term_months=24)
    make_lease(company, code="I-1", standard="ifrs16", classification="", amount="880.40")
    quarterly = make_lease(company, code="Q-1", amount="0", term_months=48)
    LeasePayment.objects.filter(lease=quarterly).update(
        amount=Decimal("3100.55"),
        frequency=3,
        timing="arrears",
        rent_free_months=2,
        escalation_kind="percent",
        escalation_value=Decimal("2.5"),
    )
    stepped = make_lease(company, code="S-1", amount="500.00", commencement=date(2025, 11, 1))
    RentStep.objects.create(
        payment=LeasePayment.objects.get(lease=stepped), effective=FEB, amount=Decimal("650")
    )
    LeaseIncentive.objects.create(lease=stepped, amount=Decimal("300"), receivable_on=MAR)
    LeaseIncentive.objects.create(lease=stepped, amount=Decimal("120"))
    make_lease(
        company,
        code="P-1",
        classification="finance",
        purchase_option_reasonably_certain=True,
        purchase_option_price=Decimal("9000"),
        purchase_option_date=date(2028, 12, 1),
        useful_life_months=120,
    )
    # Its own accounts and segments instead of the company's.
    own = make_lease(company, code="O-1", amount="1500.00")
    own.lease_expense_account = GLAccount.objects.create(company=company, number="6499", name="X")
    own.location = Segment.objects.create(company=company, kind="location", name="Paris")
    own.save()
    # The reference path's leases: exempt, split components, and one with a change.
    make_lease(company, code="E-1", exemption="low_value", amount="90.00", term_months=12)
    make_lease(
        company,
        code="C-1",
        amount="1200.00",
        lease_component_price=Decimal("900"),
        non_lease_component_price=Decimal("300"),
    )
    VariablePayment.objects.create(
        lease=own, period=FEB, kind="cam", amount=Decimal("75.10"), memo="Q1 CAM"
    )
    # A lease that cannot post: its term does not divide into its payment periods.
    bad = make_lease(company, code="B-1", term_months=13)
    LeasePayment.objects.filter(lease=bad).update(frequency=3)
    make_lease(company, code="D-1", status="draft")


def test_flat_postings_equal_the_reference_month_by_month(books):
    _mixed_portfolio(books)
    for month in (JAN, FEB, MAR, APR):
        assert close_postings_flat(books.company, month) == close_postings(books.company, month)


def test_flat_postings_equal_the_reference_with_changes_and_current_split(books):
    _mixed_portfolio(books)
    AccountingDefaults.objects.filter(company=books.company).update(
        post_current_split=True,
        current_lease_liability_account=GLAccount.objects.create(
            company=books.company, number="2311", name="Lease liability - current"
        ),
        variable_expense_account=None,  # the O-1 lease's CAM cannot post: a problem
    )
    periods_ensure(company=books.company, through=APR)
    for code in ("L-2", "F-1"):
        change = lease_change_create(
            lease=books.company.leases.get(code=code),
            actor=books.accountant.user,
            kind="consideration",
            effective=date(2026, 2, 15),
            details={"annual_rate": "0.07", "payments": [{"amount": "1300.00"}]},
            reason="Rent review",
        )
        lease_change_approve(change=change, actor=books.reviewer.user)
    problems, kinds = [], set()
    for month in (JAN, FEB, MAR):
        flat = close_postings_flat(books.company, month)
        assert flat == close_postings(books.company, month)
        problems += [p.message for p in flat.problems]
        kinds |= {getattr(line, "entry_kind", "periodic") for line in flat.lines}
    assert any("Variable lease expense" in message for message in problems)
    assert kinds == {"periodic", "change", "catch_up"}


def test_flat_postings_equal_the_reference_around_go_live(books):
    _mixed_portfolio(books)
    company = books.company
    company.go_live_date = FEB
    company.save(update_fields=["go_live_date"])
    for month in (JAN, FEB, MAR):
        assert close_postings_flat(company, month) == close_postings(company, month)


def _rows(period: AccountingPeriod, version: int) -> list[tuple]:
    """Every frozen value of one close, without ids, versions and times."""
    out = []
    for entry in JournalEntry.objects.filter(period=period, close_version=version).order_by("pk"):
        values = {
            f.attname: getattr(entry, f.attname)
            for f in JournalEntry._meta.concrete_fields
            if f.attname not in ("id", "close_version", "created_at")
        }
        lines = [
            tuple(getattr(line, f.attname) for f in JournalLine._meta.concrete_fields[2:])
            for line in entry.lines.order_by("line_no")
        ]
        out.append((sorted(values.items()), lines))
    return out


@pytest.mark.skipif(not services.copy_available(), reason="COPY needs PostgreSQL and psycopg 3")
@pytest.mark.parametrize("granularity", ["detail", "summary"])
def test_copy_writes_exactly_the_rows_bulk_create_writes(books, monkeypatch, granularity):
    # Detail entries are streamed in parts of three leases (`closebooks.stream`); a summary is
    # written at the end.
    monkeypatch.setattr(postings, "PART_LEASES", 3)
    _mixed_portfolio(books)
    books.company.journal_granularity = granularity
    books.company.save(update_fields=["journal_granularity"])
    # B-1 cannot post: drop it so the months close; map the services account for C-1.
    books.company.leases.filter(code="B-1").delete()
    AccountingDefaults.objects.filter(company=books.company).update(
        non_lease_expense_account=GLAccount.objects.create(
            company=books.company, number="6450", name="Services expense"
        )
    )
    for period in periods_ensure(company=books.company, through=JAN)[:-1]:
        period_close(period=period, actor=books.accountant.user)  # S-1 starts in November
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)

    copied = period_close(period=jan, actor=books.accountant.user)
    assert connection.vendor == "postgresql"
    period_reopen(period=jan, actor=books.settings_admin.user, reason="Compare the writers")
    monkeypatch.setattr(services, "copy_available", lambda: False)
    created = period_close(period=jan, actor=books.accountant.user)

    assert len(copied) == len(created) == (11 if granularity == "detail" else 1)
    assert _rows(jan, 1) == _rows(jan, 2)
    # The returned entries are the rows as stored.
    assert [e.pk for e in copied] == list(
        JournalEntry.objects.filter(period=jan, close_version=1)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert copied[0].external_key == created[0].external_key
    assert copied[0].total_debit == created[0].total_debit


@pytest.mark.skipif(not services.copy_available(), reason="COPY needs PostgreSQL and psycopg 3")
def test_copy_keeps_tabs_newlines_and_backslashes_in_text_as_entered(books, monkeypatch):
    lease = books.company.leases.get(code="L-1")
    lease.name = "Dock\t5 \\ North\nwing\r\x08\x0b\x0cend \\N"
    lease.save(update_fields=["name"])
    for account in GLAccount.objects.filter(company=books.company):
        account.name = f"{account.name} \\ US\tEast"
        account.save(update_fields=["name"])
    jan = periods_ensure(company=books.company, through=JAN)[-1]

    period_close(period=jan, actor=books.accountant.user)
    entry = JournalEntry.objects.get(period=jan, close_version=1, lease_code="L-1")
    assert entry.memo == f"Lease L-1 {lease.name} · {jan.label}"
    names = set(JournalLine.objects.filter(entry=entry).values_list("account_name", flat=True))
    assert names and all(name.endswith(" \\ US\tEast") for name in names)
    period_reopen(period=jan, actor=books.settings_admin.user, reason="Compare the writers")
    monkeypatch.setattr(services, "copy_available", lambda: False)
    period_close(period=jan, actor=books.accountant.user)
    assert _rows(jan, 1) == _rows(jan, 2)


def _close_queries(books, jan) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        period_close(period=jan, actor=books.accountant.user)
    return len(queries)


def test_the_close_reads_and_writes_in_the_same_number_of_queries_for_more_leases(books):
    periods_ensure(company=books.company, through=JAN)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    few = _close_queries(books, jan)
    period_reopen(period=jan, actor=books.settings_admin.user, reason="More leases")
    for n in range(12):
        make_lease(books.company, code=f"X-{n}", amount="990.00")
    jan.refresh_from_db()
    many = _close_queries(books, jan)

    assert JournalEntry.objects.filter(period=jan, close_version=2).count() == 15
    assert few == many  # one query per table, never one per lease
    assert few <= 40


def _change(books, code: str, kind: str, effective: date, details: dict) -> None:
    """An approved change: proposed by the accountant, approved by the reviewer."""
    from leases.models import Lease
    from leases.selectors import leases_with_terms

    lease = leases_with_terms(Lease.objects.filter(company=books.company, code=code)).get()
    change = lease_change_create(
        lease=lease,
        actor=books.accountant.user,
        kind=kind,
        effective=effective,
        details=details,
        reason=f"{kind} for {code}",
    )
    lease_change_approve(change=change, actor=books.reviewer.user)


def _every_change_kind(books) -> None:
    """Beside `_mixed_portfolio`: a restoration provision, and approved changes of every kind on
    leases of every shape (plain, finance, IFRS 16, stepped, purchase option, own accounts,
    exempt, split components, with a restoration provision), some in the month, some earlier
    (catch-ups), one lease with two changes."""
    company = books.company
    AccountingDefaults.objects.filter(company=company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(
        company,
        code="R-1",
        standard="ifrs16",
        classification="",
        amount="1750.00",
        commencement=date(2025, 10, 1),
        restoration_cost=Decimal("4000.00"),
        restoration_estimate=Decimal("5200.00"),
        restoration_rate=Decimal("4.5"),
    )
    make_lease(company, code="T-1", amount="640.00", term_months=12, exemption="short_term")
    rate = {"annual_rate": "0.07"}
    _change(books, "L-1", "term", FEB, {"term_months": 48, **rate})
    _change(
        books,
        "L-2",
        "consideration",
        date(2026, 2, 15),
        {"payments": [{"amount": "2600.00"}], **rate},
    )
    _change(books, "L-2", "impairment", MAR, {"amount": "1500.00"})
    _change(books, "L-3", "index", FEB, {"payments": [{"amount": "760.00"}]})
    _change(books, "I-1", "index", date(2026, 2, 10), {"payments": [{"amount": "905.10"}]})
    _change(books, "F-1", "decrease_scope", MAR, {"scope_fraction": "0.25", **rate})
    _change(books, "O-1", "increase_scope", FEB, {"payments": [{"amount": "1800.00"}], **rate})
    _change(books, "S-1", "reclassification", FEB, {"classification": "finance", **rate})
    _change(books, "P-1", "purchase_option", MAR, {"amount": "9000.00"})
    _change(books, "R-1", "impairment", FEB, {"amount": "800.00"})
    _change(books, "C-1", "termination", MAR, {"amount": "300.00"})
    _change(books, "E-1", "termination", MAR, {"amount": "0.00"})
    _change(books, "T-1", "term", APR, {"term_months": 24, **rate})


def _books_with_every_change_kind():
    books = plain_books(make_personas())
    _mixed_portfolio(books)
    _every_change_kind(books)
    return books


@pytest.fixture(scope="class")
def every_change_books(django_db_setup, django_db_blocker):
    """`books` with `_mixed_portfolio` and `_every_change_kind`, built once for the class."""
    yield from built_once(django_db_blocker, _books_with_every_change_kind)


@pytest.mark.parametrize("current_split", [False, True])
class TestEveryChangeKind:
    def test_flat_postings_equal_the_reference_with_every_change_kind(
        self, db, every_change_books, current_split
    ):
        _flat_postings_equal_the_reference(every_change_books, current_split)


def _flat_postings_equal_the_reference(books, current_split: bool) -> None:
    if current_split:
        AccountingDefaults.objects.filter(company=books.company).update(
            post_current_split=True,
            current_lease_liability_account=GLAccount.objects.create(
                company=books.company, number="2311", name="Lease liability - current"
            ),
        )
    kinds, entry_kinds = set(), set()
    for month in (JAN, FEB, MAR, APR, date(2026, 5, 1)):
        flat = close_postings_flat(books.company, month)
        assert flat == close_postings(books.company, month)
        kinds |= {getattr(line, "change_kind", "") for line in flat.lines}
        entry_kinds |= {getattr(line, "entry_kind", "periodic") for line in flat.lines}
    assert entry_kinds == {"periodic", "change", "catch_up"}
    assert {"term", "impairment", "decrease_scope", "termination", "purchase_option"} <= kinds


def test_flat_postings_equal_the_reference_with_changes_to_go_live_leases(books):
    from leases.models import LeaseOpeningBalance

    company = books.company
    make_lease(company, code="G-1", commencement=date(2023, 1, 1), term_months=60)
    fin = make_lease(
        company,
        code="G-2",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
    )
    # Balances from a previous system at go-live (an ASC 840 capital lease keeps them).
    LeaseOpeningBalance.objects.create(
        lease=fin,
        method="opening_balances",
        liability=Decimal("27933.02"),
        rou_asset=Decimal("28000.00"),
        accumulated_amortization=Decimal("10500.00"),
    )
    make_lease(company, code="G-3", commencement=date(2025, 6, 1), exemption="low_value")
    company.go_live_date = JAN
    company.save(update_fields=["go_live_date"])
    _change(
        books,
        "G-1",
        "consideration",
        date(2026, 2, 12),
        {"annual_rate": "0.07", "payments": [{"amount": "1100.00"}]},
    )
    _change(books, "G-2", "termination", MAR, {"amount": "0.00"})
    _change(books, "L-1", "index", FEB, {"payments": [{"amount": "1040.00"}]})
    for month in (JAN, FEB, MAR, APR):
        assert close_postings_flat(company, month) == close_postings(company, month)


def test_flat_postings_equal_the_reference_on_actual_days_from_inside_a_month(books):
    company = books.company
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    make_lease(company, code="A-1", commencement=date(2025, 11, 17), amount="1200.00")
    make_lease(
        company,
        code="A-2",
        commencement=date(2025, 12, 9),
        classification="finance",
        term_months=24,
    )
    make_lease(
        company,
        code="A-3",
        commencement=date(2025, 10, 20),
        standard="ifrs16",
        classification="",
        restoration_cost=Decimal("1000.00"),
    )
    VariablePayment.objects.create(
        lease=company.leases.get(code="A-1"), period=FEB, kind="cam", amount=Decimal("12.30")
    )
    _change(
        books,
        "A-1",
        "consideration",
        date(2026, 2, 10),
        {"annual_rate": "0.07", "payments": [{"amount": "1300.00"}]},
    )
    _change(books, "A-2", "term", MAR, {"term_months": 30, "annual_rate": "0.065"})
    _change(books, "A-3", "index", date(2026, 1, 20), {"payments": [{"amount": "1050.00"}]})
    for month in (JAN, FEB, MAR, APR):
        assert close_postings_flat(company, month) == close_postings(company, month)


def test_flat_postings_equal_the_reference_with_changes_to_leases_with_stubs(books):
    """Leases with an end date and payment day of their own, changed on days inside a month:
    a term extension that moves the end date, new rent, an ASC 842 index review and a
    termination in the final part period."""
    company = books.company
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    stub = {"payment_day": 1, "amount": "1500.00"}
    make_lease(
        company,
        code="D-1",
        commencement=date(2025, 11, 17),
        term_months=17,
        end_date=date(2027, 3, 20),
        **stub,
    )
    make_lease(
        company,
        code="D-2",
        commencement=date(2025, 12, 9),
        term_months=24,
        end_date=date(2027, 11, 30),
        classification="finance",
        **stub,
    )
    make_lease(
        company,
        code="D-3",
        commencement=date(2025, 10, 20),
        term_months=6,
        end_date=date(2026, 3, 25),
        standard="ifrs16",
        classification="",
        **stub,
    )
    make_lease(
        company,
        code="D-4",
        commencement=date(2025, 9, 10),
        term_months=12,
        end_date=date(2026, 8, 31),
        **stub,
    )
    _change(books, "D-1", "term", date(2026, 2, 10), {"term_months": 23, "annual_rate": "0.07"})
    _change(
        books,
        "D-2",
        "consideration",
        date(2026, 1, 20),
        {"annual_rate": "0.065", "payments": [{"amount": "1600.00"}]},
    )
    _change(books, "D-4", "index", date(2026, 2, 10), {"payments": [{"amount": "1550.00"}]})
    _change(books, "D-3", "termination", date(2026, 3, 10), {"amount": "200.00"})
    kinds = set()
    for month in (JAN, FEB, MAR, APR):
        flat = close_postings_flat(company, month)
        assert flat == close_postings(company, month)
        assert not [p for p in flat.problems if p.lease_code.startswith("D-")]
        kinds |= {
            getattr(line, "change_kind", "") for line in flat.lines if line.lease_code[:2] == "D-"
        }
    assert {"term", "consideration", "termination"} <= kinds


def test_flat_postings_equal_the_reference_for_stub_leases_brought_in_at_go_live(books):
    """Actual days: leases from inside a month, with and without an end date and payment day of
    their own, commenced before go-live (the default transition method and balances from a
    previous system), one changed on a day inside a month after go-live."""
    from leases.models import LeaseOpeningBalance

    company = books.company
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    make_lease(
        company,
        code="GD-1",
        commencement=date(2025, 6, 17),
        term_months=24,
        end_date=date(2027, 5, 31),
        payment_day=1,
        amount="1500.00",
    )
    make_lease(
        company,
        code="GD-2",
        commencement=date(2025, 9, 10),
        term_months=18,
        amount="900.00",
    )
    fin = make_lease(
        company,
        code="GD-3",
        commencement=date(2025, 8, 20),
        term_months=12,
        end_date=date(2026, 7, 31),
        payment_day=1,
        standard="ifrs16",
        classification="",
        amount="700.00",
    )
    terms = lease_terms(leases_with_terms(company.leases.filter(pk=fin.pk)).get())
    reference = build_schedule(terms).posted_months()
    before = reference[5]  # January 2026: balances at the start of February
    LeaseOpeningBalance.objects.create(
        lease=fin,
        method="opening_balances",
        liability=before.closing_liability,
        rou_asset=before.rou_closing,
        accumulated_amortization=reference[0].rou_opening - before.rou_closing,
    )
    company.go_live_date = FEB
    company.save(update_fields=["go_live_date"])
    _change(
        books,
        "GD-1",
        "consideration",
        date(2026, 3, 12),
        {"annual_rate": "0.07", "payments": [{"amount": "1600.00"}]},
    )
    _change(books, "GD-2", "term", date(2026, 3, 20), {"term_months": 24, "annual_rate": "0.07"})
    for month in (JAN, FEB, MAR, APR):
        flat = close_postings_flat(company, month)
        assert flat == close_postings(company, month)
        assert not [p for p in flat.problems if p.lease_code.startswith("GD-")]


@pytest.mark.parametrize("day_count", ["whole_months", "actual_days"])
def test_flat_postings_equal_the_reference_when_a_termination_settles_the_provision(
    books, day_count
):
    """An IFRS 16 lease with a restoration provision terminated inside March: the provision is
    settled on the termination date and stops unwinding, in the flat close as in the reference."""
    company = books.company
    company.day_count = day_count
    company.save(update_fields=["day_count"])
    make_lease(
        company,
        code="RT-1",
        standard="ifrs16",
        classification="",
        amount="1750.00",
        commencement=date(2025, 10, 1),
        restoration_estimate=Decimal("5200.00"),
        restoration_rate=Decimal("4.5"),
    )
    _change(books, "RT-1", "termination", date(2026, 3, 12), {"amount": "300.00"})
    settled = False
    for month in (JAN, FEB, MAR, APR):
        flat = close_postings_flat(company, month)
        assert flat == close_postings(company, month)
        mine = [line for line in flat.lines if line.lease_code == "RT-1"]
        settled |= any("Restoration provision settled" in line.memo for line in mine)
    assert settled
