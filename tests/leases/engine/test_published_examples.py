"""The engine against published worked examples, within each source's published rounding.

ASC 842 operating (level, escalating, with IDC) and more finance examples from the PwC Leases
guide are in test_published_asc842_operating.py.
"""

from datetime import date
from decimal import Decimal as D

from leases.engine import (
    Classification,
    Frequency,
    Incentive,
    LeaseTerms,
    PaymentStream,
    RateConvention,
    Standard,
    Timing,
    build_schedule,
    measure,
    monthly_rate,
)


def annual_lease(**overrides) -> LeaseTerms:
    """An annual-payment lease; the effective convention reproduces annual compounding exactly."""
    values = dict(
        commencement=date(2020, 1, 1),
        term_months=120,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        rate_convention=RateConvention.EFFECTIVE,
        payments=(PaymentStream(D(50000), Frequency.ANNUAL, Timing.ADVANCE),),
    )
    values.update(overrides)
    return LeaseTerms(**values)


def whole(value: D) -> D:
    """Round to whole currency units, as the published tables do."""
    return value.quantize(D(1))


def year_sum(rows, year: int, attr: str) -> D:
    """Sum a posted column over the 12 months of lease year `year` (1-based)."""
    return sum((getattr(r, attr) for r in rows[(year - 1) * 12 : year * 12]), D(0))


def test_ifrs16_ie13_payments_in_advance_with_idc_and_incentive():
    """IFRS 16 Illustrative Examples, Example 13 (IASB, IE5), first part: 10-year lease,
    CU50,000 a year payable at the beginning of each year, IDC CU20,000, incentive reimbursed
    CU5,000, 5 % a year. Published: liability CU355,391, ROU CU420,391; year 1 interest
    CU17,770 and depreciation CU42,039; end of year 1 liability CU373,161, ROU CU378,352.
    https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/2022/issued/ifrs16-ie.html
    """
    terms = annual_lease(initial_direct_costs=D(20000), incentives=(Incentive(D(5000)),))
    m = measure(terms)
    assert whole(m.liability) == 355391
    assert whole(m.rou) == 420391
    rows = build_schedule(terms).posted_months()
    assert whole(year_sum(rows, 1, "interest")) == 17770
    assert whole(year_sum(rows, 1, "rou_amortization")) == 42039
    assert whole(rows[11].closing_liability) == 373161  # interest accrued, paid with instalment 2
    assert whole(rows[11].rou_closing) == 378352


def test_ifrs16_ie17_payments_in_arrears_balances_before_modification():
    """IFRS 16 Illustrative Examples, Example 17 (IASB, IE7): 10-year lease, CU100,000 a year
    payable at the end of each year, 6 %. Published at the beginning of year 6, before the
    modification: lease liability CU421,236 and ROU asset CU368,004 (50 % of each is
    CU210,618 and CU184,002). Also quoted in EY International GAAP 2019, ch. 23
    (https://bookreadfree.com/26922/710816).
    """
    terms = annual_lease(
        annual_rate=D("0.06"),
        payments=(PaymentStream(D(100000), Frequency.ANNUAL, Timing.ARREARS),),
    )
    rows = build_schedule(terms).posted_months()
    assert whole(rows[59].closing_liability) == 421236
    assert whole(rows[59].rou_closing) == 368004
    assert whole(rows[59].closing_liability / 2) == 210618
    assert whole(rows[59].rou_closing / 2) == 184002


def test_ifrs16_ie19_change_in_consideration_starting_balances():
    """IFRS 16 Illustrative Examples, Example 19 (IASB, IE7): same lease as Example 17
    (CU100,000 in arrears, 10 years, 6 %); the published pre-modification liability at the
    start of year 6 is again CU421,236. Checks the in-arrears liability five years in under
    the nominal-equivalent effective convention and that the liability ends at exactly zero.
    https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/2022/issued/ifrs16-ie.html
    """
    terms = annual_lease(
        annual_rate=D("0.06"),
        payments=(PaymentStream(D(100000), Frequency.ANNUAL, Timing.ARREARS),),
    )
    rows = build_schedule(terms).posted_months()
    assert whole(rows[59].closing_liability) == 421236
    assert rows[-1].closing_liability == 0
    assert rows[-1].rou_closing == 0


def test_asc842_finance_lease_annual_in_arrears():
    """Finance lease worked example (lessee, 5 years, 10,000 a year at the end of each year,
    8 %), as published by an accounting-tutorial site (copy at
    http://bionprinter.blogg.se/2022/october/ifinance-auto-sales-corprate.html): liability
    39,927; interest by year 3,194 / 2,650 / 2,062 / 1,427 / 741 (total 10,073); year-end
    liability 33,121 / 25,771 / 17,833 / 9,259 / 0; straight-line amortization 7,985 a year.
    """
    terms = annual_lease(
        standard=Standard.ASC_842,
        classification=Classification.FINANCE,
        term_months=60,
        annual_rate=D("0.08"),
        payments=(PaymentStream(D(10000), Frequency.ANNUAL, Timing.ARREARS),),
    )
    assert whole(measure(terms).liability) == 39927
    rows = build_schedule(terms).posted_months()
    interest = [whole(year_sum(rows, y, "interest")) for y in range(1, 6)]
    assert interest == [3194, 2650, 2062, 1427, 741]
    assert whole(sum((r.interest for r in rows), D(0))) == 10073
    closing = [whole(rows[y * 12 - 1].closing_liability) for y in range(1, 6)]
    assert closing == [33121, 25771, 17833, 9259, 0]
    assert whole(year_sum(rows, 1, "rou_amortization")) == 7985


def test_ind_as_116_payments_in_advance_within_published_factor_rounding():
    """Ind AS 116 question bank (CA Final compiler, ch. 6 p. 22,
    https://vsmartdownload.com/downloads/bookpreview/cafinal/M22/compiler/Volume%201/CH%206/files/basic-html/page22.html):
    6 annual payments of 2,80,000 in advance, 8 %, ROU depreciated over 6 years. Published
    (with 3-decimal PV factors, so up to 280,000 x 0.0005 x 5 = 700 off): ROU 13,98,040,
    year 1 interest 89,443, depreciation 2,33,007. Exact discounting gives 1,397,959.
    """
    terms = annual_lease(
        term_months=72,
        annual_rate=D("0.08"),
        payments=(PaymentStream(D(280000), Frequency.ANNUAL, Timing.ADVANCE),),
    )
    m = measure(terms)
    assert abs(m.rou - 1398040) <= 700
    rows = build_schedule(terms).posted_months()
    assert abs(year_sum(rows, 1, "interest") - 89443) <= 60  # 8 % of the factor error
    assert abs(year_sum(rows, 1, "rou_amortization") - 233007) <= 120  # factor error / 6


def test_asc842_operating_monthly_interest_step_nakisa():
    """Nakisa Lease Administration user guide, appendix 'ASC 842 operating' (monthly step):
    opening liability 381,143.08, payment 17,810.43, rate 2.25 % compounded monthly gives
    interest 714.64 and ROU reduction 15,635.57 - 714.64 = 14,920.93 (published 14,920.90 and
    closing 364,047.30, i.e. within 3 cents of published rounding). Only this single step is
    published, so the check is on the nominal monthly rate and the operating plug.
    https://docs.nakisa.com/2022R2-SP/nla/en/user/content/_appendix/_accounting_transactions/asc842_operating.html
    """
    terms = annual_lease(
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.0225"),
        rate_convention=RateConvention.NOMINAL,
    )
    rate = monthly_rate(terms)
    interest = (D("381143.08") * rate).quantize(D("0.01"))
    assert interest == D("714.64")
    assert abs((D("15635.57") - interest) - D("14920.90")) <= D("0.03")
    closing = D("381143.08") + interest - D("17810.43")
    assert abs(closing - D("364047.30")) <= D("0.01")
