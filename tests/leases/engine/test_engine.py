"""Unit tests: payment expansion, journal signs, validation messages and JSON io."""

from datetime import date
from decimal import Decimal as D

import pytest

from leases.engine import (
    AccountRole,
    Classification,
    Escalation,
    EscalationKind,
    Frequency,
    Incentive,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    RentStep,
    Standard,
    Timing,
    build_schedule,
    journal_lines_for_month,
    validate_terms,
)
from leases.engine.jsonio import run, terms_from_json
from leases.engine.payments import expand_flows


def operating(**overrides) -> LeaseTerms:
    """A 24-month ASC 842 operating lease, 1,000 a month in advance, 6 % nominal."""
    values = dict(
        commencement=date(2025, 1, 1),
        term_months=24,
        standard=Standard.ASC_842,
        classification=Classification.OPERATING,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D(1000)),),
    )
    values.update(overrides)
    return LeaseTerms(**values)


def test_escalation_rent_free_and_steps_shape_the_payment_stream():
    stream = PaymentStream(
        D(1000),
        escalations=(Escalation(EscalationKind.PERCENT, D("0.03"), 12),),
        rent_free_months=2,
    )
    flows = expand_flows(operating(payments=(stream,)))
    assert flows.advance[:3] == [0, 0, D("1000.00")]
    assert flows.advance[12] == D("1030.00")
    stepped = PaymentStream(D(1000), steps=(RentStep(date(2025, 7, 1), D(1500)),))
    flows = expand_flows(operating(payments=(stepped,)))
    assert flows.advance[5:7] == [D("1000.00"), D("1500.00")]
    indexed = PaymentStream(D(1000), index_factor=D("1.0312"))
    assert expand_flows(operating(payments=(indexed,))).advance[23] == D("1031.20")


def test_incentive_receivable_is_netted_into_the_payment_stream():
    terms = operating(incentives=(Incentive(D(3000), date(2025, 6, 20)),))
    assert expand_flows(terms).advance[5] == D(-2000)
    plain = build_schedule(operating()).measurement.liability
    assert build_schedule(terms).measurement.liability < plain


def test_operating_first_month_entry_has_commencement_and_straight_line_lines():
    terms = operating(initial_direct_costs=D(500), incentives=(Incentive(D(240)),))
    schedule = build_schedule(terms)
    lines = journal_lines_for_month(schedule, date(2025, 1, 1))
    by_memo = {line.memo: line for line in lines}
    rou = by_memo["Commencement: right-of-use asset"]
    liability = by_memo["Commencement: lease liability"]
    assert rou.debit == liability.credit + D(1000) + D(500) - D(240)
    assert by_memo["Commencement: incentives received"].debit == D(240)
    # Straight-line cost = (24,000 + 500 - 240) / 24 = 1,010.83 (rounded cumulatively).
    assert by_memo["Straight-line lease cost"].role is AccountRole.LEASE_EXPENSE
    assert by_memo["Straight-line lease cost"].debit == D("1010.83")
    assert not any(line.role is AccountRole.INTEREST_EXPENSE for line in lines)
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


def test_finance_lease_amortizes_over_useful_life_when_ownership_transfers():
    terms = operating(
        classification=Classification.FINANCE, useful_life_months=36, ownership_transfers=True
    )
    schedule = build_schedule(terms)
    assert len(schedule) == 36
    posted = schedule.posted_months()
    assert posted[23].closing_liability == 0
    assert posted[35].rou_closing == 0
    short = build_schedule(operating(classification=Classification.FINANCE, useful_life_months=12))
    assert short.posted_months()[11].rou_closing == 0


def test_jpy_has_no_decimals():
    schedule = build_schedule(operating(currency_decimals=0, payments=(PaymentStream(D(98765)),)))
    for lines in [journal_lines_for_month(schedule, date(2025, 5, 1))]:
        assert all(line.debit == line.debit.quantize(D(1)) for line in lines)


def test_validation_explains_inconsistent_terms_in_plain_words():
    terms = operating(
        term_months=0,
        annual_rate=D("-0.01"),
        classification=None,
        payments=(
            PaymentStream(
                D(0),
                escalations=(Escalation(EscalationKind.PERCENT, D("0.03")),),
                rent_free_months=5,
            ),
        ),
    )
    fields = {issue.field for issue in validate_terms(terms)}
    assert {"term_months", "annual_rate", "classification", "payments[0].escalations"} <= fields
    issues = validate_terms(
        operating(
            payments=(PaymentStream(D(1000), rent_free_months=24),),
            incentives=(Incentive(D(10), date(2030, 1, 1)),),
        )
    )
    messages = {i.field: i.message for i in issues}
    assert "shorter than the lease term" in messages["payments[0].rent_free_months"]
    assert "within the lease term" in messages["incentives[0].receivable_on"]
    with pytest.raises(LeaseTermsError):
        build_schedule(operating(term_months=0))


def test_json_round_trip_and_field_errors():
    data = {
        "commencement": "2025-01-01",
        "term_months": 12,
        "standard": "ifrs16",
        "annual_rate": "9.04088%",
        "rate_convention": "effective",
        "payments": [{"amount": "1000", "frequency": "quarterly", "timing": "arrears"}],
        "initial_direct_costs": "100.00",
        "restoration_cost": "50",
    }
    terms = terms_from_json(data)
    assert terms.annual_rate == D("0.0904088")
    assert terms.payments[0].frequency is Frequency.QUARTERLY
    assert terms.payments[0].timing is Timing.ARREARS
    result = run(data)
    assert result["schedule"][-1]["closing_liability"] == "0.00"
    assert result["journal"][0]["period"] == "2025-01-01"
    bad = run({**data, "annual_rate": 0.05, "term_months": "x", "standard": "gaap"})
    fields = {e["field"] for e in bad["errors"]}
    assert fields == {"annual_rate", "term_months", "standard"}
