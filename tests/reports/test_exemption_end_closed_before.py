"""A company that closed March with the old figures of an exemption ended on 15 March.

Before the engine took a change inside a month on its date (docs/engine.md), a renewal on
15 March of a short-term lease from the 1st was recognised from 1 March: liability 19,887.98
measured on 1 March, a full month of interest (99.44) and amortization (949.45), the 1 March
rent as the payment at commencement. Those are the figures of the same change dated 1 March,
which is how this test freezes them: March closed with the change on the 1st, then the change
read on its date, 15 March, as the engine reads it now, and April closed.

Closed periods never change (docs/closebooks.md). A catch-up entry is posted only for a change
*booked* in the period being closed and dated in a closed month; this change was booked in
March, so April posts its regular entry from the re-computed schedule and nothing for March's
difference. The liability agrees (both measurements reach 19,987.42 on 1 April: the present
value of the same 21 payments), the ROU asset does not: the re-computed schedule carries
21.39 more than the frozen entries (20,481.15 - 521.23 against 20,887.98 - 949.45), which the
roll-forward's reconciliation shows as a difference, and which would stay on the ROU account
after the lease ends. This test holds that behaviour until the close posts such a difference as
a catch-up (see docs/reports.md, "Exemption ended inside a month").
"""

from datetime import date
from decimal import Decimal as D

from django.db.models import F

from closebooks.models import AccountingPeriod, JournalEntry, JournalLine
from closebooks.services import period_reopen
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import AccountingDefaults, Lease, LeaseChange
from leases.selectors import leases_with_terms
from reports.periods import Range
from reports.selectors import rollforward
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import close_through

MAR, APR = date(2026, 3, 1), date(2026, 4, 1)


def _net(company, number, period) -> D:
    lines = JournalLine.objects.filter(
        entry__company=company,
        entry__period__start__lte=period,
        entry__close_version=F("entry__period__close_version"),
        account_number=number,
    )
    return sum((x.debit - x.credit for x in lines), D(0))


def test_march_closed_with_the_old_figures_gives_no_catch_up_but_a_rou_difference(personas):
    company = personas.company
    set_up_accounting(company)
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    AccountingDefaults.objects.filter(company=company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(
        company,
        code="ST",
        term_months=12,
        exemption="short_term",
        standard="ifrs16",
        classification="",
    )
    change = lease_change_create(
        lease=leases_with_terms(Lease.objects.filter(code="ST")).get(),
        actor=personas.accountant.user,
        kind="term",
        effective=MAR,
        details={"term_months": 24, "annual_rate": "0.06"},
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    close_through(company, MAR, personas.accountant.user)
    frozen = {
        (x.account_number, x.debit, x.credit)
        for x in JournalLine.objects.filter(entry__company=company, entry__period__start=MAR)
    }
    # The old figures: recognised on 1 March.
    assert {("2310", D(0), D("19887.98")), ("7100", D("99.44"), D(0))} <= frozen
    assert ("1425", D(0), D("949.45")) in frozen
    # The engine now reads the change on its date.
    LeaseChange.objects.filter(pk=change.pk).update(effective_date=date(2026, 3, 15))
    close_through(company, APR, personas.accountant.user)

    # March is untouched; April has its regular entry and no catch-up.
    assert {
        (x.account_number, x.debit, x.credit)
        for x in JournalLine.objects.filter(entry__company=company, entry__period__start=MAR)
    } == frozen
    kinds = JournalEntry.objects.filter(company=company, period__start=APR).values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["periodic"]

    report = rollforward(company, Range(APR, APR), group_by="lease")
    [row] = report.rows
    # The report opens April with the re-computed schedule's March balances.
    assert row.opening_liability == D("19987.42") == -_net(company, "2310", MAR)
    old_rou = D("20887.98") - D("949.45")
    new_rou = D("20481.15") - D("521.23")
    assert row.opening_rou == new_rou
    assert _net(company, "1410", MAR) + _net(company, "1425", MAR) == old_rou
    differences = {r.balance: r.difference for r in report.differences}
    assert differences == {"rou": new_rou - old_rou} == {"rou": D("21.39")}

    # The way out today: reopen April and March and close them again. March's entries are
    # posted again from the re-computed schedule (version 2) and the books reconcile.
    admin = personas.settings_admin.user
    for start in (APR, MAR):
        period = AccountingPeriod.objects.get(company=company, start=start)
        period_reopen(period=period, actor=admin, reason="Exemption ended on 15 March")
    close_through(company, APR, personas.accountant.user)
    march = JournalLine.objects.filter(
        entry__company=company,
        entry__period__start=MAR,
        entry__close_version=F("entry__period__close_version"),
    )
    current = {(x.account_number, x.debit, x.credit) for x in march}
    assert {("2310", D(0), D("19932.76")), ("1410", D("20481.15"), D(0))} <= current
    assert ("6430", D("451.61"), D(0)) in current
    report = rollforward(company, Range(MAR, APR), group_by="lease")
    assert report.reconciles, report.differences
