"""Disclosures reproduced from published examples, and the maturity analysis tied to the liability.

Each source publishes the lease's schedule; the disclosure figures below are the ones a preparer
reads off those published tables for the first fiscal year (costs, cash paid, additions, balances,
and the maturity analysis whose present value is the published year-end liability).
"""

from datetime import date
from decimal import Decimal as D

from leases.models import AccountingDefaults, LeaseIncentive, LeasePayment
from reports.periods import fiscal_range
from reports.selectors import disclosures, rollforward
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import JAN, MAR


def whole(value: D) -> D:
    return value.quantize(D(1))


def figures(item) -> dict:
    return {f.key: f for f in item.figures}


def test_asc842_pwc_example_4_4_and_4_13_operating_lease_year_one(personas):
    """PwC Leases guide, Examples 4-4 and 4-13 (automobile, 3 years from 1 January 2019, $500 a
    month in advance, 6 % IBR, operating). Published: liability at commencement $16,018;
    straight-line cost $6,000 a year; liability at the end of years 1 and 2 $11,338 and $5,838;
    interest in years 2 and 3 $500 and $162. So for fiscal 2019: operating lease cost $6,000,
    cash paid $6,000, ROU obtained for new operating liabilities $16,018; maturity at
    31 December 2019: $6,000 in each of 2020 and 2021, $12,000 undiscounted, imputed interest
    $662 (500 + 162), present value $11,338, current $5,500 (11,338 − 5,838); remaining term
    2 years; rate 6 %. Copy: http://online.flipbuilder.com/gria/synm/files/basic-html/page133.html
    and page156.html (current edition: viewpoint.pwc.com, Leases guide 4.4.2, Example LG 4-13).
    """
    set_up_accounting(personas.company)
    make_lease(
        personas.company, code="CAR-1", amount="500.00", commencement=date(2019, 1, 1),
        term_months=36, discount_rate=D("6"),
    )  # fmt: skip
    (item,) = disclosures(personas.company, fiscal_range(personas.company, 2019))
    f = figures(item)
    assert item.standard == "asc842" and item.currency == "USD"
    assert f["operating_lease_cost"].amount == D("6000.00")
    assert f["operating_cash_operating"].amount == D("6000.00")
    assert whole(f["new_operating"].amount) == 16018
    assert f["finance_interest"].amount == 0 and f["financing_cash_finance"].amount == 0
    assert (
        f["short_term_cost"].amount == 0 and "No short-term lease cost" in f["short_term_cost"].note
    )
    assert f["wa_term_operating"].amount == D("2.00")
    assert f["wa_rate_operating"].amount == D("6.00")
    operating, finance = item.maturities
    assert operating.years == [D(6000), D(6000), 0, 0, 0] and operating.thereafter == 0
    assert operating.undiscounted == 12000
    assert whole(operating.present_value) == 11338
    assert whole(operating.imputed_interest) == 662
    # The exact end-of-2020 balance is $5,838.51; PwC rounds each column on its own, so the split
    # ties within $1 (the same tolerance as the engine's test of this example).
    assert abs(operating.current - 5500) <= 1 and abs(operating.non_current - 5838) <= 1
    assert operating.non_current == D("5838.51")
    assert finance.present_value == 0


def test_ifrs16_illustrative_example_13_year_one(personas):
    """IFRS 16 Illustrative Examples, Example 13 (IASB): 10-year lease from 1 January 2020,
    CU50,000 a year payable at the beginning of each year, IDC CU20,000, incentive CU5,000,
    5 % a year. Published: ROU at commencement CU420,391; year 1 interest CU17,770 and
    depreciation CU42,039; at the end of year 1 liability CU373,161 and ROU CU378,352.
    So for 2020: additions to ROU assets CU420,391, depreciation CU42,039, interest CU17,770,
    lease payments CU50,000, closing ROU CU378,352; maturity at 31 December 2020: nine payments
    of CU50,000 (five years of CU50,000, CU200,000 thereafter), present value CU373,161,
    imputed interest CU76,839.
    https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/2022/issued/ifrs16-ie.html
    """
    set_up_accounting(personas.company)
    lease = make_lease(
        personas.company, code="IE-13", amount="50000.00", commencement=date(2020, 1, 1),
        term_months=120, classification="", standard="ifrs16", discount_rate=D("5"),
        rate_convention="effective", initial_direct_costs=D("20000"),
    )  # fmt: skip
    LeasePayment.objects.filter(lease=lease).update(frequency=12)
    LeaseIncentive.objects.create(lease=lease, amount=D("5000"))
    (item,) = disclosures(personas.company, fiscal_range(personas.company, 2020))
    f = figures(item)
    assert item.standard == "ifrs16"
    assert whole(f["additions"].amount) == 420391
    assert whole(f["depreciation"].amount) == 42039
    assert whole(f["interest"].amount) == 17770
    assert f["cash_outflow"].amount == D("50000")
    assert whole(f["closing_rou"].amount) == 378352
    assert [whole(v) for v in (f["short_term"].amount, f["low_value"].amount)] == [0, 0]
    ((label, depreciation, closing, codes),) = item.by_class
    assert label == "Real estate" and codes == ["IE-13"]
    assert whole(depreciation) == 42039 and whole(closing) == 378352
    (maturity,) = item.maturities
    assert maturity.years == [D(50000)] * 5 and maturity.thereafter == D(200000)
    assert whole(maturity.present_value) == 373161
    assert whole(maturity.imputed_interest) == 76839


def test_the_maturity_present_value_is_the_liability_on_the_books(books):
    """For the closed quarter, the maturity analysis's PV equals the roll-forward's closing
    liability, which equals the posted entries' liability balance."""
    span = fiscal_range(books.company, 2026, 1)
    assert (span.start, span.end) == (JAN, MAR)
    report = rollforward(books.company, span)
    assert report.reconciles
    (item,) = disclosures(books.company, span)
    pv = sum((m.present_value for m in item.maturities), D(0))
    assert pv == report.totals[0].closing_liability
    recon = {r.balance: r for r in report.reconciliation}
    assert pv == recon["liability"].posted
    for m in item.maturities:
        assert m.undiscounted - m.imputed_interest == m.present_value
        assert m.current + m.non_current == m.present_value


def test_variable_payments_are_disclosed_with_the_leases_behind_them(books):
    from leases.models import Lease, VariablePayment

    lease = Lease.objects.get(code="L-1")
    kind = VariablePayment._meta.get_field("kind").choices[0][0]
    VariablePayment.objects.create(
        lease=lease, period=date(2026, 2, 1), kind=kind, amount=D("123.45")
    )
    span = fiscal_range(books.company, 2026, 1)
    (item,) = disclosures(books.company, span)
    f = figures(item)
    assert f["variable_cost"].amount == D("123.45") and f["variable_cost"].note == ""
    assert f["variable_cost"].lease_codes == ["L-1"]
    assert f["short_term_cost"].amount == 0 and f["short_term_cost"].note
    # ASC 842-20-50-4(g)(1): cash paid for amounts in the measurement of the liability only.
    # L-1 and L-2 pay 1,000 and 2,500 a month in advance: 10,500 for the quarter, nothing more.
    assert f["operating_cash_operating"].amount == D("10500.00")


def test_ifrs16_variable_expense_and_cash_outflow_include_variable_payments(personas):
    """IFRS 16.53(e) discloses the expense of variable payments not in the liability, and
    IFRS 16.53(g) the total cash outflow, which includes them. A 1,000-a-month lease from January
    with 250.00 of turnover rent in February: variable expense 250.00, cash outflow 3,250.00 for
    the quarter; the roll-forward's liability payments stay February's and March's 2,000.00
    (January's, in advance, is paid at commencement; the liability never saw the variable one).
    """
    from leases.models import VariablePayment

    set_up_accounting(personas.company)
    lease = make_lease(personas.company, code="R-1", standard="ifrs16", classification="")
    kind = VariablePayment._meta.get_field("kind").choices[0][0]
    VariablePayment.objects.create(lease=lease, period=date(2026, 2, 1), kind=kind,
                                   amount=D("250.00"))  # fmt: skip
    span = fiscal_range(personas.company, 2026, 1)
    (item,) = disclosures(personas.company, span)
    f = figures(item)
    assert (f["variable"].amount, f["variable"].note) == (D("250.00"), "")
    assert f["variable"].lease_codes == ["R-1"]
    assert f["cash_outflow"].amount == D("3250.00")
    report = rollforward(personas.company, span)
    (total,) = report.totals
    assert total.movement.liability["payments"] == D("-2000.00")
    assert total.liability_ties and total.rou_ties


def test_ifrs16_short_term_and_low_value_expense_are_separate_lines(personas):
    """IFRS 16.53(c) and (d): the expense of short-term leases and of leases of low-value assets
    are disclosed apart (IFRS 16.6: both expensed straight-line over the lease term). A 12-month
    equipment lease at 600 a month from January 2026 costs 7,200 in 2026; a 36-month low-value
    lease at 40 a month from January 2026 costs 480; the recognised lease is in neither line."""
    set_up_accounting(personas.company)
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=["equipment"]
    )
    ifrs = {"standard": "ifrs16", "classification": "", "commencement": JAN}
    make_lease(personas.company, code="ST-1", amount="600.00", term_months=12,
               asset_type="equipment", exemption="short_term", **ifrs)  # fmt: skip
    make_lease(personas.company, code="LV-1", amount="40.00", term_months=36,
               asset_type="equipment", exemption="low_value", **ifrs)  # fmt: skip
    make_lease(personas.company, code="R-1", amount="1000.00", **ifrs)
    (item,) = disclosures(personas.company, fiscal_range(personas.company, 2026))
    f = figures(item)
    assert (f["short_term"].amount, f["short_term"].lease_codes) == (D("7200"), ["ST-1"])
    assert (f["low_value"].amount, f["low_value"].lease_codes) == (D("480"), ["LV-1"])
    assert not f["short_term"].note and not f["low_value"].note
