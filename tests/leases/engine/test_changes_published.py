"""Lease changes after commencement against published worked examples (each cited).

The IFRS 16 examples pay once a year; the effective rate convention discounts month by month at
(1 + r)^(1/12) - 1, which reproduces annual discounting exactly. Published tables are in whole
currency units, so figures are compared after rounding to units.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from leases.engine import (
    AccountRole,
    ChangeKind,
    Classification,
    Frequency,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RateConvention,
    RentStep,
    Standard,
    Timing,
    build_changed_schedule,
    build_schedule,
    journal_lines_for_month,
)

IFRS_IE = (
    "https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/2022/issued/"
    "ifrs16-ie.html"
)


def whole(value: D) -> D:
    return value.quantize(D(1))


def annual(amount: int, **overrides) -> LeaseTerms:
    """10-year IFRS 16 lease paid at the end of each year, 6 %, from 1 January 2020."""
    values = dict(
        commencement=date(2020, 1, 1),
        term_months=120,
        standard=Standard.IFRS_16,
        annual_rate=D("0.06"),
        rate_convention=RateConvention.EFFECTIVE,
        payments=(PaymentStream(D(amount), Frequency.ANNUAL, Timing.ARREARS),),
    )
    values.update(overrides)
    return LeaseTerms(**values)


def arrears(amount: int) -> tuple[PaymentStream, ...]:
    return (PaymentStream(D(amount), Frequency.ANNUAL, Timing.ARREARS),)


def total(lines, role: AccountRole) -> D:
    """Signed total of a role's lines: debit positive."""
    return sum((line.debit - line.credit for line in lines if line.role is role), D(0))


def assert_closes(schedule) -> None:
    rows = schedule.posted_months()
    assert rows[-1].closing_liability == 0
    assert rows[-1].rou_closing == 0
    for lines in schedule.journal_lines().values():
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


def test_ifrs16_ie16_extension_remeasured_at_the_revised_rate():
    """IFRS 16 IE Example 16 (IE7): CU100,000 a year in arrears, 10 years, 6 %. At the start of
    year 7 the term is extended by 4 years, same payments, revised rate 7 %. Published: liability
    before CU346,511, after CU597,130; ROU adjusted by CU250,619. (IFRS_IE)"""
    change = LeaseChange(ChangeKind.TERM, date(2026, 1, 1), term_months=168, annual_rate=D("0.07"))
    schedule = build_changed_schedule(annual(100000), [change])
    event = schedule.events[0]
    assert whole(event.liability_before) == 346511
    assert whole(event.liability_after) == 597130
    assert whole(event.rou_adjustment) == 250619
    assert total(event.lines, AccountRole.ROU_ASSET) == event.rou_adjustment
    assert total(event.lines, AccountRole.LEASE_LIABILITY) == -event.liability_adjustment
    assert len(schedule) == 168
    assert_closes(schedule)


def test_ifrs16_ie17_decrease_in_scope_gain_then_remeasurement():
    """IFRS 16 IE Example 17 (IE7): 5,000 m², CU50,000 a year in arrears, 10 years, 6 %. From
    year 6 half the space and CU30,000 a year, revised rate 5 %. Published: liability CU210,618
    and ROU CU184,002 before; 50 % derecognised (CU105,309 and CU92,001), gain CU13,308; modified
    liability CU129,884, ROU adjusted by CU24,575. Also quoted in EY International GAAP 2019,
    ch. 23 (https://bookreadfree.com/26922/710816). (IFRS_IE)"""
    change = LeaseChange(
        ChangeKind.DECREASE_SCOPE,
        date(2025, 1, 1),
        scope_fraction=D("0.5"),
        annual_rate=D("0.05"),
        payments=arrears(30000),
    )
    schedule = build_changed_schedule(annual(50000), [change])
    event = schedule.events[0]
    assert whole(event.liability_before) == 210618
    assert whole(event.rou_before) == 184002
    lines = event.lines
    derecognised = [x for x in lines if x.memo.startswith("Derecognition: lease liability")]
    assert whole(derecognised[0].debit) == 105309
    net_rou = (
        -sum(
            (x.debit - x.credit for x in lines if x.memo.startswith("Derecognition: ")),
            D(0),
        )
        + derecognised[0].debit
    )
    assert whole(net_rou) == 92001
    assert whole(event.gain_loss) == 13308
    assert -total(lines, AccountRole.MODIFICATION_GAIN_LOSS) == event.gain_loss
    assert whole(event.liability_after) == 129884
    remeasured = [x for x in lines if x.memo.startswith("Remeasurement: ROU")]
    assert whole(remeasured[0].debit) == 24575
    assert_closes(schedule)


def test_ifrs16_ie18_shorter_term_and_more_space():
    """IFRS 16 IE Example 18 (IE7), "Modification that both increases and decreases the scope of
    the lease". Fact pattern checked word for word against the published text (IFRS_IE, and its
    reproduction in EY International GAAP 2019, ch. 23, https://bookreadfree.com/26922/710816):
    10-year lease of 2,000 m², CU100,000 a year payable at the end of each year, incremental
    borrowing rate 6 %; at the beginning of Year 6 the parties add 1,500 m² from the beginning of
    Year 6 and reduce the term from 10 to 8 years; CU150,000 a year for the 3,500 m² at the end of
    Years 6 to 8; rate at the beginning of Year 6: 7 %.

    The stored copies stop before the example's figures, so each one is derived here from that
    fact pattern by the method the same text applies in Example 17 (decrease first, at the old
    rate, then remeasure at the revised rate), by hand:
    liability before = 100,000 x (1 - 1.06^-5) / 0.06 = 421,236; ROU before = PV at commencement
    (100,000 x (1 - 1.06^-10) / 0.06 = 736,009) x 5/10 = 368,004; the decrease keeps 3 of the 5
    remaining years, so 2/5 of the ROU goes: 147,202 (368,004 - 147,202 = 220,802 kept); the
    liability of the kept term at 6 % is 100,000 x (1 - 1.06^-3) / 0.06 = 267,301, a cut of
    153,935 and a gain of 153,935 - 147,202 = 6,733; the modified liability at 7 % is
    150,000 x (1 - 1.07^-3) / 0.07 = 393,647, and the ROU rises by 393,647 - 267,301 = 126,346."""
    change = LeaseChange(
        ChangeKind.DECREASE_SCOPE,
        date(2025, 1, 1),
        term_months=96,
        annual_rate=D("0.07"),
        payments=arrears(150000),
    )
    schedule = build_changed_schedule(annual(100000), [change])
    event = schedule.events[0]
    assert whole(event.liability_before) == 421236
    assert whole(event.rou_before) == 368004
    # Gross cost and accumulated amortization leave in proportion; the net is the ROU given up.
    rou_lines = [
        x
        for x in event.lines
        if x.memo.startswith("Derecognition: ")
        and not x.memo.startswith("Derecognition: lease liability")
    ]
    assert whole(sum((x.credit - x.debit for x in rou_lines), D(0))) == 147202
    cut = next(x for x in event.lines if x.memo.startswith("Derecognition: lease liability"))
    assert whole(cut.debit) == 153935
    assert whole(event.liability_before - cut.debit) == 267301
    assert whole(event.gain_loss) == 6733
    assert whole(event.liability_after) == 393647
    adjust = next(x for x in event.lines if x.memo.startswith("Remeasurement: ROU"))
    assert whole(adjust.debit) == 126346
    # 220,802 + 126,346 in whole units; the engine carries the cents (220,802.70 + 126,346.22).
    assert abs(event.rou_after - (220802 + 126346)) <= 1
    assert len(schedule) == 96
    assert_closes(schedule)


def test_ifrs16_ie19_change_in_consideration_only():
    """IFRS 16 IE Example 19 (IE7): CU100,000 a year in arrears, 10 years, 6 %; from year 6 the
    rent falls to CU95,000, revised rate 7 %. Published: liability CU421,236 before, CU389,519
    after; ROU reduced by CU31,717 (421,236 - 389,519). (IFRS_IE; a worked spreadsheet of the
    same figures: https://www.scribd.com/document/572441886)"""
    change = LeaseChange(
        ChangeKind.CONSIDERATION, date(2025, 1, 1), annual_rate=D("0.07"), payments=arrears(95000)
    )
    schedule = build_changed_schedule(annual(100000), [change])
    event = schedule.events[0]
    assert whole(event.liability_before) == 421236
    assert whole(event.liability_after) == 389519
    assert whole(event.liability_before) - whole(event.liability_after) == 31717
    assert event.rou_adjustment == event.liability_adjustment
    assert_closes(schedule)


def pwc_5_2_lease() -> LeaseTerms:
    return LeaseTerms(
        commencement=date(2021, 1, 1),
        term_months=60,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.05"),
        rate_convention=RateConvention.EFFECTIVE,
        payments=(PaymentStream(D(100000), Frequency.ANNUAL, Timing.ADVANCE),),
        initial_direct_costs=D(10000),
    )


def test_pwc_5_2_operating_remeasurement_new_straight_line_cost():
    """PwC *Leases* guide, Example 5-2 (pp. 5-13 to 5-14; copy at
    https://online.flipbuilder.com/gria/synm/files/basic-html/page175.html and page176.html):
    operating lease, 5 years, $100,000 a year in advance, IDC $10,000, 5 %. In year 4 the renewal
    becomes reasonably certain: 3 more years, CPI up 4 % (payments $104,000, renewal $114,400),
    rate 6 %. Published: liability $195,238 and ROU $199,238 before; revised liability $490,597,
    adjustment $295,359, ROU $494,597; new single lease cost ($551,200 + $4,000) / 5 = $111,040
    a year."""
    change = LeaseChange(
        ChangeKind.TERM,
        date(2024, 1, 1),
        term_months=96,
        annual_rate=D("0.06"),
        payments=(
            PaymentStream(
                D(104000),
                Frequency.ANNUAL,
                Timing.ADVANCE,
                steps=(RentStep(date(2026, 1, 1), D(114400)),),
            ),
        ),
    )
    schedule = build_changed_schedule(pwc_5_2_lease(), [change])
    event = schedule.events[0]
    assert whole(event.liability_before) == 195238
    assert whole(event.rou_before) == 199238
    assert whole(event.liability_after) == 490597
    assert whole(event.rou_adjustment) == 295359
    assert whole(event.rou_after) == 494597
    rows = schedule.posted_months()
    assert sum((r.straight_line_cost for r in rows[36:48]), D(0)) == D("111040.00")
    assert sum((r.straight_line_cost for r in rows[24:36]), D(0)) == D("102000.00")  # unchanged
    assert_closes(schedule)


def test_history_before_a_change_never_moves():
    base = build_schedule(pwc_5_2_lease())
    change = LeaseChange(ChangeKind.TERMINATION, date(2023, 7, 15), amount=D(25000))
    changed = build_changed_schedule(pwc_5_2_lease(), [change])
    assert changed.posted_months() == base.posted_months()[:30]
    for k in range(30):
        assert changed.month_lines(k) == journal_lines_for_month(base, base.period(k))


def test_termination_derecognises_everything_with_the_payment():
    change = LeaseChange(ChangeKind.TERMINATION, date(2023, 7, 15), amount=D(25000))
    schedule = build_changed_schedule(pwc_5_2_lease(), [change])
    event = schedule.events[0]
    assert len(schedule) == 30 and event.index == 30
    assert total(event.lines, AccountRole.LEASE_LIABILITY) == event.liability_before
    assert total(event.lines, AccountRole.ROU_ASSET) == -event.rou_before
    assert total(event.lines, AccountRole.CASH_CLEARING) == D(-25000)
    assert event.gain_loss == event.liability_before - event.rou_before - 25000
    assert sum(x.debit for x in event.lines) == sum(x.credit for x in event.lines)


def test_asc842_operating_impairment_then_accretion_plus_straight_line_amortization():
    """PwC *Leases* guide LG 4.6.2 (https://viewpoint.pwc.com/dt/us/en/pwc/accounting_guides/
    leases/leases__4_US/chapter_4_accounting_US/46_impairment_lessee_US.html): once an operating
    ROU asset is impaired, the liability keeps its effective-interest accretion, the ROU asset is
    amortized straight-line, and the cost is no longer straight-line; the liability is
    unchanged by the impairment."""
    change = LeaseChange(ChangeKind.IMPAIRMENT, date(2022, 7, 1), amount=D(50000))
    schedule = build_changed_schedule(pwc_5_2_lease(), [change])
    event = schedule.events[0]
    assert event.rou_after == event.rou_before - 50000
    assert total(event.lines, AccountRole.IMPAIRMENT_LOSS) == D(50000)
    rows = schedule.posted_months()[18:]
    amortization = {r.rou_amortization for r in rows}
    assert max(amortization) - min(amortization) <= D("0.01")  # straight line, cents aside
    for r in rows:
        assert r.straight_line_cost == r.interest + r.rou_amortization
    assert_closes(schedule)


def test_asc842_index_review_alone_is_variable_cost_then_measured_at_the_next_remeasurement():
    """ASC 842-10-35-5: index changes are not remeasured on their own (variable lease cost);
    PwC Example 5-2 measures the higher CPI once the term is remeasured."""
    review = LeaseChange(
        ChangeKind.INDEX,
        date(2022, 1, 1),
        payments=(PaymentStream(D(103000), Frequency.ANNUAL, Timing.ADVANCE),),
    )
    schedule = build_changed_schedule(pwc_5_2_lease(), [review])
    assert schedule.events[0].remeasured is False
    assert schedule.posted_months() == build_schedule(pwc_5_2_lease()).posted_months()
    assert schedule.variable == {
        12: D("3000.00"),
        24: D("3000.00"),
        36: D("3000.00"),
        48: D("3000.00"),
    }
    assert total(schedule.periodic_lines(12), AccountRole.VARIABLE_EXPENSE) == D(3000)
    extension = LeaseChange(
        ChangeKind.TERM, date(2024, 1, 1), term_months=72, annual_rate=D("0.06")
    )
    both = build_changed_schedule(pwc_5_2_lease(), [review, extension])
    assert both.variable == {12: D("3000.00"), 24: D("3000.00")}
    # From year 4 the 103,000 is measured: 3 payments in advance at 6 %.
    assert whole(both.events[1].liability_after) == whole(
        D(103000) * (1 + 1 / D("1.06") + 1 / D("1.06") ** 2)
    )
    assert_closes(both)


def test_ifrs16_index_review_keeps_the_rate():
    review = LeaseChange(ChangeKind.INDEX, date(2025, 1, 1), payments=arrears(104000))
    schedule = build_changed_schedule(annual(100000), [review])
    event = schedule.events[0]
    assert event.remeasured and event.rate_after == D("0.06")
    expected = sum((D(104000) / D("1.06") ** n for n in range(1, 6)), D(0))
    assert whole(event.liability_after) == whole(expected)
    with pytest.raises(LeaseTermsError, match="keeps the discount rate"):
        build_changed_schedule(
            annual(100000),
            [
                LeaseChange(
                    ChangeKind.INDEX,
                    date(2025, 1, 1),
                    annual_rate=D("0.07"),
                    payments=arrears(104000),
                )
            ],
        )


def test_finance_to_operating_reclassification_clears_accumulated_amortization():
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=60,
        standard=Standard.ASC_842,
        classification=Classification.FINANCE,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D(2000)),),
    )
    change = LeaseChange(
        ChangeKind.RECLASSIFICATION,
        date(2025, 1, 1),
        annual_rate=D("0.06"),
        classification=Classification.OPERATING,
        payments=(PaymentStream(D(2000)),),
    )
    schedule = build_changed_schedule(terms, [change])
    event = schedule.events[0]
    assert event.classification_after is Classification.OPERATING
    assert total(event.lines, AccountRole.ACCUMULATED_AMORTIZATION) > 0
    rows = schedule.posted_months()
    assert all(r.straight_line_cost is not None for r in rows[12:])
    costs = {r.straight_line_cost for r in rows[12:]}
    assert max(costs) - min(costs) <= D("0.01")
    assert_closes(schedule)


def test_purchase_option_moves_the_rou_to_owned_assets():
    terms = annual(100000)
    change = LeaseChange(ChangeKind.PURCHASE_OPTION, date(2027, 1, 1), amount=D(300000))
    schedule = build_changed_schedule(terms, [change])
    event = schedule.events[0]
    owned = total(event.lines, AccountRole.OWNED_ASSET)
    assert owned == event.rou_before + 300000 - event.liability_before
    assert sum(x.debit for x in event.lines) == sum(x.credit for x in event.lines)


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (
            LeaseChange(ChangeKind.TERM, date(2020, 1, 20), term_months=130, annual_rate=D("0.05")),
            "changes[0].effective",
            "after the commencement month",
        ),
        (
            LeaseChange(ChangeKind.TERM, date(2022, 1, 1), term_months=130),
            "changes[0].annual_rate",
            "revised rate",
        ),
        (
            LeaseChange(
                ChangeKind.INCREASE_SCOPE,
                date(2022, 1, 1),
                annual_rate=D("0.05"),
                payments=arrears(1),
                separate_lease=True,
            ),
            "changes[0].separate_lease",
            "new lease",
        ),
        (
            LeaseChange(
                ChangeKind.DECREASE_SCOPE,
                date(2022, 1, 1),
                annual_rate=D("0.05"),
                scope_fraction=D("1.5"),
            ),
            "changes[0].scope_fraction",
            "between 0 and 1",
        ),
        (
            LeaseChange(
                ChangeKind.RECLASSIFICATION,
                date(2022, 1, 1),
                annual_rate=D("0.05"),
                classification=Classification.FINANCE,
            ),
            "changes[0].classification",
            "one lessee model",
        ),
    ],
)
def test_bad_changes_name_the_field(change, field, text):
    with pytest.raises(LeaseTermsError) as error:
        build_changed_schedule(annual(100000), [change])
    assert any(i.field == field and text in i.message for i in error.value.issues)


def test_lease_schedule_json_takes_changes_and_returns_before_and_after():
    """The auditors' JSON path: IFRS 16 IE Example 19 through jsonio.run."""
    from leases.engine.jsonio import run

    result = run(
        {
            "commencement": "2020-01-01",
            "term_months": 120,
            "standard": "ifrs16",
            "annual_rate": "6%",
            "rate_convention": "effective",
            "payments": [{"amount": "100000", "frequency": "annual", "timing": "arrears"}],
            "changes": [
                {
                    "kind": "consideration",
                    "effective": "2025-01-01",
                    "annual_rate": "0.07",
                    "payments": [{"amount": "95000", "frequency": "annual", "timing": "arrears"}],
                }
            ],
        }
    )
    change = result["changes"][0]
    assert whole(D(change["before"]["liability"])) == 421236
    assert whole(D(change["after"]["liability"])) == 389519
    assert change["months_after"][0]["period"] == "2025-01-01"
    assert [m["segment_start"] for m in result["schedule"]].count(True) == 2
    bad = run(
        {
            **{
                "commencement": "2020-01-01",
                "term_months": 12,
                "standard": "ifrs16",
                "annual_rate": "0.05",
                "payments": [{"amount": "1"}],
            },
            "changes": [{"kind": "term", "effective": "2020-06-01", "term_months": 24}],
        }
    )
    assert bad["errors"][0]["field"] == "changes[0].annual_rate"


def test_asc842_shorter_term_for_the_same_asset_is_a_remeasurement_not_a_termination():
    """A shorter term for the same underlying asset is not a partial termination: the liability
    is remeasured (revised rate) against the ROU asset, with no gain or loss. Figures derived
    from PwC Example 5-2's lease (two remaining payments of $100,000 in advance at 6 %)."""
    change = LeaseChange(ChangeKind.TERM, date(2023, 1, 1), term_months=48, annual_rate=D("0.06"))
    schedule = build_changed_schedule(pwc_5_2_lease(), [change])
    event = schedule.events[0]
    assert event.gain_loss == 0
    assert event.liability_adjustment == event.rou_adjustment < 0
    assert whole(event.liability_after) == whole(D(100000) + D(100000) / D("1.06"))
    assert not any(x.role is AccountRole.MODIFICATION_GAIN_LOSS for x in event.lines)
    assert len(schedule) == 48
    assert_closes(schedule)


def test_increase_in_scope_that_is_not_a_separate_lease_is_remeasured():
    change = LeaseChange(
        ChangeKind.INCREASE_SCOPE,
        date(2025, 1, 1),
        annual_rate=D("0.07"),
        payments=arrears(150000),
    )
    schedule = build_changed_schedule(annual(100000), [change])
    event = schedule.events[0]
    expected = sum((D(150000) / D("1.07") ** n for n in range(1, 6)), D(0))
    assert whole(event.liability_after) == whole(expected)
    assert event.rou_adjustment == event.liability_adjustment > 0
    assert_closes(schedule)


def test_finance_impairment_amortizes_the_revised_rou_straight_line():
    """PwC *Leases* guide LG 4.6.1 (same page as LG 4.6.2): after a finance-lease ROU impairment,
    a new straight-line amortization from the revised carrying amount."""
    terms = LeaseTerms(
        commencement=date(2024, 1, 1),
        term_months=60,
        standard=Standard.ASC_842,
        classification=Classification.FINANCE,
        annual_rate=D("0.05"),
        payments=(PaymentStream(D(2000)),),
    )
    change = LeaseChange(ChangeKind.IMPAIRMENT, date(2025, 1, 1), amount=D(20000))
    schedule = build_changed_schedule(terms, [change])
    event = schedule.events[0]
    assert event.liability_after == event.liability_before
    assert total(event.lines, AccountRole.ACCUMULATED_AMORTIZATION) == D(-20000)
    rows = schedule.posted_months()[12:]
    expected = event.rou_after / 48
    for r in rows:
        assert abs(r.rou_amortization - expected) <= D("0.01")
    assert_closes(schedule)
