"""An IFRS 16 index review keeps, when approved, the original schedule's balances before it
(`fast_changes.review_figures`), and a close reads them instead of measuring that schedule again:
every figure of the month is the one the measured schedule gives (IFRS 16.42-43: the liability
is remeasured at the unchanged rate from the carrying amounts at the review; the reference
`ChangedSchedule` is the yardstick). Figures missing (older rows) or computed for other terms
leave the close to measure the schedule."""

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closebooks import postings
from closebooks.changes import close_postings
from closebooks.models import AccountingPeriod
from closebooks.postings import close_postings_flat
from closebooks.services import period_close, periods_ensure
from leases.change_services import lease_change_create, lease_changes_approve_many
from leases.engine import (
    ChangeKind,
    Classification,
    LeaseChange,
    LeaseTerms,
    LeaseTermsError,
    PaymentStream,
    Standard,
)
from leases.engine.fast import month_schedule
from leases.engine.fast_changes import (
    month_index_review,
    month_index_review_stored,
    review_figures,
)
from leases.models import Lease, LeasePayment
from leases.models import LeaseChange as StoredChange
from leases.selectors import leases_with_terms
from tests.leases.engine.test_properties import PROPERTY, leases
from tests.leases.factories import make_lease

from .conftest import FEB, JAN, MAR
from .test_close_fast import _change
from .test_close_fast_changes import _closing, _in_cents, _month, level_streams

APR, MAY = date(2026, 4, 1), date(2026, 5, 1)


@PROPERTY
@given(
    leases().map(_in_cents),
    level_streams,
    st.integers(min_value=1, max_value=119),
    st.integers(min_value=0, max_value=14),
)
def test_stored_balances_give_each_month_the_measured_schedule_gives(terms, streams, review, later):
    terms = dataclasses.replace(terms, standard=Standard.IFRS_16, classification=None)
    review = min(review, terms.term_months - 1)
    if review < 1:
        return
    change = LeaseChange(ChangeKind.INDEX, _month(review), payments=streams, reference="CH1")
    k = review + later
    period = _month(k)
    try:
        at_approval = month_schedule(terms, _month(review))
        measured = month_index_review(month_schedule(terms, period), (change,), period)
    except LeaseTermsError:
        return  # random terms the engine refuses
    figures = review_figures(at_approval, change)
    stored = month_index_review_stored(terms, (change,), period, figures)
    if measured is None:
        assert stored is None
        return
    assert figures is not None and stored is not None
    assert len(stored) == len(measured)
    assert stored.journal_lines_for_month(period) == measured.journal_lines_for_month(period)
    assert stored.event_lines(k) == measured.event_lines(k)
    assert stored.entry_only().event_lines(k) == measured.event_lines(k)
    assert _closing(stored, k) == _closing(measured, k)
    # The month before, which the current-portion split reads too.
    assert str(stored.closing_liability_at(k - 1)) == str(measured.closing_liability_at(k - 1))
    # Other terms (one cent more rent): the figures are not theirs.
    other = dataclasses.replace(
        terms,
        payments=(
            dataclasses.replace(terms.payments[0], amount=terms.payments[0].amount + D("0.01")),
            *terms.payments[1:],
        ),
    )
    assert month_index_review_stored(other, (change,), period, figures) is None
    assert month_index_review_stored(terms, (change,), period, {}) is None


def test_only_an_ifrs_16_index_review_keeps_figures():
    terms = LeaseTerms(
        commencement=JAN,
        term_months=36,
        standard=Standard.IFRS_16,
        annual_rate=D("0.06"),
        payments=(PaymentStream(D("1000")),),
    )
    review = LeaseChange(ChangeKind.INDEX, APR, payments=(PaymentStream(D("1032")),))
    assert review_figures(month_schedule(terms, APR), review)["month"] == 3
    asc842 = dataclasses.replace(
        terms, standard=Standard.ASC_842, classification=Classification.OPERATING
    )
    assert review_figures(month_schedule(asc842, APR), review) is None
    other = LeaseChange(ChangeKind.CONSIDERATION, APR, payments=(PaymentStream(D("1032")),))
    assert review_figures(month_schedule(terms, APR), other) is None


@pytest.fixture
def stored_taken(monkeypatch):
    """How many months the close computed from stored figures."""
    taken = []

    def counting(terms, changes, period, figures):
        found = month_index_review_stored(terms, changes, period, figures)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(postings, "month_index_review_stored", counting)
    return taken


def test_closes_from_stored_figures_equal_the_reference_and_the_measured_path(books, stored_taken):
    company = books.company
    make_lease(company, code="I-1", standard="ifrs16", classification="", amount="880.40")
    quarterly = make_lease(
        company, code="Q-1", standard="ifrs16", classification="", term_months=48
    )
    LeasePayment.objects.filter(lease=quarterly).update(
        amount=D("3100.55"), frequency=3, timing="arrears"
    )
    make_lease(
        company,
        code="R-1",
        standard="ifrs16",
        classification="",
        amount="1750.00",
        commencement=date(2025, 10, 1),
        restoration_cost=D("4000.00"),
        restoration_estimate=D("5200.00"),
        restoration_rate=D("4.5"),
    )
    make_lease(company, code="O-1", standard="ifrs16", classification="", amount="500.00")
    # One at a time (the change page) and many at once (the pending page's Approve all).
    _change(books, "I-1", "index", FEB, {"payments": [{"amount": "908.57"}]})
    _change(books, "L-1", "index", FEB, {"payments": [{"amount": "1032.00"}]})  # ASC 842
    for code, effective, details in (
        ("R-1", MAR, {"payments": [{"amount": "1806.00"}]}),
        (
            "Q-1",
            APR,
            {"payments": [{"amount": "3199.77", "frequency": "quarterly", "timing": "arrears"}]},
        ),
        ("O-1", FEB, {"payments": [{"amount": "515.00"}]}),
    ):
        lease = leases_with_terms(Lease.objects.filter(company=company, code=code)).get()
        lease_change_create(
            lease=lease,
            actor=books.accountant.user,
            kind="index",
            effective=effective,
            details=details,
            reason="CPI",
        )
    assert lease_changes_approve_many(company=company, actor=books.reviewer.user) == 3
    kept = dict(StoredChange.objects.values_list("lease__code", "figures"))
    assert set(kept["I-1"]) == {"terms", "month", "liability_before", "rou_before"}
    assert all(kept[code] for code in ("I-1", "R-1", "Q-1", "O-1"))
    assert kept["L-1"] == {}  # ASC 842: not remeasured, nothing to keep
    # O-1's figures were written before the company's rows moved under it (an older row, or
    # other terms): the close measures it as before.
    StoredChange.objects.filter(lease__code="O-1").update(figures={})
    periods_ensure(company=company, through=MAY)
    for period in AccountingPeriod.objects.filter(company=company, start__lt=JAN).order_by("start"):
        period_close(period=period, actor=books.accountant.user)
    for month in (JAN, FEB, MAR, APR, MAY):
        flat = close_postings_flat(company, month)
        assert flat == close_postings(company, month)
        # The same close with no figures kept (as before they were stored).
        figures = dict(StoredChange.objects.values_list("pk", "figures"))
        StoredChange.objects.update(figures={})
        assert close_postings_flat(company, month) == flat
        for pk, kept_figures in figures.items():
            StoredChange.objects.filter(pk=pk).update(figures=kept_figures)
        period = AccountingPeriod.objects.get(company=company, start=month)
        period_close(period=period, actor=books.accountant.user)
    # Each month twice (the comparison, then the close): I-1 from February, R-1 from March,
    # Q-1 from April; O-1 (no figures) and the ASC 842 lease never.
    assert stored_taken == [True] * (1 * 2 + 2 * 2 + 3 * 2 * 2)
    assert (
        StoredChange.objects.filter(booking_period__isnull=False).count()
        == StoredChange.objects.count()
    )


def test_figures_for_other_terms_are_not_used(books, stored_taken):
    company = books.company
    make_lease(company, code="I-1", standard="ifrs16", classification="", amount="880.40")
    _change(books, "I-1", "index", FEB, {"payments": [{"amount": "908.57"}]})
    change = StoredChange.objects.get(lease__code="I-1")
    # The lease's rows changed under the figures (no service allows it; a repair by hand would).
    LeasePayment.objects.filter(lease__code="I-1").update(amount=D("881.40"))
    periods_ensure(company=company, through=FEB)
    for period in AccountingPeriod.objects.filter(company=company, start__lt=FEB).order_by("start"):
        period_close(period=period, actor=books.accountant.user)
    assert close_postings_flat(company, FEB) == close_postings(company, FEB)
    assert stored_taken == [False]
    assert change.figures
