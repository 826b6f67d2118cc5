"""The weighted-average discount rate and remaining term at the reporting date, after changes.

ASC 842-20-50-4(g)(3)-(4) with 842-20-55-11 and 55-12: the remaining term is weighted by each
lease's liability; the rate is "the discount rate for the lease that was used to calculate the
lease liability balance", weighted by the remaining lease payments (undiscounted here, as the
maturity analysis shows them). After a remeasurement at a revised rate (ASC 842-20-35-5,
IFRS 16.40 and 16.45) the liability is measured at the revised rate, so that is the rate
weighted from the change's month on; before it, the lease's own. A term extension counts its
new term. Every figure below is worked by hand from the payments: monthly in advance, so at the
end of December 2026 a lease of n months from January 2026 has n - 12 payments left.
"""

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from closebooks.models import AccountingPeriod
from closebooks.services import company_go_live_set
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import AccountingDefaults, Lease, LeaseOpeningBalance
from reports.periods import fiscal_range
from reports.selectors import disclosures, weighted_rate, weighted_term_years
from reports.snapshots import period_facts_keep, stored_lease_facts
from reports.subledger import computed_lease_facts
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import JAN, close_through

JUL, SEP, OCT, DEC = date(2026, 7, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 12, 1)
CENT = D("0.01")


def figures(item) -> dict:
    return {f.key: f for f in item.figures}


def by_hand(pairs: list[tuple[D, D]]) -> D:
    """sum(value x weight) / sum(weight), to two places."""
    total = sum((value * weight for value, weight in pairs), D(0))
    return (total / sum((weight for _, weight in pairs), D(0))).quantize(CENT, ROUND_HALF_UP)


def pv_in_advance(payment: D, count: int, annual_percent: D) -> D:
    """Present value of `count` monthly payments in advance at a nominal annual rate."""
    r = annual_percent / 100 / 12
    return sum((payment / (1 + r) ** k for k in range(count)), D(0)).quantize(CENT)


def change(personas, code: str, kind: str, effective: date, details: dict) -> None:
    made = lease_change_create(
        lease=Lease.objects.get(code=code),
        actor=personas.accountant.user,
        kind=kind,
        effective=effective,
        details=details,
        reason="Renegotiated",
    )
    lease_change_approve(change=made, actor=personas.reviewer.user)


@pytest.fixture
def changed(personas):
    """ASC 842 and IFRS 16 leases from January 2026, two of each remeasured at a revised rate
    from July (new rent), one ASC 842 lease extended from October; closed through December."""
    set_up_accounting(personas.company)
    company = personas.company
    make_lease(company, code="R-1", amount="1000.00", term_months=36)  # 6 %
    make_lease(company, code="U-1", amount="2000.00", term_months=48, discount_rate=D("5"))
    make_lease(company, code="T-1", amount="500.00", term_months=24, discount_rate=D("4"))
    make_lease(company, code="F-1", amount="730.15", classification="finance",
               discount_rate=D("7.5"))  # fmt: skip
    make_lease(company, code="I-1", amount="1000.00", standard="ifrs16", classification="")
    make_lease(company, code="I-2", amount="1500.00", standard="ifrs16", classification="",
               discount_rate=D("4"))  # fmt: skip
    for code in ("R-1", "I-1"):
        change(personas, code, "consideration", JUL,
               {"annual_rate": "0.09", "payments": [{"amount": "1100.00"}]})  # fmt: skip
    # Extended from 24 to 36 months at 7 %, the same rent.
    change(personas, "T-1", "term", OCT, {"term_months": 36, "annual_rate": "0.07"})
    close_through(company, DEC, personas.accountant.user)
    return personas


def test_the_rate_weighted_at_the_year_end_is_the_revised_rate_of_a_remeasured_lease(changed):
    (asc, ifrs) = disclosures(changed.company, fiscal_range(changed.company, 2026))
    f = figures(asc)
    # Remaining payments at 31 December 2026: R-1 24 x 1,100 (9 % from July), U-1 36 x 2,000
    # (5 %, unchanged), T-1 24 x 500 (36 months now, 7 % from October).
    operating = [(D(9), D(24 * 1100)), (D(5), D(36 * 2000)), (D(7), D(24 * 500))]
    assert asc.maturities[0].undiscounted == sum((w for _, w in operating), D(0)) == 110400
    expected = by_hand(operating)  # 681,600 / 110,400 = 6.1739...
    assert f["wa_rate_operating"].amount == expected == D("6.17")
    # Each lease's own rate would give 566,400 / 110,400 = 5.13: the figure did move.
    assert by_hand([(D(6), D(26400)), (D(5), D(72000)), (D(4), D(12000))]) == D("5.13")
    # The finance lease has no change: its own 7.5 %.
    assert f["wa_rate_finance"].amount == D("7.50")
    # IFRS 16 (the same rule, weighted from the same facts): I-1 9 % on 24 x 1,100, I-2 4 % on
    # 24 x 1,500: 381,600 / 62,400 = 6.115... IFRS 16 lists no such figure; many disclose it.
    assert ifrs.standard == "ifrs16"
    (facts,) = computed_lease_facts(changed.company, [(JAN, DEC)])
    ifrs_facts = [x for x in facts if x.standard == "ifrs16"]
    assert weighted_rate(ifrs_facts) == by_hand([(D(9), D(26400)), (D(4), D(36000))]) == D("6.12")
    rates = {x.code: x.rate_percent for x in facts}
    assert rates == {"R-1": 9, "U-1": 5, "T-1": 7, "F-1": D("7.5"), "I-1": 9, "I-2": 4}


def test_before_the_change_the_lease_weighs_its_own_rate(changed):
    company = changed.company
    (h1, _) = disclosures(company, fiscal_range(company, 2026, 2))  # April-June
    # At 30 June: R-1 30 x 1,000 at 6 %, U-1 42 x 2,000 at 5 %, T-1 18 x 500 at 4 %.
    expected = by_hand([(D(6), D(30000)), (D(5), D(84000)), (D(4), D(9000))])
    assert figures(h1)["wa_rate_operating"].amount == expected == D("5.17")
    (q3, _) = disclosures(company, fiscal_range(company, 2026, 3))  # July-September
    # At 30 September R-1 is at 9 % (from 1 July); T-1's extension is October's.
    expected = by_hand([(D(9), D(27 * 1100)), (D(5), D(39 * 2000)), (D(4), D(15 * 500))])
    assert figures(q3)["wa_rate_operating"].amount == expected == D("5.97")


def test_the_remaining_term_counts_the_extended_term_weighted_by_the_liabilities(changed):
    (facts,) = computed_lease_facts(changed.company, [(JAN, DEC)])
    by_code = {x.code: x for x in facts}
    # The liabilities at 31 December: the present value of the payments left at each rate.
    liabilities = {
        "R-1": pv_in_advance(D(1100), 24, D(9)),
        "U-1": pv_in_advance(D(2000), 36, D(5)),
        "T-1": pv_in_advance(D(500), 24, D(7)),
    }
    for code, liability in liabilities.items():
        assert abs(by_code[code].closing_liability - liability) <= CENT, code
    months = {"R-1": 24, "U-1": 36, "T-1": 24}  # T-1: 36 - 12, not 24 - 12
    assert {code: by_code[code].remaining_months for code in months} == months
    expected = by_hand([(D(months[c]) / 12, by_code[c].closing_liability) for c in months])
    (asc, _) = disclosures(changed.company, fiscal_range(changed.company, 2026))
    assert figures(asc)["wa_term_operating"].amount == expected
    assert expected == by_hand([(D(months[c]) / 12, liabilities[c]) for c in months])
    operating = [by_code[c] for c in months]
    assert weighted_term_years(operating) == expected


def test_the_kept_figures_give_the_same_rates_as_the_schedules(changed):
    company = changed.company
    closed = AccountingPeriod.objects.filter(company=company, status="closed")
    period_facts_keep(period_ids=list(closed.values_list("pk", flat=True)))
    for start, end in [(JAN, DEC), (JAN, SEP), (OCT, DEC), (SEP, SEP), (JAN, date(2026, 6, 1))]:
        stored = stored_lease_facts(company, start, end)
        assert stored is not None, (start, end)
        (computed,) = computed_lease_facts(company, [(start, end)])
        assert [(x.code, x.rate_percent, x.remaining_months) for x in stored] == [
            (x.code, x.rate_percent, x.remaining_months) for x in computed
        ], (start, end)
        kept = disclosures(company, fiscal_range(company, 2026), facts=stored)
        built = disclosures(company, fiscal_range(company, 2026), facts=computed)
        assert [figures(d)[k].amount for d in kept[:1] for k in ("wa_rate_operating",
                "wa_rate_finance", "wa_term_operating")] == [
            figures(d)[k].amount for d in built[:1]
            for k in ("wa_rate_operating", "wa_rate_finance", "wa_term_operating")
        ]  # fmt: skip
    # What a year's report reads: the kept figures.
    (asc, _) = disclosures(company, fiscal_range(company, 2026))
    assert figures(asc)["wa_rate_operating"].amount == D("6.17")


def test_a_lease_brought_in_at_go_live_weighs_its_transition_rate(personas):
    """ASC 842-10-65-1(h): a lease in place at transition is measured at the rate at transition;
    the liability the reports weigh is measured at it."""
    set_up_accounting(personas.company)
    company = personas.company
    old = make_lease(company, code="OLD-1", commencement=date(2023, 1, 1), term_months=60)
    make_lease(company, code="OLD-2", commencement=date(2024, 1, 1), term_months=60)
    LeaseOpeningBalance.objects.create(lease=old, transition_rate=D("4.5"))
    company_go_live_set(company=company, actor=personas.settings_admin.user, go_live=JUL)
    company.refresh_from_db()
    (facts,) = computed_lease_facts(company, [(JUL, DEC)])
    assert {x.code: x.rate_percent for x in facts} == {"OLD-1": D("4.5"), "OLD-2": 6}
    # At 31 December 2026 (ending December 2027 and December 2028): OLD-1 12 x 1,000 left at
    # 4.5 %, OLD-2 24 x 1,000 at 6 %: 198,000 / 36,000.
    (asc,) = disclosures(company, fiscal_range(company, 2026), facts=facts)
    expected = by_hand([(D("4.5"), D(12000)), (D(6), D(24000))])
    assert figures(asc)["wa_rate_operating"].amount == expected == D("5.50")


def test_a_short_term_lease_recognised_by_a_renewal_weighs_the_renewal_rate(personas):
    """ASC 842-20-25-3: a short-term lease whose renewal ends the exemption is measured from
    the change at the rate then; before it there is no liability to weigh."""
    set_up_accounting(personas.company)
    company = personas.company
    AccountingDefaults.objects.filter(company=company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(company, code="ST", exemption="short_term", term_months=12, discount_rate=D("5"))
    change(personas, "ST", "term", date(2026, 3, 1), {"term_months": 25, "annual_rate": "0.07"})
    feb, dec = computed_lease_facts(company, [(JAN, date(2026, 2, 1)), (JAN, DEC)])
    assert (feb[0].rate_percent, feb[0].closing_liability) == (5, 0)
    assert dec[0].rate_percent == 7 and dec[0].closing_liability > 0
    # At 31 December: 13 payments of 1,000 left (25 - 12), all at 7 %.
    (asc,) = disclosures(company, fiscal_range(company, 2026), facts=dec)
    assert asc.maturities[0].undiscounted == 13000
    assert figures(asc)["wa_rate_operating"].amount == D("7.00")


def test_the_remaining_term_of_an_asset_kept_beyond_the_term_is_the_lease_term(personas):
    """ASC 842-20-50-4(g)(3): the remaining *lease* term. A finance lease whose ownership
    transfers amortizes its ROU asset over the useful life (ASC 842-20-35-8), so its schedule
    runs 60 months; the term is 36. At 31 December 2026: FT-1 24 months left; FT-2, extended on
    1 October to 48 months, 36 (each counted 48, to the end of the useful life, before)."""
    set_up_accounting(personas.company)
    company = personas.company
    for code in ("FT-1", "FT-2"):
        make_lease(company, code=code, classification="finance", useful_life_months=60,
                   ownership_transfers=True)  # fmt: skip
    change(personas, "FT-2", "term", OCT, {"term_months": 48, "annual_rate": "0.06"})
    (facts,) = computed_lease_facts(company, [(JAN, DEC)])
    by_code = {x.code: x for x in facts}
    assert {c: x.remaining_months for c, x in by_code.items()} == {"FT-1": 24, "FT-2": 36}
    liabilities = {c: pv_in_advance(D(1000), n, D(6)) for c, n in (("FT-1", 24), ("FT-2", 36))}
    for code, liability in liabilities.items():
        assert abs(by_code[code].closing_liability - liability) <= CENT, code
    expected = by_hand([(D(24) / 12, liabilities["FT-1"]), (D(36) / 12, liabilities["FT-2"])])
    (asc,) = disclosures(company, fiscal_range(company, 2026), facts=facts)
    # (22,675.68 x 2 + 33,035.37 x 3) / 55,711.05 = 2.593 years.
    assert liabilities == {"FT-1": D("22675.68"), "FT-2": D("33035.37")}
    assert figures(asc)["wa_term_finance"].amount == expected == D("2.59")
