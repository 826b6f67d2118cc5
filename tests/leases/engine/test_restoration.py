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


def _provision_balance(lines) -> D:
    return sum((x.credit - x.debit for x in lines if x.role is AccountRole.PROVISION), D(0))


def test_a_termination_settles_the_provision_at_the_cost_paid_and_the_unwinding_stops():
    """Terminated on 1 January 2027 with 9,500.00 paid to restore the site: the provision's
    carrying amount is then 8,899.96 (10,000 / 1.06^2); it comes off against the 9,500.00 paid,
    a loss of 600.04, and nothing unwinds after."""
    terms = lease()
    change = LeaseChange(
        ChangeKind.TERMINATION, date(2027, 1, 1), amount=D("0"), restoration_paid=D("9500.00")
    )
    schedule = build_changed_schedule(terms, [change])
    [event] = schedule.events
    settled = [x for x in event.lines if "restoration" in x.memo.lower()]
    assert [(x.role, x.debit, x.credit) for x in settled] == [
        (AccountRole.PROVISION, D("8899.96"), D(0)),
        (AccountRole.CASH_CLEARING, D(0), D("9500.00")),
        (AccountRole.MODIFICATION_GAIN_LOSS, D("600.04"), D(0)),
    ]
    assert sum(x.debit for x in event.lines) == sum(x.credit for x in event.lines)
    every = [line for lines in schedule.journal_lines().values() for line in lines]
    assert _provision_balance(every) == 0  # in at commencement, unwound, settled: nothing left
    assert not [x for x in every if x.role is AccountRole.PROVISION_UNWINDING and x.debit == 0]
    assert all(
        x.role is not AccountRole.PROVISION_UNWINDING
        for k in range(12, 36)
        for x in schedule.month_lines(k)
    )


def test_a_termination_inside_a_month_unwinds_the_days_before_it():
    """Actual days, terminated on 16 January 2027 (15 of 31 days): January 2027's unwinding
    (10,000 / 1.06^(23/12) = 8,943.29 less 8,899.96 = 43.33) is posted for 15/31 of the month,
    20.97, and the provision comes off at 8,920.93; without a cost given it is settled at that
    amount, with no gain or loss."""
    from leases.engine import DayCount

    terms = lease(day_count=DayCount.ACTUAL_DAYS)
    change = LeaseChange(ChangeKind.TERMINATION, date(2027, 1, 16), amount=D("0"))
    schedule = build_changed_schedule(terms, [change])
    unwinding = [x for x in schedule.month_lines(12) if x.role is AccountRole.PROVISION_UNWINDING]
    assert [x.debit for x in unwinding] == [D("20.97")]
    [event] = schedule.events
    assert [
        (x.role, x.debit, x.credit) for x in event.lines if "restoration" in x.memo.lower()
    ] == [
        (AccountRole.PROVISION, D("8920.93"), D(0)),
        (AccountRole.CASH_CLEARING, D(0), D("8920.93")),
    ]
    assert not [x for x in event.lines if x.memo.startswith("Gain or loss on settling")]
    every = [line for lines in schedule.journal_lines().values() for line in lines]
    assert _provision_balance(every) == 0


def _brought_in(terms, g: int, **extra):
    from leases.engine.transition import (
        GoLive,
        OpeningBalances,
        TransitionMethod,
        build_golive_schedule,
    )

    original = build_schedule(terms)
    before = original.posted_months()[g - 1]
    provision = provision_months(terms)[g - 1].closing
    go_live = GoLive(
        original.period(g),
        TransitionMethod.OPENING_BALANCES,
        opening=OpeningBalances(
            before.closing_liability,
            before.rou_closing,
            original.posted().rou - before.rou_closing,
        ),
        restoration_provision=provision,
        **extra,
    )
    return original, build_golive_schedule(terms, go_live)


def test_the_provision_is_brought_in_at_go_live_and_unwinds_as_from_commencement():
    """Brought in on 1 January 2027 with its carrying amount then, 8,899.96 (10,000 / 1.06^2):
    the go-live entry credits the provision against transition equity, and every month after
    unwinds exactly as for the lease from commencement, to 10,000.00 at the end."""
    terms = lease()
    original, golive = _brought_in(terms, 12)
    assert golive.balances.restoration_provision == D("8899.96")
    entry = golive.golive_lines()
    assert sum(x.debit for x in entry) == sum(x.credit for x in entry)
    assert [x.credit for x in entry if x.role is AccountRole.PROVISION] == [D("8899.96")]
    for k in range(len(golive)):
        ours = [x for x in golive.periodic_lines(k) if x.role is AccountRole.PROVISION_UNWINDING]
        theirs = [
            x
            for x in journal_lines(original)[original.period(12 + k)]
            if x.role is AccountRole.PROVISION_UNWINDING
        ]
        assert ours == theirs
    assert golive.provision_month(len(golive) - 1).closing == D("10000")


def test_a_go_live_lease_terminated_settles_the_provision_brought_in():
    """Brought in on 1 January 2027, terminated on 1 July 2027 with 9,800.00 paid to restore:
    the provision is settled at its carrying amount then, 10,000 / 1.06^1.5 = 9,163.07, a loss of
    636.93, and nothing unwinds after."""
    from leases.engine.transition import build_golive_changed_schedule

    _, golive = _brought_in(lease(), 12)
    change = LeaseChange(
        ChangeKind.TERMINATION, date(2027, 7, 1), amount=D("0"), restoration_paid=D("9800.00")
    )
    schedule = build_golive_changed_schedule(golive, [change])
    [event] = schedule.events
    settled = [x for x in event.lines if "restoration" in x.memo.lower()]
    assert [(x.role, x.debit, x.credit) for x in settled] == [
        (AccountRole.PROVISION, D("9163.07"), D(0)),
        (AccountRole.CASH_CLEARING, D(0), D("9800.00")),
        (AccountRole.MODIFICATION_GAIN_LOSS, D("636.93"), D(0)),
    ]
    every = golive.golive_lines() + [
        line for k in range(event.index + 1) for line in schedule.month_lines(k)
    ]
    assert _provision_balance(every) == 0
    assert sum(x.debit for x in every) == sum(x.credit for x in every)


def test_lease_schedule_json_brings_the_provision_in_and_settles_it_on_termination():
    from leases.engine.transition_json import run as run_with_go_live

    data = {
        "commencement": "2026-01-01",
        "term_months": 36,
        "standard": "ifrs16",
        "annual_rate": "0.05",
        "rate_convention": "effective",
        "payments": [{"amount": "1000"}],
        "restoration_estimate": "10000",
        "restoration_rate": "0.06",
    }
    ended = run_with_go_live(
        dict(
            data,
            changes=[
                {
                    "kind": "termination",
                    "effective": "2027-01-01",
                    "amount": "0",
                    "restoration_paid": "9500.00",
                }
            ],
        )
    )
    assert "errors" not in ended, ended
    lines = ended["changes"][0]["journal"]
    settled = [x for x in lines if x["role"] == "provision"]
    assert [(x["debit"], x["memo"].split(" ·")[0]) for x in settled] == [
        ("8899.96", "Restoration provision settled")
    ]
    wrong = run_with_go_live(
        dict(
            data,
            changes=[
                {
                    "kind": "impairment",
                    "effective": "2027-01-01",
                    "amount": "10",
                    "restoration_paid": "1",
                }
            ],
        )
    )
    assert wrong["errors"][0]["field"] == "changes[0].restoration_paid"
    schedule = run(data)["schedule"]
    brought = run_with_go_live(
        dict(
            data,
            go_live={
                "date": "2027-01-01",
                "method": "opening_balances",
                "opening_balances": {
                    "liability": schedule[11]["closing_liability"],
                    "rou_asset": schedule[11]["rou_closing"],
                },
                "restoration_provision": "8899.96",
            },
        )
    )
    assert "errors" not in brought, brought
    assert brought["go_live"]["balances"]["restoration_provision"] == "8899.96"
    assert brought["restoration_provision"]["months"][-1]["closing"] == "10000"


def test_a_stored_termination_keeps_the_restoration_cost_paid():
    """A termination saved by the product is read back with its restoration cost paid, by the
    checking reader and by the close's non-checking reader alike (blank: the carrying amount)."""
    from leases.engine.jsonio import change_from_json, stored_change

    item = {"kind": "termination", "effective": "2027-01-01", "amount": "0"}
    paid = dict(item, restoration_paid="9500.00")
    assert change_from_json(paid).restoration_paid == D("9500.00")
    assert stored_change(paid) == change_from_json(paid)
    assert change_from_json(item).restoration_paid is None
    assert stored_change(item) == change_from_json(item)
