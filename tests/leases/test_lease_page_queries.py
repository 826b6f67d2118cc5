"""The pages of one lease run a fixed number of queries, however many leases and accounts.

The lease form's 23 account pickers share one read of the chart of accounts, and the lease is
read without a join per mapping field; these budgets keep it that way.
"""

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from closebooks.services import company_go_live_set
from leases.change_services import lease_change_approve, lease_change_create
from leases.forms import UNKNOWN_ACCOUNT, LeaseEditor
from leases.models import (
    ACCOUNT_FIELDS,
    SEGMENT_FIELDS,
    GLAccount,
    Lease,
    LeaseOpeningBalance,
    Segment,
)
from leases.selectors import accounting_defaults
from tests.leases.factories import make_lease
from tests.leases.forms_data import lease_post
from tests.list_pages import bulk_leases

# Queries per page: the session, user and membership reads of every page are in them.
BUDGETS = {
    "detail": 14,
    "detail, approved change": 14,
    "edit": 14,
    "create": 10,
    "change form": 9,
    "change preview": 9,
    "schedule csv": 9,
    "schedule xlsx": 9,
    "gl defaults": 9,
}
OPENING_BALANCES_BUDGET = 10
GO_LIVE_DETAIL_BUDGET = 14

PREVIEW = {
    "kind": "consideration",
    "effective": "2026-07-10",
    "new_rent": "1200.00",
    "annual_rate": "6",
    "reason": "Rent review",
    "action": "preview",
}
TYPES = ("Other Current Asset", "Fixed Asset", "Other Current Liability", "Expense", "Equity", "")


def _queries(client, method: str, url: str, data: dict | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response.content.decode(errors="replace")


def _grow(company, subsidiary, *, accounts: int, leases: int) -> None:
    """More leases and a larger chart of accounts, of every type, some of them inactive."""
    start = GLAccount.objects.filter(company=company).count()
    GLAccount.objects.bulk_create(
        [
            GLAccount(
                company=company,
                number=f"9{start + n:04d}",
                name=f"Account {start + n}",
                account_type=TYPES[n % len(TYPES)],
                is_active=n % 10 != 0,
            )
            for n in range(accounts)
        ]
    )
    Segment.objects.bulk_create(
        [Segment(company=company, kind="location", name=f"Site {start + n}") for n in range(10)]
    )
    bulk_leases(company, subsidiary, leases, start=Lease.objects.filter(company=company).count())


@pytest.fixture
def changed(personas, subsidiary):
    """An active lease with an approved change in consideration."""
    lease = make_lease(personas.company, code="CHG-1", commencement=date(2026, 1, 1))
    change = lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="consideration",
        effective=date(2026, 7, 10),
        details={
            "payments": [{"amount": "1200.00", "frequency": "monthly", "timing": "advance"}],
            "annual_rate": "0.06",
        },
    )
    lease_change_approve(change=change, actor=personas.reviewer.user)
    return lease


def _pages(plain, changed) -> dict[str, tuple[str, str, dict]]:
    return {
        "detail": ("get", reverse("lease_detail", args=[plain.pk]), {}),
        "detail, approved change": ("get", reverse("lease_detail", args=[changed.pk]), {}),
        "edit": ("get", reverse("lease_edit", args=[plain.pk]), {}),
        "create": ("get", reverse("lease_create"), {}),
        "change form": ("get", reverse("lease_change", args=[plain.pk]), {}),
        "change preview": ("post", reverse("lease_change", args=[plain.pk]), PREVIEW),
        "schedule csv": ("get", reverse("lease_schedule_csv", args=[changed.pk]), {}),
        "schedule xlsx": ("get", reverse("lease_schedule_xlsx", args=[changed.pk]), {}),
        "gl defaults": ("get", reverse("accounting_defaults"), {}),
    }


def test_lease_pages_queries_do_not_grow_with_leases_or_accounts(
    personas, amy, subsidiary, changed, django_assert_max_num_queries
):
    plain = make_lease(personas.company, code="NEW-1", commencement=date(2026, 1, 1))
    # The lease maps accounts of its own, so the pages read them too.
    own = GLAccount.objects.create(
        company=personas.company, number="1411", name="ROU asset - HQ", account_type="Fixed Asset"
    )
    Lease.objects.filter(pk=plain.pk).update(rou_asset_account=own, lease_liability_account=own)
    pages = _pages(plain, changed)
    amy.get(reverse("lease_list"))  # the session is read and saved once before counting
    few = {label: _queries(amy, *page)[0] for label, page in pages.items()}
    _grow(personas.company, subsidiary, accounts=300, leases=60)
    for label, page in pages.items():
        with django_assert_max_num_queries(BUDGETS[label]):
            many, _ = _queries(amy, *page)
        assert many == few[label], label


def test_opening_balances_and_go_live_lease_page_queries(
    personas, amy, subsidiary, django_assert_max_num_queries
):
    old = make_lease(
        personas.company,
        code="OLD-FIN",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
    )
    LeaseOpeningBalance.objects.create(
        lease=old,
        method="opening_balances",
        liability=Decimal("22675.68"),
        rou_asset=Decimal("21396.61"),
        accumulated_amortization=Decimal("21396.61"),
    )
    company_go_live_set(
        company=personas.company, actor=personas.settings_admin.user, go_live=date(2026, 7, 1)
    )
    opening_url = reverse("lease_opening_balances", args=[old.pk])
    detail_url = reverse("lease_detail", args=[old.pk])
    amy.get(reverse("lease_list"))
    few_opening, _ = _queries(amy, "get", opening_url)
    few_detail, _ = _queries(amy, "get", detail_url)
    _grow(personas.company, subsidiary, accounts=300, leases=60)
    with django_assert_max_num_queries(OPENING_BALANCES_BUDGET):
        many_opening, html = _queries(amy, "get", opening_url)
    # The liability given is the present value of the 24 payments left (see
    # tests/leases/test_opening_balances.py): the page shows what the go-live entry recognises.
    assert "22,675.68" in html
    with django_assert_max_num_queries(GO_LIVE_DETAIL_BUDGET):
        many_detail, html = _queries(amy, "get", detail_url)
    assert "22,675.68 USD" in html
    assert (many_opening, many_detail) == (few_opening, few_detail)


def _select(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)


def _options(select: str) -> list[tuple[str, str, bool]]:
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select
        )
    ]


def test_pickers_offer_the_company_s_active_accounts_of_a_fitting_type(
    personas, amy, subsidiary, other_subsidiary
):
    company = personas.company
    make = GLAccount.objects.create
    fixed = make(
        company=company, number="1412", name="ROU <fit-out> & co", account_type="FixedAsset"
    )
    make(
        company=company, number="1413", name="Old ROU", account_type="Fixed Asset", is_active=False
    )
    make(company=company, number="6999", name="Travel", account_type="Expense")
    untyped = make(company=company, number="1999", name="Suspense")
    lease = make_lease(company, code="NEW-1", rou_asset_account=fixed)
    html = _queries(amy, "get", reverse("lease_edit", args=[lease.pk]))[1]

    rou = _options(_select(html, "rou_asset_account"))
    expected = GLAccount.objects.filter(company=company, is_active=True).order_by("number")
    fitting = [a for a in expected if a.account_type in ("", "FixedAsset")]
    # Escaped once: the picker shows the name as typed, never markup.
    assert [(v, unescape(label)) for v, label, _ in rou] == [
        ("", "Company default: 1410 Right-of-use asset"),
        *[(str(a.pk), str(a)) for a in fitting],
    ]
    assert "ROU &lt;fit-out&gt; &amp; co" in _select(html, "rou_asset_account")
    assert [v for v, _, chosen in rou if chosen] == [str(fixed.pk)]
    assert str(untyped.pk) in {v for v, _, _ in rou}
    # An expense picker offers no asset; a blank one has its empty choice selected.
    expense = _options(_select(html, "lease_expense_account"))
    assert {label for _, label, _ in expense} >= {
        "6999 Travel",
        "6400 Lease expense",
        "1999 Suspense",
    }
    assert str(fixed.pk) not in {v for v, _, _ in expense}
    assert [v for v, _, chosen in expense if chosen] == [""]
    # Segments: only the company's own, of the picker's kind.
    department = _options(_select(html, "department"))
    assert [label for _, label, _ in department] == ["Company default: Operations", "Operations"]
    # Another company's accounts are never offered.
    other = set(
        GLAccount.objects.filter(company=personas.other_company).values_list("pk", flat=True)
    )
    assert not other & {int(v) for v, _, _ in rou if v}


def _stock(form, name: str) -> str:
    """The picker as Django's own select draws it from the field's queryset."""
    field = form.fields[name]
    shared = field.widget
    field.widget = forms.Select(attrs=shared.attrs)
    field.widget.is_required, field.widget.is_localized = shared.is_required, shared.is_localized
    field.queryset = field.queryset  # gives the new widget the field's choices
    try:
        return str(form[name])
    finally:
        field.widget = shared


def test_shared_pickers_draw_what_django_s_own_select_draws(personas, subsidiary):
    """Each picker, shared and as Django's own select: the same select, option for option."""
    company = personas.company
    GLAccount.objects.create(
        company=company, number="1412", name="ROU <fit-out> & co", account_type="FixedAsset"
    )
    GLAccount.objects.create(company=company, number="6999", name="Travel", account_type="Expense")
    Segment.objects.create(company=company, kind="location", name="Boston")
    lease = make_lease(company, code="NEW-1")
    Lease.objects.filter(pk=lease.pk).update(
        lease_liability_account=GLAccount.objects.get(company=company, number="2310")
    )
    lease.refresh_from_db()
    bound = lease_post(subsidiary, interest_expense_account="not-an-id", location="")
    for data in (None, bound):
        editor = LeaseEditor(
            data, company=company, defaults=accounting_defaults(company), lease=lease
        )
        names = [*ACCOUNT_FIELDS.values(), *SEGMENT_FIELDS.values()]
        if data is not None:
            editor.is_valid()  # the widgets get the errors' aria attributes as on a failed save
        for name in names:
            shared = str(editor.form[name])
            assert re.sub(r">\s+<", "><", shared) == re.sub(
                r">\s+<", "><", _stock(editor.form, name)
            ), name


def test_a_posted_account_is_checked_as_before(personas, amy, subsidiary):
    lease = make_lease(personas.company, code="NYC-1", status="draft")
    url = reverse("lease_edit", args=[lease.pk])
    expense = GLAccount.objects.create(
        company=personas.company, number="6999", name="Travel", account_type="Expense"
    )
    refused = amy.post(url, lease_post(subsidiary, rou_asset_account=str(expense.pk)))
    html = refused.content.decode()
    assert refused.status_code == 200 and UNKNOWN_ACCOUNT.replace("'", "&#x27;") in html
    # Shown again with nothing chosen rather than an account the picker does not offer.
    assert [v for v, _, chosen in _options(_select(html, "rou_asset_account")) if chosen] == []
    fitting = GLAccount.objects.get(company=personas.company, number="1410")
    # The stored payment stream comes back as the formset's initial form, as a browser sends it.
    data = lease_post(subsidiary, rou_asset_account=str(fitting.pk))
    saved = amy.post(url, data | {"payments-INITIAL_FORMS": "1"})
    assert saved.status_code == 302
    lease.refresh_from_db()
    assert lease.rou_asset_account == fitting


@pytest.mark.parametrize(
    "name", ["lease_detail", "lease_edit", "lease_change", "lease_opening_balances"]
)
def test_another_company_s_lease_is_not_found(personas, amy, subsidiary, other_subsidiary, name):
    theirs = make_lease(personas.other_company, code="THEIRS")
    assert amy.get(reverse(name, args=[theirs.pk])).status_code == 404
