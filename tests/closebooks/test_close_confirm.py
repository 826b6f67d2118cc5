"""Close & Lock asks once, showing what will be frozen: entries and totals per currency."""

import re

from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from closebooks.models import AccountingPeriod, JournalEntry
from closebooks.selectors import period_preview
from closebooks.services import periods_ensure
from tests.closebooks.conftest import JAN, MAR
from tests.leases.factories import make_lease
from tests.permissions import AM, R, Route, X, check_matrix, everyone


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def jan_of(books) -> AccountingPeriod:
    periods_ensure(company=books.company, through=MAR)
    return AccountingPeriod.objects.get(company=books.company, start=JAN)


def test_the_confirmation_lists_the_entries_and_the_totals_of_each_currency(books):
    jan = jan_of(books)
    preview = period_preview(jan)
    ((currency, debit, credit),) = preview.currency_totals

    page = client_for(books.accountant).get(reverse("period_close_confirm", args=[jan.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert f"3 journal entries with {preview.line_count} lines, dated 31 Jan 2026" in html
    row = re.search(r'<table class="grid" id="close-totals">.*?</table>', html, re.S).group(0)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells == [currency, "3", f"{debit:,.2f} {currency}", f"{credit:,.2f} {currency}"]
    assert 'name="expected_entries" value="3"' in html
    assert JournalEntry.objects.count() == 0  # asking freezes nothing


def test_a_draft_lease_is_named_on_the_preview_and_again_on_the_confirmation(books):
    make_lease(books.company, code="D-9", status="draft")
    jan = jan_of(books)
    client = client_for(books.accountant)
    for page in ("period_preview", "period_close_confirm"):
        html = client.get(reverse(page, args=[jan.pk])).content.decode()
        assert "1 lease needs a look before Jan 2026 is closed:" in html, page
        assert ">D-9</a>" in html and "Still in Draft" in html, page


def test_the_preview_asks_through_the_confirmation_instead_of_closing_at_once(books):
    jan = jan_of(books)
    html = client_for(books.accountant).get(reverse("period_preview", args=[jan.pk])).content
    assert reverse("period_close_confirm", args=[jan.pk]).encode() in html
    assert f'action="{reverse("period_close", args=[jan.pk])}"'.encode() not in html


def test_confirming_closes_once(books):
    jan = jan_of(books)
    client = client_for(books.accountant)

    response = client.post(reverse("period_close", args=[jan.pk]), {"expected_entries": "3"})

    assert response.url == reverse("period_entries", args=[jan.pk])
    assert JournalEntry.objects.filter(period=jan).count() == 3


def test_a_period_that_changed_after_the_confirmation_is_shown_again_not_closed(books):
    jan = jan_of(books)
    client = client_for(books.accountant)
    client.get(reverse("period_close_confirm", args=[jan.pk]))
    make_lease(books.company, code="L-4", amount="99.00", commencement=JAN)  # a fourth entry

    response = client.post(reverse("period_close", args=[jan.pk]), {"expected_entries": "3"})

    assert response.url == reverse("period_close_confirm", args=[jan.pk])
    assert (
        JournalEntry.objects.count(),
        AuditEvent.objects.filter(action="period.close").count(),
    ) == (0, 0)


def test_only_lease_accounting_may_open_the_confirmation(books):
    jan = jan_of(books)
    routes = [
        Route(
            "close confirmation",
            lambda p: reverse("period_close_confirm", args=[jan.pk]),
            everyone(403, **{AM: 200, R: 200, X: 404}),
        )
    ]
    assert check_matrix(books, routes) == []


def test_a_change_waiting_for_approval_in_the_month_takes_close_and_lock_away(books):
    from datetime import date

    from closebooks.services import period_close
    from leases.change_services import lease_change_create
    from leases.models import Lease
    from leases.selectors import leases_with_terms

    period_close(period=jan_of(books), actor=books.accountant.user)
    feb = AccountingPeriod.objects.get(company=books.company, start=date(2026, 2, 1))
    lease = leases_with_terms(Lease.objects.filter(company=books.company, code="L-1")).get()
    lease_change_create(
        lease=lease,
        actor=books.accountant.user,
        kind="index",
        effective=date(2026, 2, 15),
        details={"payments": [{"amount": "1040.00"}]},
        reason="CPI",
    )
    client = client_for(books.accountant)
    confirm = reverse("period_close_confirm", args=[feb.pk])
    # The close would be refused (closebooks.services.period_close): no button leads there.
    preview = client.get(reverse("period_preview", args=[feb.pk])).content.decode()
    assert "waits for approval: a colleague approves it" in preview
    assert confirm not in preview
    page = client.get(confirm).content.decode()
    assert "Feb 2026 cannot be closed yet: a change dated in Feb 2026 or earlier" in page
    assert "CH1" in page and ">L-1</a>" in page
    assert 'name="expected_entries"' not in page  # no Close & Lock form
