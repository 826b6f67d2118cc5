"""Every kind of audit row reads as words on the audit log: labels for codes, verbose names for
fields, amounts and dates in the company's formats, nested values as "label: value" lists, and
never a raw key, a Python repr or True/False. The stored rows keep their codes."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.presentation import ACTION_SENTENCES, action_sentence
from audit.services import scrub
from leases.services import lease_snapshot
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FLAGS_NONE = {
    "is_company_admin": False,
    "can_access_lease_accounting": False,
    "can_access_integrations": False,
    "can_manage_integration_settings": False,
}
FLAGS_BOOKS = FLAGS_NONE | {"can_access_lease_accounting": True}

# One row per action the services write, shaped as they store it: (action, subject model,
# before, after, note). A new action without an example here fails the source scan below.
EXAMPLES = [
    ("company.create", "companies.Company", {}, {"name": "Acme", "default_standard": "asc842"}, ""),
    (
        "company.settings",
        "companies.Company",
        {"date_format": "j M Y", "journal_granularity": "detail", "require_mfa": False},
        {"date_format": "d/m/Y", "journal_granularity": "summary", "require_mfa": True},
        "",
    ),
    (
        "user.time_zone",
        "companies.User",
        {"time_zone": ""},
        {"time_zone": "America/New_York"},
        "",
    ),
    (
        "company.go_live",
        "companies.Company",
        {"go_live_date": "", "transition_method": ""},
        {"go_live_date": "2026-07-01", "transition_method": "asc840"},
        "",
    ),
    ("membership.add", "companies.Membership", {}, FLAGS_BOOKS, ""),
    (
        "membership.invite",
        "companies.Membership",
        {},
        {"email": "new.person@example.com", **FLAGS_BOOKS},
        "",
    ),
    (
        "membership.flags",
        "companies.Membership",
        FLAGS_NONE,
        FLAGS_NONE | {"is_company_admin": True},
        "",
    ),
    (
        "period.close",
        "closebooks.AccountingPeriod",
        {"status": "open", "close_version": 0},
        {
            "status": "closed",
            "close_version": 1,
            "entries": 9,
            "debits_by_currency": {"GBP": "21256.03", "USD": "322622.65"},
        },
        "",
    ),
    (
        "period.reopen",
        "closebooks.AccountingPeriod",
        {"status": "closed", "close_version": 1},
        {"status": "open", "close_version": 1},
        "The CAM invoice came late.",
    ),
    # lease.create and lease.update are added from a real lease's snapshot (see _lease_examples).
    (
        "lease.activate",
        "leases.Lease",
        {"status": "draft"},
        {"status": "active"},
        "",
    ),
    (
        "lease.approve_changes",
        "leases.Lease",
        {"changes_pending_since": "2026-11-30T14:05:09.123456+00:00"},
        {"changes_pending_since": None},
        "Approved by the person who made the changes.",
    ),
    (
        "lease.opening_balances",
        "leases.Lease",
        {},
        {
            "method": "opening_balances",
            "liability": "98765.43",
            "rou_asset": "91234.50",
            "deferred_rent": "0.00",
            "transition_rate": "5.750000",
        },
        "",
    ),
    (
        "lease_change.create",
        "leases.Lease",
        {},
        {
            "change": "CH2",
            "kind": "decrease_scope",
            "effective": "2027-03-15",
            "details": {
                "payments": [{"amount": "42500.00", "frequency": "monthly", "timing": "arrears"}],
                "term_months": 72,
                "annual_rate": "0.0725",
                "scope_fraction": "0.4",
                "separate_lease": True,
            },
            "status": "pending",
        },
        "Floor 3 handed back to the landlord.",
    ),
    (
        "lease_change.approve",
        "leases.Lease",
        {"change": "CH2", "status": "pending"},
        {
            "change": "CH2",
            "status": "separate",
            "separate_lease": "NYC-HQ-S1",
            "proposed_by": "Amy Accountant",
            "approved_by": "Rita Reviewer",
        },
        "Increase in scope at its standalone price: separate lease NYC-HQ-S1 created.",
    ),
    (
        "lease_change.withdraw",
        "leases.Lease",
        {"change": "CH2", "status": "pending"},
        {"change": "CH2", "status": "withdrawn"},
        "",
    ),
    (
        "lease_change.import",
        "",
        {},
        {
            "count": 2,
            "changes": ["NYC-HQ CH3 index 2027-01-01", "CHI-01 CH1 purchase_option 2027-02-01"],
            "status": "pending",
        },
        "",
    ),
    (
        "lease_change.approve_many",
        "",
        {},
        {
            "count": 1,
            "changes": ["CHI-01 CH1 purchase_option 2027-02-01"],
            "proposed_by": ["Amy Accountant"],
        },
        "",
    ),
    (
        "variable_payment.save",
        "leases.Lease",
        {},
        {"period": "2026-10-01", "kind": "cam", "amount": "2215.40", "memo": "CAM invoice"},
        "",
    ),
    (
        "variable_payment.delete",
        "leases.Lease",
        {"period": "2026-10-01", "kind": "property_tax", "amount": "1200.00"},
        {},
        "",
    ),
    (
        "portfolio.import",
        "",
        {},
        {
            "leases": 1250,
            "payment_streams": 1300,
            "variable_payments": 40,
            "opening_balances": 12,
            "created": 1200,
            "updated": 50,
            "unchanged": 0,
        },
        "",
    ),
    (
        "accounting_defaults.update",
        "leases.AccountingDefaults",
        {"rou_asset_account": "1410 Right-of-use asset", "post_current_split": False},
        {
            "rou_asset_account": "1420 ROU asset - finance",
            "short_term_asset_types": ["equipment", "real_estate"],
            "combine_components_asset_types": [],
            "post_current_split": True,
        },
        "",
    ),
    (
        "gl_account.create",
        "leases.GLAccount",
        {},
        {"number": "6430", "name": "Short-term lease expense", "account_type": "Expense"},
        "",
    ),
    (
        "gl_account.update",
        "leases.GLAccount",
        {"name": "Lease expense", "account_type": "Expense"},
        {"name": "Lease expense (operating)", "account_type": "Other Expense"},
        "",
    ),
    ("segment.create", "leases.Segment", {}, {"kind": "department", "name": "Facilities"}, ""),
    ("subsidiary.create", "leases.Subsidiary", {}, {"name": "Acme UK", "currency": "GBP"}, ""),
    ("segment.create", "leases.Segment", {}, {"kind": "location", "name": "Acme_Site_B"}, ""),
    (
        "integration.settings",
        "integrations.NetSuiteConnection",
        {},
        {
            "enabled": True,
            "account_id": "1234567",
            "transport": "rest",
            "concurrency_limit": 4,
            "base_url": "https://1234567.suitetalk.api.netsuite.com",
            "last_verify_ok": True,
        },
        "Replaced: consumer_key, consumer_secret, token_id, token_secret",
    ),
    (
        "integration.sync_settings",
        "integrations.NetSuiteConnection",
        {"removal_method": "delete", "notify_emails": ""},
        {"removal_method": "reverse", "notify_emails": "close@example.com"},
        "",
    ),
    (
        "integration.keys_rotated",
        "integrations.NetSuiteConnection",
        {},
        {},
        "4 stored secrets re-encrypted under the newest key.",
    ),
    (
        "integration.mapping",
        "integrations.ReferenceMapping",
        {},
        {"netsuite_value": "Facilities", "netsuite_internal_id": "12"},
        "",
    ),
    (
        "integration.mapping_delete",
        "integrations.ReferenceMapping",
        {"netsuite_value": "Facilities"},
        {},
        "",
    ),
    ("integration.reference_refresh", "integrations.ReferenceRefresh", {}, {}, ""),
    (
        "integration.reference_refresh_completed",
        "integrations.ReferenceRefresh",
        {},
        {"records": 5321, "message": ""},
        "",
    ),
    (
        "integration.reference_refresh_failed",
        "integrations.ReferenceRefresh",
        {},
        {"records": 12, "message": "NetSuite refused the token (INVALID_LOGIN_ATTEMPT)."},
        "",
    ),
    (
        "sync.start",
        "integrations.SyncRun",
        {},
        {"period": "Jul 2026", "close_version": 1, "update": 0, "add": 10, "remove": 0},
        "",
    ),
    (
        "sync.resend",
        "integrations.SyncRun",
        {},
        {"period": "Jul 2026", "close_version": 2, "update": 3, "add": 1, "remove": 2},
        "",
    ),
    ("sync.retry", "integrations.SyncRun", {}, {"entries_to_send": 1, "retry": 2}, ""),
    ("sync.completed", "integrations.SyncRun", {}, {"sent": 10, "failed": 0}, ""),
    ("sync.failed", "integrations.SyncRun", {}, {"sent": 8, "failed": 1}, ""),
    ("tieout.start", "reports.TieOut", {}, {"period": "Jul 2026", "trigger": "sync"}, ""),
    ("tieout.agrees", "reports.TieOut", {}, {"findings": 0, "period": "Jul 2026"}, ""),
    ("tieout.findings", "reports.TieOut", {}, {"findings": 3, "period": "Aug 2026"}, ""),
    ("tieout.failed", "reports.TieOut", {}, {"findings": 0, "period": "Sep 2026"}, ""),
    ("auth.locked_out", "companies.User", {}, {}, "Sign-in locked after repeated wrong passwords."),
    ("auth.mfa_enabled", "companies.User", {}, {}, "Authenticator app confirmed."),
    ("auth.recovery_code_used", "companies.User", {}, {}, "9 recovery codes left."),
]

# What may never reach the page: codes, Python reprs, ISO dates, amounts without separators.
LEAKS = [
    # A key or code; NetSuite's own codes and account IDs (1234567_SB1) are upper case.
    re.compile(r"[a-z]_[a-z0-9]|[a-z0-9]_[a-z]"),
    re.compile(r"[{}\[\]]"),
    re.compile(r"\b(True|False|None)\b"),
    re.compile(r"'[^' ]*'[:,]"),  # a repr's quoted key or item
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(r"\b\d{4,}\.\d{2}\b"),
    re.compile(r"\b\d+\.\d{3,}\b"),
    re.compile(r"(: |→ )(cam|asc840|decrease scope|arrears|monthly|rest)\b"),  # a raw choice
]


def _lease_examples(company) -> list[tuple]:
    """lease.create and lease.update as lease_snapshot stores them, from a real lease."""
    set_up_accounting(company)
    lease = make_lease(
        company,
        code="NYC-HQ",
        amount="42500.00",
        discount_rate="6.5",
        initial_direct_costs="5000.00",
        purchase_option_date=date(2030, 6, 30),
        exemption="short_term",
        asset_type="real_estate",
    )
    created = scrub(lease_snapshot(lease))
    edited = created | {
        "term_months": 60,
        "asset_type": "equipment",
        "ownership_transfers": True,
        "initial_direct_costs": "5250.00",
    }
    return [
        ("lease.create", "leases.Lease", {}, created, ""),
        ("lease.update", "leases.Lease", created, edited, ""),
    ]


def _record(company, actor, action, subject_type, before, after, note) -> AuditEvent:
    return AuditEvent.objects.create(
        company=company,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id="1",
        subject_label="NYC-HQ",
        before=scrub(before),
        after=scrub(after),
        note=note,
    )


def _rows_text(page: str) -> list[str]:
    """Each audit row's visible text (tags stripped), from the log's table."""
    body = page.split('id="audit-log"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]  # the first is the header
    texts = [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))) for row in rows]
    return [text.replace(" :", ":").strip() for text in texts]


@pytest.fixture
def log():
    personas = make_personas()
    company = personas.company
    company.date_format = "d/m/Y"
    company.save(update_fields=["date_format"])
    examples = EXAMPLES + _lease_examples(company)
    for action, subject_type, before, after, note in examples:
        _record(company, personas.accountant.user, action, subject_type, before, after, note)
    client = Client()
    client.force_login(personas.settings_admin.user)
    return client, examples


def _all_rows(client) -> list[str]:
    rows, page = [], 1
    while True:
        text = client.get(reverse("audit_log"), {"page": page}).content.decode()
        rows += _rows_text(text)
        if f"page={page + 1}" not in text:
            return rows
        page += 1


def test_every_kind_of_row_reads_without_codes_reprs_or_raw_values(log):
    client, examples = log

    rows = _all_rows(client)

    assert len(rows) == len(examples)
    for row in rows:
        for leak in LEAKS:
            assert not leak.search(row), f"{leak.pattern!r} in: {row}"


def test_values_read_as_labels_and_in_the_companys_formats(log):
    client, _ = log

    rows = "\n".join(_all_rows(client))

    assert "Kind: Common-area maintenance" in rows and "Amount: 2,215.40" in rows
    assert "Period: Oct 2026" in rows
    assert "A tie-out found the books agree with NetSuite" in rows
    assert "Trigger: After a sync" in rows
    assert "Go-live date: — → 01/07/2026" in rows  # the company's date format
    assert "Transition method: — → ASC 840 → ASC 842" in rows
    assert "Date format: 31 Dec 2026 → 31/12/2026" in rows
    assert "Require two-factor sign-in: No → Yes" in rows
    assert "Initial direct costs: 5,000.00 → 5,250.00" in rows
    assert "Discount rate (% a year): 6.5 %" in rows
    assert "Asset type: Real estate → Equipment" in rows
    assert "Recognition exemption: Short-term (12 months or less)" in rows
    assert "Short-term exemption elected for: — → Equipment, Real estate" in rows
    assert "Transport: REST (recommended)" in rows
    assert "Removal method: Delete the entry in NetSuite → Post a reversal" in rows
    assert "Status: Waiting for approval → Approved: a separate lease" in rows
    assert "Changes: NYC-HQ CH3: Index or rate review from 01/01/2027, CHI-01 CH1: " in rows
    assert "Payments: 42,500.00 every 1 month(s) in advance" in rows
    assert "Time zone: — → America/New York" in rows
    assert "Records read: 5,321" in rows and "Requests at a time: 4" in rows
    assert "components combined for" not in rows  # stored [] against nothing: no change
    assert "Replaced: consumer key, consumer secret, token ID, token secret" in rows
    assert "Name: Acme_Site_B" in rows  # what a person typed is shown exactly
    assert "Debits: — → 21,256.03 GBP; 322,622.65 USD" in rows
    assert "Company admin: No → Yes" in rows


def test_a_nested_value_is_listed_one_label_and_value_a_line(log):
    client, _ = log

    page = client.get(reverse("audit_log"), {"action": "lease_change."}).content.decode()

    assert "<li>Annual rate: 7.25 %</li>" in page
    assert "<li>Share of the asset given back: 40 %</li>" in page
    assert "<li>Term (months): 72</li>" in page
    assert "<li>Separate lease: Yes</li>" in page
    payments = re.search(r"<li>Payments: (.*?)</li>", page)[1].split(", ")
    assert sorted(payments) == ["Amount: 42,500.00", "Frequency: Monthly", "Timing: In arrears"]


def test_the_stored_rows_keep_their_codes(log):
    row = AuditEvent.objects.get(action="variable_payment.save")

    assert row.after == {
        "period": "2026-10-01",
        "kind": "cam",
        "amount": "2215.40",
        "memo": "CAM invoice",
    }


def test_every_action_has_a_sentence_and_no_filter_name_shows_a_code(log):
    client, examples = log

    for action, *_ in examples:
        assert action in ACTION_SENTENCES, action
    page = client.get(reverse("audit_log")).content.decode()
    options = re.findall(r"<option value=\"[^\"]*\"[^>]*>([^<]*)</option>", page)
    assert options and not [o for o in options if "_" in o]
    assert action_sentence("tieout.someday") == "Tieout: someday"


def _actions_in_source() -> set[str]:
    """Every action code the apps pass to the audit service (f-string parts as {…})."""
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {"tests", ".venv", "benchmarks"}:
            continue
        text = path.read_text()
        if "audit_record(" not in text and "_batch_audit(" not in text:
            continue
        found |= set(re.findall(r"action=f?\"([a-z_]+\.[a-z_{}.]+)\"", text))
        found |= set(re.findall(r"\"([a-z_]+\.[a-z_]+)\" if ", text))
        found |= set(re.findall(r"_batch_audit\(\s*\w+,\s*\w+,\s*\"([a-z_]+\.[a-z_]+)\"", text))
    return found


def test_every_action_the_apps_record_has_an_example_here(log):
    _, examples = log
    covered = {action for action, *_ in examples}

    actions = _actions_in_source()

    assert len(actions) >= 40  # the scan still finds the calls
    for action in actions:
        pattern = re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[a-z_]+", re.escape(action)) + "$")
        assert any(pattern.match(c) for c in covered), f"no example of {action}"


def test_a_rows_changes_are_listed_by_label_whatever_order_they_were_stored_in(log):
    client, _ = log

    row = next(r for r in _all_rows(client) if "Added a member" in r)

    labels = re.findall(r"([A-Z][a-z ]+): (?:Yes|No)", row)
    assert labels == [
        "Company admin",
        "Lease accounting",
        "Lease accounting integrations",
        "Manage integration settings",
    ]


def test_the_search_finds_rows_by_the_sentence_the_log_shows(log):
    client, _ = log

    page = client.get(reverse("audit_log"), {"q": "tie-out found"}).content.decode()

    assert [row.split(" ", 4)[4].split(" NYC-HQ")[0] for row in _rows_text(page)] == [
        "A tie-out found differences with NetSuite",
        "A tie-out found the books agree with NetSuite",
    ]
