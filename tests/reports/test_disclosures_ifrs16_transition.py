"""IFRS 16 disclosures in the year of initial application (go-live, the date of initial
application of IFRS 16 C2).

IFRS 16 C12(a): a lessee applying C5(b) discloses "the weighted average lessee's incremental
borrowing rate applied to lease liabilities recognised in the statement of financial position
at the date of initial application" — the rates weighted by the liabilities they measured. The
figures below are worked by hand from the payments: monthly in advance, so a lease of n months
from month c has n - (months from c to July 2026) payments left at go-live on 1 July 2026.
"""

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from closebooks.services import company_go_live_set
from leases.models import LeaseOpeningBalance
from reports.periods import fiscal_range
from reports.selectors import Transition, disclosures
from tests.leases.factories import make_lease, set_up_accounting

JUL = date(2026, 7, 1)
CENT = D("0.01")


def figures(item) -> dict:
    return {f.key: f for f in item.figures}


def pv_in_advance(payment: D, count: int, annual_percent: D) -> D:
    """Present value of `count` monthly payments in advance at a nominal annual rate."""
    r = annual_percent / 100 / 12
    return sum((payment / (1 + r) ** k for k in range(count)), D(0)).quantize(CENT)


def go_live(personas, when: date = JUL):
    company_go_live_set(company=personas.company, actor=personas.settings_admin.user, go_live=when)
    personas.company.refresh_from_db()
    return personas.company


@pytest.fixture
def transition(personas):
    """Two IFRS 16 leases in place before go-live in July 2026 (one given a transition rate of
    5 %, one measured at its own 4 %), one IFRS 16 lease commencing after go-live and one ASC 842
    lease in place before it (neither is part of the IFRS 16 transition)."""
    set_up_accounting(personas.company)
    company = personas.company
    ifrs = {"standard": "ifrs16", "classification": ""}
    old_a = make_lease(company, code="IA", commencement=date(2024, 1, 1), term_months=60,
                       amount="1000.00", discount_rate=D("7"), **ifrs)  # fmt: skip
    LeaseOpeningBalance.objects.create(lease=old_a, transition_rate=D("5"))
    make_lease(company, code="IB", commencement=date(2025, 7, 1), term_months=48,
               amount="2000.00", discount_rate=D("4"), **ifrs)  # fmt: skip
    make_lease(company, code="IN", commencement=date(2026, 9, 1), term_months=24,
               amount="500.00", discount_rate=D("8"), **ifrs)  # fmt: skip
    make_lease(company, code="US-OLD", commencement=date(2024, 1, 1), term_months=60,
               discount_rate=D("9"))  # fmt: skip
    go_live(personas)
    return personas


def test_the_rate_at_go_live_is_weighted_by_the_liabilities_recognised_then(transition):
    """IFRS 16 C12(a), C8(b)(ii): at 1 July 2026 IA has 30 of 60 payments of 1,000 left,
    measured at its transition rate of 5 %; IB 36 of 48 payments of 2,000 at its own 4 %."""
    company = transition.company
    (_, ifrs) = disclosures(company, fiscal_range(company, 2026))
    f = figures(ifrs)
    ia = pv_in_advance(D("1000"), 30, D("5"))
    ib = pv_in_advance(D("2000"), 36, D("4"))
    assert (ia, ib) == (D("28263.01"), D("67967.34"))
    assert f["transition_liability"].amount == ia + ib == D("96230.35")
    # (5 x 28,263.01 + 4 x 67,967.34) / 96,230.35 = 413,184.41 / 96,230.35 = 4.2937...
    by_hand = ((5 * ia + 4 * ib) / (ia + ib)).quantize(CENT, ROUND_HALF_UP)
    assert f["transition_rate"].amount == by_hand == D("4.29")
    assert f["transition_rate"].unit == "percent"
    # Neither the lease commencing after go-live nor the ASC 842 lease is weighed.
    assert f["transition_rate"].lease_codes == ["IA", "IB"]
    assert "1 Jul 2026" in f["transition_rate"].label and "C12(a)" in f["transition_rate"].label


def test_the_page_shows_the_rate_at_go_live_and_links_to_its_leases(client, transition):
    client.force_login(transition.accountant.user)
    page = client.get("/accounting/reports/disclosures/?year=2026")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Weighted-average incremental borrowing rate applied at go-live, 1 Jul 2026" in text
    assert "4.29 %" in text or "4.29%" in text
    assert "96,230.35" in text


def test_outside_the_year_of_initial_application_the_transition_figures_are_not_shown(
    transition,
):
    company = transition.company
    (_, ifrs) = disclosures(company, fiscal_range(company, 2027))
    assert "transition_rate" not in figures(ifrs)
    assert "transition_liability" not in figures(ifrs)
    # A quarter of the year of initial application still shows them (IAS 34 interim reports).
    (_, q4) = disclosures(company, fiscal_range(company, 2026, 4))
    assert figures(q4)["transition_rate"].amount == D("4.29")


def test_with_no_ifrs16_lease_brought_in_at_go_live_the_rate_is_a_dash_with_the_reason(
    client, personas
):
    """Only a lease commencing after go-live: nothing was recognised at the date of initial
    application, so there is no weighted average (and no division by zero)."""
    set_up_accounting(personas.company)
    make_lease(personas.company, code="IN", commencement=date(2026, 9, 1), standard="ifrs16",
               classification="")  # fmt: skip
    company = go_live(personas)
    (ifrs,) = disclosures(company, fiscal_range(company, 2026))
    f = figures(ifrs)
    assert f["transition_rate"].amount is None
    assert f["transition_liability"].amount == 0
    assert "No IFRS 16 lease" in f["transition_rate"].note
    client.force_login(personas.accountant.user)
    page = client.get("/accounting/reports/disclosures/?year=2026")
    assert page.status_code == 200
    text = page.content.decode()
    row = text[text.index("Weighted-average incremental borrowing rate") :]
    assert "—" in row[: row.index("</tr>")]


def test_with_no_leases_at_all_the_disclosures_page_says_so(client, personas):
    set_up_accounting(personas.company)
    go_live(personas)
    client.force_login(personas.accountant.user)
    page = client.get("/accounting/reports/disclosures/?year=2026")
    assert page.status_code == 200
    assert "No active leases in this range." in page.content.decode()


def test_a_transition_with_nothing_recognised_has_no_rate_rather_than_a_division_by_zero():
    assert Transition(JUL).rate is None
    assert Transition(JUL, [("Z", D("0.00"), D("5"))]).rate is None
    assert Transition(JUL, [("A", D("100.00"), D("5")), ("B", D("300.00"), D("3"))]).rate == D(
        "3.50"
    )


def test_ifrs16_also_shows_the_rate_of_the_liabilities_at_the_period_end(transition):
    """Weighted by the payments still to come, as the ASC 842 figure (ASC 842-20-55-12): at
    31 December 2026 IA has 24 x 1,000 left at 5 %, IB 30 x 2,000 at 4 %, IN 20 x 500 at 8 %."""
    company = transition.company
    (_, ifrs) = disclosures(company, fiscal_range(company, 2026))
    pairs = [(D(5), D(24000)), (D(4), D(60000)), (D(8), D(10000))]
    expected = (sum(r * w for r, w in pairs) / sum(w for _, w in pairs)).quantize(CENT)
    assert figures(ifrs)["wa_rate"].amount == expected == D("4.68")
