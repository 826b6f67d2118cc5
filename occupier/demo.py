"""Demo data: a company connected to the NetSuite simulator, with closed periods ready to sync
(Jul 2026 already sent).

One period (Oct 2026) fails on a department NetSuite does not know, so a newcomer can see a
failure, fix the mapping and press Retry. The company goes live in Jul 2026 with four leases it
already had (ASC 840 with deferred rent, short-term, variable CAM, a finance lease from a previous
system); the Jul 2026 close posts their go-live entry.

Everything is entered through the services, as people would (Alice sets the company up, Amy
enters, brings in and activates the leases and closes), so the audit log tells that story.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import requests
from django.conf import settings
from django.db import transaction

from closebooks.models import AccountingPeriod
from closebooks.services import company_go_live_set, period_close, periods_ensure
from companies.models import Company, Membership, User
from companies.services import company_create, membership_add
from integrations.models import NetSuiteConnection
from integrations.netsuite.credentials import NetSuiteCredentials
from integrations.services.connection import (
    connection_credentials,
    connection_save,
    connection_verify,
)
from integrations.services.sync import SyncNotPossible, period_sync_start, sync_run_process
from leases.engine import build_schedule
from leases.engine.dates import months_between
from leases.engine.transition import asc840_deferred_rent
from leases.models import GLAccount, Lease, Subsidiary
from leases.opening_balance_services import lease_opening_balances_set
from leases.selectors import lease_terms
from leases.services import (
    PaymentInput,
    accounting_defaults_update,
    chart_of_accounts_import,
    lease_activate,
    lease_create,
    segment_create,
    subsidiary_create,
    variable_payment_save,
)

DEMO_COMPANY = "Occupier Demo Inc."
SANDBOX_ACCOUNT = "1234567_SB1"

PERSONAS = [
    # username, full name, flags, what they are for
    (
        "alice",
        "Alice Admin",
        {"is_company_admin": True, "can_manage_integration_settings": True},
        "settings admin: enters NetSuite credentials, manages teams",
    ),
    (
        "amy",
        "Amy Accountant",
        {"can_access_lease_accounting": True},
        "accountant: keeps leases, closes periods",
    ),
    (
        "olivia",
        "Olivia Operator",
        {"can_access_integrations": True},
        "integrations operator: presses Sync and Retry",
    ),
    (
        "rita",
        "Rita Reviewer",
        {"can_access_lease_accounting": True, "can_access_integrations": True},
        "reviewer: reads errors, fixes mappings, retries",
    ),
    (
        "molly",
        "Molly Member",
        {"can_view_lease_accounting": True},
        "outside auditor: reads leases, schedules and reports, changes nothing",
    ),
]

# Numbers and names as in the simulator's NetSuite chart of accounts.
CHART = [
    ("1000", "Cash", "Bank"), ("1300", "Prepaid rent", "Other Current Asset"),
    ("1410", "Right-of-use asset - operating", "Other Asset"),
    ("1420", "ROU asset - finance", "Other Asset"),
    ("1425", "Accumulated ROU amortization", "Other Asset"),
    ("2150", "Lease clearing", "Other Current Liability"),
    ("2310", "Lease liability - operating", "Long Term Liability"),
    ("2320", "Lease liability - finance", "Long Term Liability"),
    ("6400", "Lease expense", "Expense"), ("6410", "ROU amortization expense", "Expense"),
    ("7100", "Interest expense", "Other Expense"),
    ("2160", "Deferred rent", "Other Current Liability"),
    ("3900", "Retained earnings - lease transition", "Equity"),
    ("6420", "Variable lease expense", "Expense"), ("6430", "Short-term lease expense", "Expense"),
]  # fmt: skip
DEFAULTS = {
    "rou_asset_account": "1410", "lease_liability_account": "2310",
    "lease_expense_account": "6400", "interest_expense_account": "7100",
    "rou_amortization_account": "6410", "cash_clearing_account": "2150",
    "prepaid_rent_account": "1300", "finance_rou_asset_account": "1420",
    "finance_lease_liability_account": "2320", "accumulated_amortization_account": "1425",
    "deferred_rent_account": "2160", "transition_equity_account": "3900",
    "variable_expense_account": "6420", "short_term_expense_account": "6430",
}  # fmt: skip
SEGMENTS = [
    ("department", "Operations"), ("department", "Facilities"), ("department", "UK Property"),
    # Not a NetSuite department: the Oct 2026 sync fails on it until it is mapped to "Facilities".
    ("department", "Facilities Management"),
    ("class", "Real Estate"), ("class", "Equipment"),
    ("location", "New York HQ"), ("location", "Chicago Office"), ("location", "London Office"),
]  # fmt: skip
LEASES = [
    # code, name, subsidiary, asset type, commencement, months, amount, class., extra
    ("NYC-HQ", "New York headquarters", "US", "real_estate", date(2026, 7, 1), 60, "42500.00",
     "operating", {"location": "New York HQ", "escalation": ("percent", "3")}),
    ("CHI-01", "Chicago office", "US", "real_estate", date(2026, 7, 1), 36, "12800.00",
     "operating", {"location": "Chicago Office"}),
    ("FLEET-7", "Delivery vans (7)", "US", "vehicle", date(2026, 8, 1), 48, "3150.00",
     "finance", {"lease_class": "Equipment", "useful_life": 60}),
    ("LDN-01", "London office", "UK", "real_estate", date(2026, 7, 1), 120, "18000.00",
     "operating", {"location": "London Office", "department": "UK Property", "quarterly": True}),
    ("CHI-FAC", "Chicago facilities depot", "US", "real_estate", date(2026, 10, 1), 24,
     "6400.00", "operating", {"location": "Chicago Office",
                              "department": "Facilities Management"}),
]  # fmt: skip
CLOSE_THROUGH = date(2026, 10, 1)
# Sent to NetSuite while loading (its tie-out agrees once the worker runs it); the walkthrough
# syncs Aug 2026 and watches Oct 2026 fail.
SENT_AT_LOAD = date(2026, 7, 1)
# The company goes live in Jul 2026 with four leases it already had; Jul 2026's close posts the
# go-live entry (their opening balances) beside the month's entries.
GO_LIVE = date(2026, 7, 1)
CAM = {date(2026, 7, 1): "1840.00", date(2026, 8, 1): "1840.00", date(2026, 9, 1): "1840.00",
       date(2026, 10, 1): "2215.40"}  # fmt: skip


@dataclass
class DemoResult:
    company: Company
    passwords: dict[str, str]
    connection_message: str


def _passwords() -> dict[str, str]:
    """Demo passwords, generated once and kept in an untracked file so re-runs print the same."""
    path = Path(settings.VAR_DIR) / "demo-passwords.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    for username, *_ in PERSONAS:
        stored.setdefault(username, f"demo-{secrets.token_urlsafe(6)}")
    path.write_text(json.dumps(stored, indent=2))
    return stored


def _users(company: Company, passwords: dict[str, str]) -> None:
    """The personas and their passwords; a new member is added through the service (audited,
    by Alice once she is in), an existing one gets the persona's flags set again."""
    admin = None
    for username, full_name, flags, _ in PERSONAS:
        first, last = full_name.split(" ", 1)
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        user.set_password(passwords[username])
        user.save(update_fields=["password"])
        membership = Membership.objects.filter(user=user, company=company).first()
        if membership is None:
            membership_add(company=company, user=user, actor=admin, **flags)
        elif flags:
            Membership.objects.filter(pk=membership.pk).update(**flags)
        if flags.get("is_company_admin") and admin is None:
            admin = user


def _setup(company: Company) -> tuple[dict[str, Subsidiary], dict]:
    """What a settings admin enters first: subsidiaries, the chart, segments, GL defaults."""
    admin = User.objects.get(username="alice")
    subs = {
        "US": subsidiary_create(company=company, actor=admin, name=DEMO_COMPANY, currency="USD"),
        "UK": subsidiary_create(
            company=company, actor=admin, name="Occupier Demo UK Ltd", currency="GBP"
        ),
    }
    chart_of_accounts_import(company=company, actor=admin, rows=CHART)
    accounts = {a.number: a for a in GLAccount.objects.filter(company=company)}
    segments = {
        (kind, name): segment_create(company=company, actor=admin, kind=kind, name=name)
        for kind, name in SEGMENTS
    }
    accounting_defaults_update(
        company=company,
        actor=admin,
        values={
            "department": segments[("department", "Operations")],
            "lease_class": segments[("class", "Real Estate")],
            **{field: accounts[number] for field, number in DEFAULTS.items()},
            # Copiers of twelve months are expensed straight-line (equipment is elected).
            "short_term_asset_types": ["equipment"],
        },
    )
    return subs, segments


def _lease(company: Company, actor, payment: PaymentInput | None, **values) -> Lease:
    """A draft lease entered as on the lease form (audited as created)."""
    payments = [payment] if payment is not None else []
    return lease_create(
        company=company, actor=actor, values=values, payments=payments, incentives=[]
    )


@transaction.atomic
def _books(company: Company) -> None:
    """Set-up by Alice, go-live, then the leases Amy enters, brings in and activates."""
    subs, segments = _setup(company)
    _go_live(company)
    company.refresh_from_db()
    accountant = User.objects.get(username="amy")
    drafts = []
    for code, name, sub, asset, start, months, amount, classification, extra in LEASES:
        kind, value = extra.get("escalation", ("", None))
        drafts.append(
            _lease(
                company,
                accountant,
                PaymentInput(
                    amount=Decimal(amount),
                    frequency=3 if extra.get("quarterly") else 1,
                    escalation_kind=kind,
                    escalation_value=Decimal(value) if value else None,
                ),
                code=code,
                name=name,
                asset_type=asset,
                subsidiary=subs[sub],
                currency=subs[sub].currency,
                commencement_date=start,
                term_months=months,
                standard="asc842",
                classification=classification,
                discount_rate=Decimal("6.5"),
                useful_life_months=extra.get("useful_life"),
                landlord="Harbor Realty Trust" if sub == "US" else "Thames Estates Ltd",
                location=segments.get(("location", extra.get("location", ""))),
                department=segments.get(("department", extra.get("department", ""))),
                lease_class=segments.get(("class", extra.get("lease_class", ""))),
                initial_direct_costs=Decimal("5000.00") if code == "NYC-HQ" else Decimal(0),
            )
        )
    drafts += _existing_portfolio(company, accountant, subs["US"], segments)
    for lease in drafts:
        lease_activate(lease=lease, actor=accountant)
    _lease(
        company,
        accountant,
        None,  # its payments are still to be entered
        code="SEA-01",
        name="Seattle office (not yet approved)",
        subsidiary=subs["US"],
        currency="USD",
        commencement_date=date(2026, 11, 1),
        term_months=36,
        standard="asc842",
        classification="operating",
        discount_rate=Decimal("6.5"),
    )


def _existing_portfolio(company: Company, actor, us: Subsidiary, segments: dict) -> list[Lease]:
    """Four leases from before go-live: ASC 840 with deferred rent, short-term, CAM, finance."""

    def lease(code, name, asset, start, months, amount, classification="operating", **fields):
        escalation = fields.pop("escalation", None)
        return _lease(
            company,
            actor,
            PaymentInput(
                amount=Decimal(amount),
                escalation_kind="percent" if escalation else "",
                escalation_value=Decimal(escalation) if escalation else None,
            ),
            code=code,
            name=name,
            asset_type=asset,
            subsidiary=us,
            currency="USD",
            commencement_date=start,
            term_months=months,
            standard="asc842",
            classification=classification,
            discount_rate=Decimal("5.75"),
            landlord="Lakeside Properties LLC",
            **fields,
        )

    # ASC 840 → 842: escalating rent carried straight-line under ASC 840, so deferred rent.
    boston = lease("BOS-840", "Boston office (ASC 840)", "real_estate", date(2023, 7, 1), 84,
                   "21000.00", escalation="3")  # fmt: skip
    deferred = asc840_deferred_rent(lease_terms(boston), GO_LIVE)
    boston = lease_opening_balances_set(
        lease=boston, actor=actor, values={"method": "asc840", "deferred_rent": deferred}
    )
    # Short-term: twelve months of copiers, expensed straight-line (equipment is elected).
    copiers = lease("CPY-ST", "Office copiers (short-term)", "equipment", date(2026, 3, 1), 12,
                    "640.00", exemption="short_term")  # fmt: skip
    # Common-area maintenance billed monthly outside the liability.
    dallas = lease("DAL-CAM", "Dallas warehouse", "real_estate", date(2025, 1, 1), 60,
                   "9500.00")  # fmt: skip
    for period, amount in CAM.items():
        variable_payment_save(
            lease=dallas,
            actor=actor,
            period=period,
            kind="cam",
            amount=Decimal(amount),
            memo="CAM invoice",
        )
    # A finance lease from the previous lease system, with its balances as that system left them.
    forklifts = lease("FORK-FIN", "Forklifts (6)", "equipment", date(2025, 4, 1), 48, "2480.00",
                      "finance", useful_life_months=60,
                      lease_class=segments[("class", "Equipment")])  # fmt: skip
    before = build_schedule(lease_terms(forklifts))
    month = before.posted_months()[months_between(before.start, GO_LIVE) - 1]
    forklifts = lease_opening_balances_set(
        lease=forklifts,
        actor=actor,
        values={
            "method": "opening_balances",
            "liability": month.closing_liability,
            "rou_asset": month.rou_closing,
            "accumulated_amortization": before.posted().rou - month.rou_closing,
        },
    )
    return [boston, copiers, dallas, forklifts]


def _go_live(company: Company) -> None:
    admin = User.objects.get(username="alice")
    company_go_live_set(company=company, actor=admin, go_live=GO_LIVE)


def _close_periods(company: Company) -> None:
    closer = User.objects.get(username="amy")
    periods_ensure(company=company, through=date.today())
    for period in AccountingPeriod.objects.filter(
        company=company, start__lte=CLOSE_THROUGH, status="open"
    ).order_by("start"):
        period_close(period=period, actor=closer)


def _sandbox_account(sandbox_url: str) -> dict[str, str]:
    """Provision (or re-issue) the demo account's tokens on the running simulator."""
    response = requests.post(
        f"{sandbox_url}/_sandbox/accounts", json={"account_id": SANDBOX_ACCOUNT}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def _connect(company: Company, sandbox_url: str) -> str:
    connection = NetSuiteConnection.objects.filter(company=company).first()
    admin = User.objects.get(username="alice")
    if connection is not None and connection.has_credentials():
        outcome = connection_verify(connection, connection_credentials(connection))
        if outcome.ok:
            return outcome.message
    tokens = _sandbox_account(sandbox_url)
    secrets_ = {
        k: tokens[k] for k in ("consumer_key", "consumer_secret", "token_id", "token_secret")
    }
    candidate = NetSuiteConnection(company=company, base_url=sandbox_url)
    outcome = connection_verify(
        candidate, NetSuiteCredentials.from_input(account_id=SANDBOX_ACCOUNT, **secrets_)
    )
    connection_save(
        company=company,
        actor=admin,
        account_id=SANDBOX_ACCOUNT,
        secrets=secrets_,
        transport="rest",
        concurrency_limit=4,
        enabled=True,
        base_url=sandbox_url,
        verify=outcome,
    )
    return outcome.message


def _sync_already_sent(company: Company) -> None:
    """Olivia has sent Jul 2026 to NetSuite already (Aug and Oct are left for the visitor), so
    Closed Periods and the audit log show a completed sync; its tie-out and email are queued."""
    period = AccountingPeriod.objects.get(company=company, start=SENT_AT_LOAD)
    operator = User.objects.get(username="olivia")
    try:
        run = period_sync_start(period=period, actor=operator, enqueue=lambda run_id: None)
    except SyncNotPossible:
        return  # the simulator refused the connection: the visitor sees why on Integrations
    sync_run_process(run.pk)


def demo_load(*, sandbox_url: str) -> DemoResult:
    """Create (once) and refresh the demo company; safe to run again."""
    passwords = _passwords()
    company = Company.objects.filter(name=DEMO_COMPANY).first()
    created = company is None
    if created:
        company = company_create(name=DEMO_COMPANY)
    _users(company, passwords)
    if created:
        _books(company)
        company.refresh_from_db()
        _close_periods(company)
    message = _connect(company, sandbox_url)
    if created:
        _sync_already_sent(company)
    return DemoResult(company=company, passwords=passwords, connection_message=message)
