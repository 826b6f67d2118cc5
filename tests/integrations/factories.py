"""A company set up like the simulator's reference data, with a verified NetSuite connection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from companies.models import Company
from integrations.models import NetSuiteConnection
from integrations.services.connection import connection_save
from leases.models import AccountingDefaults, GLAccount, Lease, LeasePayment, Segment, Subsidiary

# Account numbers and names as in the simulator's fixture (netsuite_sandbox/fixtures).
NETSUITE_CHART = [
    ("1410", "Right-of-use asset - operating", "rou_asset_account"),
    ("2310", "Lease liability - operating", "lease_liability_account"),
    ("6400", "Lease expense", "lease_expense_account"),
    ("7100", "Interest expense", "interest_expense_account"),
    ("6410", "ROU amortization expense", "rou_amortization_account"),
    ("2150", "Lease clearing", "cash_clearing_account"),
    ("1300", "Prepaid rent", "prepaid_rent_account"),
    ("1420", "ROU asset - finance", "finance_rou_asset_account"),
    ("2320", "Lease liability - finance", "finance_lease_liability_account"),
    ("1425", "Accumulated ROU amortization", "accumulated_amortization_account"),
]


def set_up_netsuite_accounting(company: Company) -> Subsidiary:
    """Chart, GL defaults and the US subsidiary, all known to the simulator."""
    accounts = {
        field: GLAccount.objects.create(company=company, number=number, name=name)
        for number, name, field in NETSUITE_CHART
    }
    operations = Segment.objects.create(company=company, kind="department", name="Operations")
    AccountingDefaults.objects.create(company=company, department=operations, **accounts)
    return Subsidiary.objects.create(company=company, name="Occupier Demo Inc.", currency="USD")


def add_lease(
    company: Company,
    code: str,
    *,
    department: str | None = None,
    amount: str = "1000.00",
    commencement: date = date(2026, 1, 1),
) -> Lease:
    """An active operating lease; a department name not in NetSuite makes its entry fail."""
    segment = None
    if department:
        segment, _ = Segment.objects.get_or_create(
            company=company, kind="department", name=department
        )
    lease = Lease.objects.create(
        company=company,
        code=code,
        name=f"Office {code}",
        subsidiary=Subsidiary.objects.get(company=company, name="Occupier Demo Inc."),
        currency="USD",
        commencement_date=commencement,
        term_months=36,
        standard="asc842",
        classification="operating",
        discount_rate=Decimal("6"),
        status="active",
        department=segment,
    )
    LeasePayment.objects.create(lease=lease, amount=Decimal(amount))
    return lease


def connect(company: Company, sandbox, actor=None, **overrides) -> NetSuiteConnection:
    """Save an enabled connection to the running simulator."""
    return connection_save(
        company=company,
        actor=actor,
        account_id=sandbox.account_id,
        secrets={
            "consumer_key": sandbox.consumer_key,
            "consumer_secret": sandbox.consumer_secret,
            "token_id": sandbox.token_id,
            "token_secret": sandbox.token_secret,
        },
        transport=overrides.pop("transport", "rest"),
        concurrency_limit=overrides.pop("concurrency_limit", 4),
        enabled=True,
        base_url=sandbox.base_url,
        **overrides,
    )


def close_first_period(company: Company, actor=None) -> AccountingPeriod:
    """Create the periods through Jan 2026 and close Jan 2026."""
    periods_ensure(company=company, through=date(2026, 1, 1))
    period = AccountingPeriod.objects.get(company=company, start=date(2026, 1, 1))
    period_close(period=period, actor=actor)
    period.refresh_from_db()
    return period
