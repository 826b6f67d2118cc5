"""Read-only lease accounting, for outside auditors: every page of leases and reports that only
shows opens to Audrey; every change is refused and changes nothing.

Every URL of leases and reports is classified here as a read page or a write, so a view added
later without saying which it is fails the first test.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.services import period_close, periods_ensure
from companies.models import Membership, Permission
from companies.permissions import member_can_read
from leases import urls as lease_urls
from leases.models import (
    AccountingDefaults,
    GLAccount,
    Lease,
    LeaseChange,
    LeaseOpeningBalance,
    LeasePayment,
    Segment,
    Subsidiary,
    VariablePayment,
)
from reports import urls as report_urls
from reports.models import TieOut
from tests.leases.factories import make_lease, set_up_accounting
from tests.leases.forms_data import lease_post

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


@pytest.fixture
def books(personas):
    """An active lease with a pending change and a variable payment, a draft lease, January
    closed and February open."""
    personas.subsidiary = set_up_accounting(personas.company)
    personas.lease = make_lease(personas.company, code="L-1", commencement=JAN)
    personas.draft = make_lease(personas.company, code="D-1", status="draft")
    for period in periods_ensure(company=personas.company, through=FEB):
        if period.start == JAN:
            period_close(period=period, actor=personas.accountant.user)
    personas.closed = AccountingPeriod.objects.get(company=personas.company, start=JAN)
    personas.open = AccountingPeriod.objects.get(company=personas.company, start=FEB)
    accountant = Client()
    accountant.force_login(personas.accountant.user)
    saved = accountant.post(reverse("lease_change", args=[personas.lease.pk]), CHANGE)
    assert saved.status_code == 302
    personas.change = LeaseChange.objects.get()
    personas.variable = VariablePayment.objects.create(
        lease=personas.lease, period=FEB, kind="cam", amount=Decimal("125.00")
    )
    return personas


CHANGE = {
    "kind": "consideration",
    "effective": "2026-07-10",
    "new_rent": "1200.00",
    "annual_rate": "6",
    "reason": "Rent review",
    "action": "save",
}


def lease_pk(p):
    return [p.lease.pk]


# Pages that only show, by URL name: the address arguments. Each opens to the auditor.
READ_PAGES = {
    "lease_list": lambda p: [],
    "lease_detail": lease_pk,
    "lease_schedule_csv": lease_pk,
    "lease_schedule_xlsx": lease_pk,
    "lease_changes_pending": lambda p: [],
    "reports_index": lambda p: [],
    "reports_rollforward": lambda p: [],
    "reports_disclosures": lambda p: [],
    "reports_register": lambda p: [],
    "reports_trial_balance": lambda p: [],
    "reports_drift": lambda p: [],
    "reports_tieout_list": lambda p: [],
    "reports_tieout": lambda p: [p.closed.pk],
}

# The reports' downloads: the same read pages with another format.
DOWNLOADS = [
    ("reports_rollforward", "?format=xlsx"),
    ("reports_disclosures", "?format=xlsx"),
    ("reports_register", "?format=xlsx"),
    ("reports_trial_balance", "?format=xlsx"),
    ("reports_drift", "?format=xlsx"),
    ("reports_drift", "?format=csv"),
    ("reports_rollforward", "?format=print"),
]


def _lease_form(p):
    return lease_post(p.subsidiary, code="NEW-1")


# Every change, and every page that exists only to show a form for one, by URL name: the
# address arguments and what is posted (a valid change where one is simple to write, so that a
# missing check would show as a change made).
WRITES = {
    "lease_create": (lambda p: [], _lease_form),
    "lease_form_check": (lambda p: [], lambda p: {"_field": "code", "code": "X"}),
    "lease_edit_check": (lambda p: [p.draft.pk], lambda p: {"_field": "code", "code": "X"}),
    "lease_change_check": (lease_pk, lambda p: {"_field": "new_rent", **CHANGE}),
    "lease_import": (lambda p: [], lambda p: {}),
    "lease_import_template": (lambda p: [], lambda p: {}),
    "portfolio_upload": (lambda p: [], lambda p: {}),
    "portfolio_confirm": (lambda p: [], lambda p: {}),
    "portfolio_template": (lambda p: [], lambda p: {}),
    "lease_edit": (lambda p: [p.draft.pk], lambda p: lease_post(p.subsidiary, code="D-1")),
    "lease_activate": (lambda p: [p.draft.pk], lambda p: {}),
    "lease_approve_changes": (lease_pk, lambda p: {}),
    "lease_change": (lease_pk, lambda p: CHANGE),
    "lease_opening_balances": (lease_pk, lambda p: {}),
    "lease_change_approve": (lambda p: [p.change.pk], lambda p: {}),
    "lease_change_withdraw": (lambda p: [p.change.pk], lambda p: {}),
    "lease_changes_import": (lambda p: [], lambda p: {"content": "lease,kind\n"}),
    "lease_changes_template": (lambda p: [], lambda p: {}),
    "lease_variable_payments": (
        lease_pk,
        lambda p: {"period": "2026-03", "kind": "cam", "amount": "10.00"},
    ),
    "lease_variable_payment_delete": (lambda p: [p.variable.pk], lambda p: {}),
    "accounting_defaults": (lambda p: [], lambda p: {}),
    "chart_of_accounts": (lambda p: [], lambda p: {}),
    "chart_of_accounts_template": (lambda p: [], lambda p: {}),
    "lease_entities": (lambda p: [], lambda p: {"add": "subsidiary", "subsidiary-name": "New"}),
    "reports_tieout_run": (lambda p: [p.closed.pk], lambda p: {}),
}

# Where the check sits behind require_POST, a GET is refused by its method first.
GET_REFUSED_BY_METHOD = {"reports_tieout_run"}

# The close, reopening, sync and settings live elsewhere; the read-only flag opens none of them.
OTHER_WRITES = {
    "close_books": lambda p: [],
    "period_close": lambda p: [p.open.pk],
    "period_reopen": lambda p: [p.closed.pk],
    "period_sync": lambda p: [p.closed.pk],
    "company_settings": lambda p: [],
    "team_list": lambda p: [],
    "sync_settings": lambda p: [],
    "golive_settings": lambda p: [],
    "integration_settings": lambda p: [],
}

WATCHED = [Lease, LeasePayment, LeaseChange, LeaseOpeningBalance, VariablePayment, GLAccount,
           Segment, Subsidiary, AccountingDefaults, AccountingPeriod, JournalEntry, TieOut,
           AuditEvent, Membership]  # fmt: skip


def snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def _patterns() -> dict[str, URLPattern]:
    return {p.name: p for p in lease_urls.urlpatterns + report_urls.urlpatterns}


def auditor_client(personas) -> Client:
    client = Client()
    client.force_login(personas.auditor.user)
    return client


def test_every_leases_and_reports_url_is_classified_as_read_or_write():
    names = set(_patterns())
    assert set(READ_PAGES) & set(WRITES) == set()
    assert names - set(READ_PAGES) - set(WRITES) == set(), "say whether these only show"
    assert set(READ_PAGES) | set(WRITES) == names


def test_exactly_the_read_pages_let_the_read_only_flag_in():
    reads = {name for name, p in _patterns().items() if hasattr(p.callback, "reads")}
    assert reads == set(READ_PAGES)


def test_the_auditor_opens_every_read_page_and_download(books):
    client = auditor_client(books)
    for name, args in READ_PAGES.items():
        response = client.get(reverse(name, args=args(books)))
        assert response.status_code == 200, name
    for name, query in DOWNLOADS:
        response = client.get(reverse(name) + query)
        assert response.status_code == 200, name + query
        assert "html" not in response["Content-Type"] or "print" in query


def test_the_auditor_is_refused_every_change_and_nothing_changes(books):
    client = auditor_client(books)
    before = snapshot()
    for name, (args, data) in WRITES.items():
        url = reverse(name, args=args(books))
        expected_get = 405 if name in GET_REFUSED_BY_METHOD else 403
        assert client.get(url).status_code == expected_get, name
        assert client.post(url, data(books)).status_code == 403, name
    for name, args in OTHER_WRITES.items():
        url = reverse(name, args=args(books))
        assert client.post(url, {}).status_code == 403, name
    assert snapshot() == before


def test_a_read_page_refuses_the_auditor_any_method_but_get_and_head(books):
    client = auditor_client(books)
    before = snapshot()
    for name, args in READ_PAGES.items():
        url = reverse(name, args=args(books))
        assert client.head(url).status_code == 200, name
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url).status_code == 403, f"{method} {name}"
    # Approving every waiting change is a POST to a page she may read.
    assert client.post(reverse("lease_changes_pending"), {"all": "1"}).status_code == 403
    assert snapshot() == before
    books.change.refresh_from_db()
    assert books.change.status == "pending"


def test_the_full_flag_still_changes_through_a_read_page(books):
    client = Client()
    client.force_login(books.reviewer.user)  # not the accountant who proposed the change

    response = client.post(reverse("lease_changes_pending"), {"all": "1"})

    assert response.status_code == 302
    books.change.refresh_from_db()
    assert books.change.status == "approved"


def test_a_member_without_either_flag_is_refused_with_both_names(books):
    request = RequestFactory().get("/")
    request.user = books.read_only.user
    request.membership = books.read_only
    view = member_can_read(Permission.LEASE_ACCOUNTING)(lambda r: None)

    with pytest.raises(PermissionDenied) as refused:
        view(request)

    assert "“Allow access to lease accounting” or “Allow read-only access" in str(refused.value)


def test_the_auditor_sees_no_button_for_what_she_cannot_do(books):
    client = auditor_client(books)
    listing = client.get(reverse("lease_list")).content.decode()
    detail = client.get(reverse("lease_detail", args=[books.lease.pk])).content.decode()
    draft = client.get(reverse("lease_detail", args=[books.draft.pk])).content.decode()
    pending = client.get(reverse("lease_changes_pending")).content.decode()
    tieout = client.get(reverse("reports_tieout", args=[books.closed.pk])).content.decode()
    register = client.get(reverse("reports_register") + "?start=2026-01&end=2026-01")

    for url in ("lease_create", "lease_import", "portfolio_upload", "lease_changes_import",
                "accounting_defaults"):  # fmt: skip
        assert f'href="{reverse(url)}"' not in listing
    assert f'href="{reverse("lease_changes_pending")}"' in listing  # she may read it
    for url in ("lease_edit", "lease_variable_payments", "lease_change"):
        assert reverse(url, args=[books.lease.pk]) not in detail
    assert reverse("lease_change_approve", args=[books.change.pk]) not in detail
    assert reverse("lease_schedule_xlsx", args=[books.lease.pk]) in detail
    assert reverse("lease_activate", args=[books.draft.pk]) not in draft
    assert "Approve the ticked changes" not in pending
    assert reverse("reports_tieout_run", args=[books.closed.pk]) not in tieout
    assert register.status_code == 200
    assert "/close-books/entries/" not in register.content.decode()


def test_the_accountant_still_sees_every_button(books):
    client = Client()
    client.force_login(books.accountant.user)
    listing = client.get(reverse("lease_list")).content.decode()
    detail = client.get(reverse("lease_detail", args=[books.lease.pk])).content.decode()
    pending = client.get(reverse("lease_changes_pending")).content.decode()

    assert f'href="{reverse("lease_create")}"' in listing
    assert reverse("lease_change", args=[books.lease.pk]) in detail
    assert reverse("lease_change_withdraw", args=[books.change.pk]) in detail
    assert "Approve the ticked changes" in pending


def test_a_company_admin_grants_read_only_access_and_the_audit_log_names_it(personas):
    client = Client()
    client.force_login(personas.settings_admin.user)
    member = personas.read_only

    response = client.post(
        reverse("membership_edit", args=[member.pk]), {"can_view_lease_accounting": "on"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.flags() == dict.fromkeys(member.flags(), False) | {
        "can_view_lease_accounting": True
    }
    event = AuditEvent.objects.get(action="membership.flags")
    assert (
        event.before["can_view_lease_accounting"],
        event.after["can_view_lease_accounting"],
    ) == (
        False,
        True,
    )
    log = client.get(reverse("audit_log")).content.decode()
    assert "Lease accounting, read-only" in log


def test_an_invitation_can_give_read_only_access(personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = Client()
    client.force_login(personas.settings_admin.user)

    client.post(
        reverse("team_list"), {"email": "ida@example.com", "can_view_lease_accounting": "on"}
    )

    membership = Membership.objects.get(user__email="ida@example.com")
    assert membership.can_view_lease_accounting and not membership.can_access_lease_accounting
    page = client.get(reverse("team_list")).content.decode()
    assert 'data-label="Read-only lease accounting"' in page
