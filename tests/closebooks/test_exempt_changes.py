"""A short-term ASC 842 lease renewed to end more than 12 months after its previous end is
recognised from the renewal (ASC 842-20-25-3, quoted in Deloitte's Roadmap: Leases, section
8.2.1, and PwC's Leases guide, section 5.4: it stops being short-term only when "the remaining
lease term extends more than 12 months from the end of the previously determined lease term";
see tests/leases/engine/test_exempt_changes.py): approved like any change, its recognition entry
posts in its month. A renewal of exactly 12 more months stays exempt."""

from datetime import date
from decimal import Decimal

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from leases.change_services import lease_change_approve, lease_change_create
from leases.models import AccountingDefaults, Lease
from leases.selectors import accounting_defaults, leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting


def test_renewing_a_short_term_lease_13_months_beyond_its_end_recognises_it_in_the_close(
    personas,
):
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
        # 31 January 2028: 13 months after the previous end, 31 December 2026.
        details={"term_months": 25, "annual_rate": "0.06"},
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
    # 1,000 a month in advance; 15 later payments at 0.5 % a month: 14,416.62.
    assert (Decimal(0), Decimal("14416.62")) in amounts
    assert (Decimal("15416.62"), Decimal(0)) in amounts
    assert recognition.total_debit == recognition.total_credit
    [regular] = [e for e in october if e.kind == "periodic" and e.lease_code == "ST-1"]
    assert regular.total_debit == regular.total_credit
    assert not any(line.memo.startswith("Short-term") for line in regular.lines.all())


def test_renewing_a_short_term_lease_12_months_beyond_its_end_keeps_it_exempt(personas):
    set_up_accounting(personas.company)
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(personas.company, code="ST-3", term_months=12, exemption="short_term")
    lease = leases_with_terms(Lease.objects.filter(code="ST-3")).get()
    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="term",
        effective=date(2026, 10, 1),
        # 31 December 2027: exactly 12 months after the previous end, no rate needed.
        details={"term_months": 24},
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    periods_ensure(company=personas.company, through=date(2026, 10, 1))
    for month in range(1, 11):
        entries = period_close(
            period=AccountingPeriod.objects.get(
                company=personas.company, start=date(2026, month, 1)
            ),
            actor=personas.accountant.user,
        )
        assert not [e for e in entries if e.kind == "change"]
    [regular] = [e for e in entries if e.kind == "periodic" and e.lease_code == "ST-3"]
    assert regular.total_debit == regular.total_credit
    assert any(line.memo.startswith("Short-term") for line in regular.lines.all())


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


def test_an_exempt_lease_on_real_dates_ended_mid_month_closes_to_zero(personas):
    """10 March to 30 June 2026 at 1,500 due on the 1st (actual days), ended on 10 May for 200:
    the engine's hand check (tests/leases/engine/test_exempt_days.py) through approval and the
    close: the May entry posts the days before the change, the change entry releases the
    1,064.52 prepaid, and the deferred rent account is back at zero."""
    company = personas.company
    set_up_accounting(company)
    company.day_count = "actual_days"
    company.save(update_fields=["day_count"])
    AccountingDefaults.objects.filter(company=company).update(
        short_term_asset_types=["real_estate"]
    )
    make_lease(
        company,
        code="ST-4",
        commencement=date(2026, 3, 10),
        term_months=4,
        end_date=date(2026, 6, 30),
        payment_day=1,
        amount="1500.00",
        exemption="short_term",
    )
    lease = leases_with_terms(Lease.objects.filter(code="ST-4")).get()
    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="termination",
        effective=date(2026, 5, 10),
        details={"amount": "200.00"},
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    periods_ensure(company=company, through=date(2026, 6, 1))
    posted = []
    for month in (3, 4, 5, 6):
        posted += period_close(
            period=AccountingPeriod.objects.get(company=company, start=date(2026, month, 1)),
            actor=personas.accountant.user,
        )
    mine = [e for e in posted if e.lease_code == "ST-4"]
    assert all(e.total_debit == e.total_credit for e in mine)
    [ended] = [e for e in mine if e.kind == "change"]
    assert ended.total_debit == Decimal("1264.52")
    deferred = accounting_defaults(company).deferred_rent_account.number
    balance = sum(
        (line.debit - line.credit for e in mine for line in e.lines.all()
         if line.account_number == deferred),
        Decimal(0),
    )  # fmt: skip
    assert balance == 0
    # Nothing posts after the termination month.
    assert not [e for e in mine if e.period.start == date(2026, 6, 1)]
