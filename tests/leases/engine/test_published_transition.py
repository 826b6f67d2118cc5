"""Go-live transition against a published worked example: IFRS 16 (Ind AS 116) C8(b)(i).

Source: the Ind AS 116 chapter of a CA Final question bank (ch. 6, "6. COMPILER QB - INDAS 116",
pp. 13-16), a worked transition question whose solution sets out the full retrospective approach
and the modified retrospective approach "when ROU asset is not equal to lease liability"
(Alternative 1, Ind AS 116 C8(b)(i), the same paragraph as IFRS 16 C8(b)(i)):
https://vsmartdownload.com/downloads/bookpreview/cafinal/M22/compiler/Volume%201/CH%206/files/basic-html/page13.html
(and page14.html, page15.html, page16.html beside it).

Facts, as the solution states them: a three-year lease commencing 1 April 20X1, 2,00,000 paid at
the end of each year (31 March), incremental borrowing rate 12 % at commencement and 10 % at the
date of initial application, 1 April 20X3 (Ind AS 116 applies from the year beginning then); no
initial direct costs, incentives or restoration. 20X1 is modelled as 2021.

The solution discounts with present-value factors rounded to four decimals (0.9091, 0.8264,
0.7513 at 10 %; 0.8929, 0.7972, 0.7118 at 12 %) and rounds to whole rupees. Each factor is off by
at most 0.00005, so a figure built on k factors of 2,00,000 can be off by up to k x 10 (more once
rolled forward at the rate), and whole-rupee rounding adds up to 1. The engine discounts exactly
(annual compounding: the effective convention), so each published figure is checked within that
bound, and the engine's own figure is asserted exactly with its hand check. A different
convention (nominal monthly rate, payments in advance, the commencement rate at go-live) moves
every figure by thousands.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from leases.engine import (
    AccountRole,
    Frequency,
    LeaseTerms,
    PaymentStream,
    RateConvention,
    Standard,
    Timing,
    build_schedule,
    measure,
)
from leases.engine.transition import GoLive, TransitionMethod, build_golive_schedule
from leases.engine.transition_json import run

PAYMENT = D(200000)
FACTOR_ERROR = PAYMENT * D("0.00005")  # what one four-decimal PV factor can move a figure by


def lease() -> LeaseTerms:
    """The question's lease: 3 years from 1 April 20X1, 2,00,000 in arrears, 12 % at start."""
    return LeaseTerms(
        commencement=date(2021, 4, 1),
        term_months=36,
        standard=Standard.IFRS_16,
        annual_rate=D("0.12"),
        rate_convention=RateConvention.EFFECTIVE,  # annual payments, annual discounting
        payments=(PaymentStream(PAYMENT, Frequency.ANNUAL, Timing.ARREARS),),
    )


def within(value: D, published: int, bound: D) -> bool:
    return abs(value - published) <= bound


def year_sum(rows, attr: str) -> D:
    return sum((getattr(r, attr) for r in rows), D(0))


def golive(method: TransitionMethod):
    # 1 April 20X3, the date of initial application; 10 % is the rate at that date.
    return build_golive_schedule(
        lease(), GoLive(date(2023, 4, 1), method, transition_rate=D("0.10"))
    )


def test_c8b_i_rou_as_if_always_applied_at_the_rate_at_initial_application():
    """Modified retrospective, Alternative 1 (C8(b)(i)); published pp. 14-16:

    * W.N.1: PV at commencement at 10 % = 4,97,360 (three factors): the ROU asset "as if the
      Standard had been applied since the commencement date" but discounted at the date of
      initial application's rate. Exact: 200,000 x (1/1.1 + 1/1.1^2 + 1/1.1^3) = 497,370.40.
    * W.N.3: ROU at 1 April 20X3 after two of three years' depreciation = 1,65,787.
      Exact: 497,370.40 / 3 = 165,790.13.
    * Lease liability at 1 April 20X3 (C8(a)): 2,00,000 x 0.9091 = 1,81,820 (p. 15); the journal
      entry takes 1,81,806, the W.N.2 roll-forward of 4,97,360 at 10 % (its factor error grown by
      1.1^2). Exact: 200,000 / 1.1 = 181,818.18.
    * Entry at 1 April 20X3: Dr ROU 1,65,787, Dr retained earnings 16,019, Cr lease liability
      1,81,806. Exact: Dr ROU 165,790.13, Dr retained earnings 16,028.05, Cr 181,818.18.
    """
    at_ten = measure(replace(lease(), annual_rate=D("0.10")))
    assert at_ten.rou.quantize(D("0.01")) == D("497370.40")
    assert within(at_ten.rou, 497360, 3 * FACTOR_ERROR)

    schedule = golive(TransitionMethod.IFRS16_RETROSPECTIVE)
    b = schedule.balances
    assert (b.rou_cost, b.liability, b.equity) == (
        D("165790.13"),
        D("181818.18"),
        D("-16028.05"),
    )
    assert within(b.rou_cost, 165787, FACTOR_ERROR + 1)  # 3 factors / 3 years, rounded
    assert within(b.liability, 181820, FACTOR_ERROR)
    assert within(b.liability, 181806, 3 * FACTOR_ERROR * D("1.21") + 2)
    # Published retained earnings = published liability - published ROU (1,81,806 - 1,65,787);
    # the engine's is its own liability less its ROU, debited, as in the published entry.
    assert within(-b.equity, 181806 - 165787, 3 * FACTOR_ERROR * D("1.21") + 2 + FACTOR_ERROR + 1)
    lines = [(x.role, x.debit, x.credit) for x in schedule.golive_lines()]
    assert lines == [
        (AccountRole.ROU_ASSET, D("165790.13"), 0),
        (AccountRole.LEASE_LIABILITY, 0, D("181818.18")),
        (AccountRole.TRANSITION_EQUITY, D("16028.05"), 0),
    ]


def test_c8b_i_the_year_after_initial_application():
    """Entries for 20X3-20X4 (p. 15): interest 18,194 (W.N.2's balancing figure, "difference is
    due to approximation"; 18,180 on the directly discounted 1,81,820), depreciation 1,65,787,
    payment 2,00,000; both balances end at nil. Exact: interest 200,000 - 181,818.18 = 18,181.82,
    depreciation 165,790.13."""
    rows = golive(TransitionMethod.IFRS16_RETROSPECTIVE).posted_months()
    assert len(rows) == 12 and rows[0].period == date(2023, 4, 1)
    assert year_sum(rows, "payment") == PAYMENT
    assert rows[-1].payment == PAYMENT  # paid on 31 March 20X4, the end of the year
    interest = year_sum(rows, "interest")
    assert interest == D("18181.82")
    assert within(interest, 18180, FACTOR_ERROR)
    amortization = year_sum(rows, "rou_amortization")
    assert amortization == D("165790.13")
    assert within(amortization, 165787, FACTOR_ERROR + 1)
    assert rows[-1].closing_liability == 0 and rows[-1].rou_closing == 0


def test_the_same_lease_from_commencement_at_12_percent_matches_the_full_retrospective_tables():
    """Full retrospective approach (pp. 13-14): PV at 12 % = 4,80,380; at 31 March 20X2 the
    liability is 3,38,026 and the ROU asset 3,20,254 (the comparative's opening entry: Dr ROU
    3,20,254, Dr retained earnings 17,772, Cr lease liability 3,38,026); interest 57,646 in
    20X1-X2 and 40,563 in 20X2-X3; depreciation 1,60,126 and 1,60,127; at 31 March 20X3 the
    liability is 1,78,589 and the ROU asset 1,60,127. Exact at 12 %: 480,366.25; 338,010.20 and
    320,244.17; interest 57,643.95 and 40,561.23; depreciation 160,122.08 and 160,122.09;
    178,571.43 and 160,122.08."""
    schedule = build_schedule(lease())
    assert within(schedule.posted().liability, 480380, 3 * FACTOR_ERROR)
    rows = schedule.posted_months()
    year1, year2 = rows[:12], rows[12:24]
    grown = 3 * FACTOR_ERROR * D("1.12")  # the factor error after a year at 12 %
    assert within(rows[11].closing_liability, 338026, grown + 1)
    assert within(rows[11].rou_closing, 320254, 2 * FACTOR_ERROR + 1)
    assert within(
        rows[11].closing_liability - rows[11].rou_closing, 17772, grown + 2 * FACTOR_ERROR + 2
    )
    assert within(year_sum(year1, "interest"), 57646, 3 * FACTOR_ERROR * D("0.12") + 1)
    assert within(year_sum(year2, "interest"), 40563, grown * D("0.12") + 1)
    assert within(year_sum(year1, "rou_amortization"), 160126, FACTOR_ERROR + 1)
    assert within(year_sum(year2, "rou_amortization"), 160127, FACTOR_ERROR + 1)
    assert within(rows[23].closing_liability, 178589, 3 * FACTOR_ERROR * D("1.2544") + 1)
    assert within(rows[23].rou_closing, 160127, FACTOR_ERROR + 1)
    assert (rows[11].closing_liability, rows[23].closing_liability) == (
        D("338010.20"),
        D("178571.43"),
    )


def test_the_json_interface_gives_the_c8b_i_balances():
    """The same go-live through `manage.py lease_schedule`'s JSON input (transition_json.run)."""
    result = run(
        {
            "commencement": "2021-04-01",
            "term_months": 36,
            "standard": "ifrs16",
            "annual_rate": "12%",
            "rate_convention": "effective",
            "payments": [{"amount": "200000", "frequency": "annual", "timing": "arrears"}],
            "go_live": {
                "date": "2023-04-01",
                "method": "ifrs16_retrospective",
                "transition_rate": "10%",
            },
        }
    )
    balances = result["go_live"]["balances"]
    assert (balances["liability"], balances["rou_cost"], balances["equity"]) == (
        "181818.18",
        "165790.13",
        "-16028.05",
    )
    assert result["go_live"]["months_before_go_live"] == 24
    assert len(result["schedule"]) == 12
