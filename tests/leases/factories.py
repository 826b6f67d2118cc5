"""Leases ready to post: a company with a chart of accounts, GL defaults and segments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from companies.models import Company
from leases.models import AccountingDefaults, GLAccount, Lease, LeasePayment, Segment, Subsidiary

CHART = [
    ("1410", "Right-of-use asset", "rou_asset_account"),
    ("2310", "Lease liability", "lease_liability_account"),
    ("6400", "Lease expense", "lease_expense_account"),
    ("7100", "Interest expense", "interest_expense_account"),
    ("6410", "ROU amortization expense", "rou_amortization_account"),
    ("2150", "Lease clearing", "cash_clearing_account"),
    ("1300", "Prepaid rent", "prepaid_rent_account"),
    ("2400", "Restoration provision", "provision_account"),
    ("1420", "ROU asset - finance", "finance_rou_asset_account"),
    ("2320", "Lease liability - finance", "finance_lease_liability_account"),
    ("1425", "Accumulated ROU amortization", "accumulated_amortization_account"),
    ("2160", "Deferred rent", "deferred_rent_account"),
    ("3900", "Retained earnings - lease transition", "transition_equity_account"),
    ("6420", "Variable lease expense", "variable_expense_account"),
    ("6430", "Short-term lease expense", "short_term_expense_account"),
    ("7200", "Gain or loss on lease changes", "modification_gain_loss_account"),
    ("6440", "ROU impairment loss", "impairment_loss_account"),
    ("1510", "Property and equipment", "owned_asset_account"),
]


def set_up_accounting(company: Company, *, subsidiary: str = "Acme US") -> Subsidiary:
    """Chart of accounts, a department and complete GL defaults for a company."""
    accounts = {
        field: GLAccount.objects.create(company=company, number=number, name=name)
        for number, name, field in CHART
    }
    department = Segment.objects.create(company=company, kind="department", name="Operations")
    AccountingDefaults.objects.create(company=company, department=department, **accounts)
    return Subsidiary.objects.create(company=company, name=subsidiary, currency="USD")


def make_lease(
    company: Company,
    *,
    code: str = "L-1",
    subsidiary: Subsidiary | None = None,
    commencement: date = date(2026, 1, 1),
    term_months: int = 36,
    amount: str = "1000.00",
    classification: str = "operating",
    status: str = "active",
    **fields,
) -> Lease:
    """An active ASC 842 lease with one monthly payment stream in advance."""
    subsidiary = subsidiary or Subsidiary.objects.filter(company=company).first()
    lease = Lease.objects.create(
        company=company,
        code=code,
        name=fields.pop("name", f"Lease {code}"),
        subsidiary=subsidiary,
        currency=subsidiary.currency,
        commencement_date=commencement,
        term_months=term_months,
        standard=fields.pop("standard", "asc842"),
        classification=classification,
        discount_rate=fields.pop("discount_rate", Decimal("6")),
        status=status,
        **fields,
    )
    LeasePayment.objects.create(lease=lease, amount=Decimal(amount))
    return lease
