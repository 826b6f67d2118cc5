"""The bridge from stored leases to the engine and to GL accounts."""

from datetime import date
from decimal import Decimal

from leases.models import AccountingDefaults, GLAccount, Lease, LeasePayment, Segment, Subsidiary
from leases.selectors import period_postings
from tests.factories import make_company


def _company_with_a_lease(*, map_expense: bool = True):
    company = make_company()
    sub = Subsidiary.objects.create(company=company, name="Acme US", currency="USD")
    accounts = {
        number: GLAccount.objects.create(company=company, number=number, name=name)
        for number, name in [
            ("1410", "ROU asset"),
            ("2310", "Lease liability"),
            ("6400", "Lease expense"),
            ("2150", "Lease clearing"),
        ]
    }
    dept = Segment.objects.create(company=company, kind="department", name="Operations")
    AccountingDefaults.objects.create(
        company=company,
        rou_asset_account=accounts["1410"],
        lease_liability_account=accounts["2310"],
        lease_expense_account=accounts["6400"] if map_expense else None,
        cash_clearing_account=accounts["2150"],
        department=dept,
    )
    lease = Lease.objects.create(
        company=company,
        code="L-1",
        name="HQ",
        subsidiary=sub,
        currency="USD",
        commencement_date=date(2026, 1, 1),
        term_months=12,
        standard="asc842",
        classification="operating",
        discount_rate=Decimal("6"),
        status="active",
    )
    LeasePayment.objects.create(lease=lease, amount=Decimal("1000.00"))
    return company, lease


def test_an_active_operating_lease_posts_balanced_lines_to_the_mapped_accounts(db):
    company, lease = _company_with_a_lease()
    postings = period_postings(company, date(2026, 2, 1))
    assert postings.problems == []
    assert {line.account_number for line in postings.lines} == {"1410", "2310", "6400", "2150"}
    assert sum(x.debit for x in postings.lines) == sum(x.credit for x in postings.lines)
    expense = next(x for x in postings.lines if x.account_number == "6400")
    assert expense.debit == Decimal("1000.00")  # level rent: straight-line cost = the payment
    assert all(x.department == "Operations" for x in postings.lines)


def test_a_missing_account_mapping_is_a_problem_and_the_lease_posts_nothing(db):
    company, lease = _company_with_a_lease(map_expense=False)
    postings = period_postings(company, date(2026, 2, 1))
    assert postings.lines == []
    assert [p.lease_code for p in postings.problems] == ["L-1"]
    assert "Lease expense (operating)" in postings.problems[0].message


def test_draft_leases_and_months_outside_the_term_post_nothing(db):
    company, lease = _company_with_a_lease()
    assert period_postings(company, date(2027, 1, 1)).lines == []
    Lease.objects.filter(pk=lease.pk).update(status="draft")
    assert period_postings(company, date(2026, 2, 1)).lines == []


def test_the_current_liability_is_the_principal_repaid_in_the_next_twelve_months():
    from leases import engine
    from leases.selectors import liability_split

    terms = engine.LeaseTerms(
        commencement=date(2026, 1, 1),
        term_months=24,
        standard=engine.Standard.ASC_842,
        classification=engine.Classification.FINANCE,
        annual_rate=Decimal("0.06"),
        payments=(engine.PaymentStream(Decimal("1000.00")),),
    )
    months = engine.build_schedule(terms).posted_months()
    split = liability_split(months)
    # At the end of month 1 the liability is repaid by month 13's end; current = the difference.
    assert split[0].current == months[0].closing_liability - months[12].closing_liability
    assert split[0].current + split[0].non_current == months[0].closing_liability
    # In the last year everything is current; at the end nothing is left.
    assert split[12].non_current == 0 and split[12].current == months[12].closing_liability
    assert (split[-1].current, split[-1].non_current) == (0, 0)


def test_the_current_portion_is_posted_month_by_month_when_the_company_elects_it(
    personas, subsidiary
):
    from leases.models import AccountingDefaults as Defaults
    from leases.selectors import liability_split
    from tests.leases.factories import make_lease

    company = personas.company
    current = GLAccount.objects.create(company=company, number="2305", name="Lease liab current")
    Defaults.objects.filter(company=company).update(
        post_current_split=True, current_lease_liability_account=current
    )
    lease = make_lease(company, code="CUR-1", term_months=14)
    from leases import engine
    from leases.selectors import lease_terms, leases_with_terms

    stored = leases_with_terms(type(lease).objects.filter(pk=lease.pk)).get()
    split = liability_split(engine.build_schedule(lease_terms(stored)).posted_months())
    balance = Decimal(0)
    for k in range(14):
        lines = period_postings(company, date(2026 + k // 12, k % 12 + 1, 1)).lines
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)
        moved = [x for x in lines if x.account_number == "2305"]
        balance += sum(x.credit - x.debit for x in moved)
        assert balance == split[k].current  # the current account holds the current portion
    assert balance == 0
