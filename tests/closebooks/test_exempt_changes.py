"""A short-term lease renewed beyond 12 months is recognised from the renewal (IFRS 16.7: a
modification makes a new lease; ASC 842-20-25-3, for a change in the lease term, asks instead
whether the term now ends more than 12 months after its previous end -- see
tests/leases/engine/test_exempt_changes.py): approved like any change, its recognition entry
posts in its month."""

from datetime import date
from decimal import Decimal

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import AccountingDefaults, Lease
from leases.selectors import leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting


def test_renewing_a_short_term_lease_beyond_12_months_recognises_it_in_the_close(personas):
    set_up_accounting(personas.company)
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(personas.company, code="ST-1", term_months=12, exemption="short_term")
    lease = leases_with_terms(Lease.objects.filter(code="ST-1")).get()
    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="term",
        effective=date(2026, 10, 1),
        details={"term_months": 24, "annual_rate": "0.06"},
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    periods_ensure(company=personas.company, through=date(2026, 10, 1))
    for month in range(1, 10):
        start = date(2026, month, 1)
        entries = period_close(
            period=AccountingPeriod.objects.get(company=personas.company, start=start),
            actor=personas.accountant.user,
        )
        assert not [e for e in entries if e.kind == "change"]
    october = period_close(
        period=AccountingPeriod.objects.get(company=personas.company, start=date(2026, 10, 1)),
        actor=personas.accountant.user,
    )
    [recognition] = [e for e in october if e.kind == "change"]
    amounts = {(line.debit, line.credit) for line in recognition.lines.all()}
    # 1,000 a month in advance; 14 later payments at 0.5 % a month: 13,488.71.
    assert (Decimal(0), Decimal("13488.71")) in amounts
    assert (Decimal("14488.71"), Decimal(0)) in amounts
    assert recognition.total_debit == recognition.total_credit
    [regular] = [e for e in october if e.kind == "periodic" and e.lease_code == "ST-1"]
    assert regular.total_debit == regular.total_credit
    assert not any(line.memo.startswith("Short-term") for line in regular.lines.all())


def test_the_page_of_an_exempt_lease_with_a_change_shows_its_months(client, personas):
    set_up_accounting(personas.company)
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(personas.company, code="ST-2", term_months=12, exemption="short_term")
    lease = leases_with_terms(Lease.objects.filter(code="ST-2")).get()
    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="term",
        effective=date(2026, 6, 1),
        details={"term_months": 10},
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    client.force_login(personas.accountant.user)
    page = client.get(f"/leases/{lease.pk}/")
    assert page.status_code == 200
    assert "CH1" in page.content.decode()
