"""IFRS 16 restoration provision (IFRS 16.24(d), IAS 37.45-47 and 37.60), by hand.

A 3-year IFRS 16 lease from 1 January 2026 must restore the site at the end: the expected cost is
10,000, the pre-tax rate 6 % a year (effective convention: monthly discounting reproduces annual
discounting exactly). By hand:

* at commencement: 10,000 / 1.06^3 = 8,396.19, added to the ROU asset, Cr provision;
* after one year: 10,000 / 1.06^2 = 8,899.96 (unwinding 503.77 = 8,396.19 x 6 %, to the cent);
* after two years: 10,000 / 1.06 = 9,433.96; at the end: 10,000.00;
* the first month: 8,396.19 x (1.06^(1/12) - 1) = 40.87;
* total unwinding: 10,000 - 8,396.19 = 1,603.81, a finance cost on lines of its own.
"""

from datetime import date
from decimal import Decimal as D

from leases.engine import (
    AccountRole,
    ChangeKind,
    LeaseChange,
    LeaseTerms,
    PaymentStream,
    RateConvention,
    Standard,
    build_changed_schedule,
    build_schedule,
    journal_lines,
    validate_terms,
)
from leases.engine.jsonio import run
from leases.engine.restoration import provision_months


def lease(**overrides) -> LeaseTerms:
    values = dict(
        commencement=date(2026, 1, 1),
        term_months=36,
        standard=Standard.IFRS_16,
        annual_rate=D("0.05"),
        rate_convention=RateConvention.EFFECTIVE,
        payments=(PaymentStream(D("1000")),),
        restoration_estimate=D("10000"),
        restoration_rate=D("0.06"),
    )
    values.update(overrides)
    return LeaseTerms(**values)


def test_the_provision_is_discounted_at_commencement_and_unwinds_to_the_expected_cost():
    terms = lease()
    assert terms.restoration_cost == D("8396.19")
    months = provision_months(terms)
    assert len(months) == 36
    assert months[0].opening == D("8396.19") and months[0].unwinding == D("40.87")
    assert [months[k].closing for k in (11, 23, 35)] == [
        D("8899.96"),
        D("9433.96"),
        D("10000"),
    ]
    assert sum(m.unwinding for m in months[:12]) == D("503.77")
    assert sum(m.unwinding for m in months) == D("1603.81")


def test_the_rou_asset_includes_it_and_each_month_posts_the_unwinding_on_its_own_lines():
    terms = lease()
    schedule = build_schedule(terms)
    posted = schedule.posted()
    assert posted.rou == posted.liability + D("1000") + D("8396.19")
    lines = journal_lines(schedule)
    first = lines[date(2026, 1, 1)]
    assert (AccountRole.PROVISION, D(0), D("8396.19")) in [
        (x.role, x.debit, x.credit) for x in first
    ]
    unwinding = [x for x in first if x.role is AccountRole.PROVISION_UNWINDING]
    assert [(x.debit, x.credit) for x in unwinding] == [(D("40.87"), D(0))]
    provision = D(0)
    for month in lines.values():
        assert sum(x.debit for x in month) == sum(x.credit for x in month)
        provision += sum(x.credit - x.debit for x in month if x.role is AccountRole.PROVISION)
    assert provision == D("10000.00")  # the expected cost, exactly, at the end of the term
    # The ROU asset (with the provision in it) is amortized to zero over the term.
    assert schedule.posted_months()[-1].rou_closing == 0


def test_the_unwinding_goes_on_after_a_change_to_the_lease():
    terms = lease()
    change = LeaseChange(
        ChangeKind.CONSIDERATION,
        date(2027, 1, 1),
        annual_rate=D("0.07"),
        payments=(PaymentStream(D("1100")),),
    )
    schedule = build_changed_schedule(terms, [change])
    total = D(0)
    for k in range(len(schedule)):
        month = schedule.month_lines(k)
        assert sum(x.debit for x in month) == sum(x.credit for x in month)
        total += sum(x.debit for x in month if x.role is AccountRole.PROVISION_UNWINDING)
    assert total == D("1603.81")


def test_lease_schedule_json_takes_the_expected_cost_and_returns_the_provision():
    data = {
        "commencement": "2026-01-01",
        "term_months": 36,
        "standard": "ifrs16",
        "annual_rate": "0.05",
        "rate_convention": "effective",
        "day_count": "whole_months",
        "payments": [{"amount": "1000"}],
        "restoration_estimate": "10000",
        "restoration_rate": "0.06",
    }
    result = run(data)
    provision = result["restoration_provision"]
    assert provision["at_commencement"] == "8396.19"
    assert provision["months"][0]["unwinding"] == "40.87"
    assert provision["months"][-1]["closing"] == "10000"
    assert result["initial_measurement"]["components"]["restoration_cost"] == "8396.19"


def test_asc_842_and_bad_inputs_are_refused_with_reasons():
    issues = validate_terms(lease(standard=Standard.ASC_842, classification="operating"))
    assert any(i.field == "restoration_estimate" and "IFRS 16" in i.message for i in issues)
    issues = validate_terms(lease(restoration_rate=D("6")))
    assert [i.field for i in issues] == ["restoration_rate"]
