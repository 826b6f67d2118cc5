"""A small close runs in the request: an unexpected error there is a sentence on the page, as on
a worker, and the close runs are listed (read-only) in the admin."""

from django.test import Client
from django.urls import reverse

from closebooks import services
from closebooks.models import AccountingPeriod, CloseRun, JournalEntry
from closebooks.services import period_close_request, periods_ensure

from .conftest import JAN


def test_an_unexpected_error_in_a_small_close_is_a_sentence_and_freezes_nothing(books, monkeypatch):
    periods_ensure(company=books.company, through=JAN)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    assert not services.close_runs_in_background(jan)  # three leases close in the request

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "close_postings_flat", broken)
    client = Client(raise_request_exception=True)
    client.force_login(books.accountant.user)
    response = client.post(reverse("period_close", args=[jan.pk]), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("period_preview", args=[jan.pk]), 302)]
    page = response.content.decode()
    assert "stopped on an unexpected error and nothing was frozen" in page
    assert "disk on fire" not in page
    jan.refresh_from_db()
    assert not jan.is_closed and jan.close_version == 0
    assert not JournalEntry.objects.filter(period=jan).exists()


def test_close_runs_are_listed_read_only_in_the_admin(books, admin_client):
    periods_ensure(company=books.company, through=JAN)
    jan = AccountingPeriod.objects.get(company=books.company, start=JAN)
    period_close_request(period=jan, actor=books.accountant.user, expected_entries=3)
    run = CloseRun.objects.get()

    listing = admin_client.get(reverse("admin:closebooks_closerun_changelist"))
    assert listing.status_code == 200
    assert "Queued" in listing.content.decode() or "queued" in listing.content.decode()
    assert admin_client.get(reverse("admin:closebooks_closerun_add")).status_code == 403
    detail = admin_client.get(reverse("admin:closebooks_closerun_change", args=[run.pk]))
    assert detail.status_code == 200
    assert 'name="status"' not in detail.content.decode()  # nothing to edit
