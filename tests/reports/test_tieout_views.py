"""Tie-out pages and the failure path, without NetSuite: a sent period recorded in the ledger."""

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import EntryStatus, NetSuiteConnection, SyncEntry, SyncRun, SyncStatus
from integrations.netsuite.errors import AuthenticationError
from reports.models import TieOut, TieOutStatus
from reports.services import tieout_run, tieout_start
from tests.reports.conftest import JAN

NO_QUEUE = lambda pk: None  # noqa: E731


@pytest.fixture
def sent(books):
    """January recorded as sent to NetSuite (a connection and a completed run)."""
    NetSuiteConnection.objects.create(
        company=books.company,
        enabled=True,
        account_id="1234567_SB1",
        consumer_key_encrypted="x",
        consumer_secret_encrypted="x",
        token_id_encrypted="x",
        token_secret_encrypted="x",
    )
    period = books.periods[JAN]
    run = SyncRun.objects.create(
        company=books.company,
        period=period,
        close_version=period.close_version,
        status=SyncStatus.COMPLETED,
    )
    for n, entry in enumerate(period.journal_entries.all()):
        SyncEntry.objects.create(
            run=run, journal_entry=entry, external_key=entry.external_key,
            amount=entry.total_debit, status=EntryStatus.SENT, sent_at=timezone.now(),
            netsuite_internal_id=str(2000 + n),
        )  # fmt: skip
    books.period = period
    return books


class RefusingClient:
    """A NetSuite that refuses the credentials on the first query."""

    def suiteql(self, query, **kwargs):
        raise AuthenticationError("Invalid login attempt.", status_code=401, code="INVALID_LOGIN")

    def journal_entry_url(self, internal_id):
        return f"https://example.invalid/{internal_id}"


def test_netsuite_refusing_the_credentials_fails_the_tie_out_with_a_sentence(sent):
    tieout = tieout_start(period=sent.period, actor=sent.accountant.user, enqueue=NO_QUEUE)
    tieout = tieout_run(tieout.pk, client=RefusingClient())
    assert tieout.status == TieOutStatus.FAILED
    assert tieout.message.startswith("NetSuite could not be read:")
    assert not tieout.findings.exists()
    assert tieout_run(tieout.pk, client=RefusingClient()) is None  # finished: a replay is a no-op


def test_a_second_start_joins_the_running_tie_out(sent):
    first = tieout_start(period=sent.period, enqueue=NO_QUEUE)
    second = tieout_start(period=sent.period, enqueue=NO_QUEUE)
    assert first.pk == second.pk
    assert TieOut.objects.filter(period=sent.period).count() == 1


def test_pages_and_the_run_button(client, sent):
    client.force_login(sent.accountant.user)
    listing = client.get(reverse("reports_tieout_list"))
    assert listing.status_code == 200 and "Not run" in listing.content.decode()
    assert '<span class="badge idle">Not run</span>' in listing.content.decode()
    detail = reverse("reports_tieout", args=[sent.period.pk])
    assert "No tie-out has run" in client.get(detail).content.decode()
    response = client.post(reverse("reports_tieout_run", args=[sent.period.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    assert TieOut.objects.get(period=sent.period).status == TieOutStatus.RUNNING
    assert "Running" in client.get(detail).content.decode()
    listing = client.get(reverse("reports_tieout_list")).content.decode()
    assert '<span class="badge busy">Running</span>' in listing  # a result reads at a glance


def test_the_run_button_explains_why_an_unsynced_period_cannot_be_tied_out(client, books):
    client.force_login(books.accountant.user)
    march = books.periods[max(books.periods)]
    response = client.post(reverse("reports_tieout_run", args=[march.pk]), follow=True)
    assert "NetSuite is not connected for this company" in response.content.decode()
    assert not TieOut.objects.exists()


def test_other_members_and_companies_cannot_run_it(client, sent):
    url = reverse("reports_tieout_run", args=[sent.period.pk])
    client.force_login(sent.read_only.user)
    assert client.post(url).status_code == 403
    client.force_login(sent.outsider.user)
    assert client.post(url).status_code == 404
    assert not TieOut.objects.exists()


def test_rollforward_by_lease_pages_and_sorts(client, books, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "ROLL_ROWS_PER_PAGE", 2)
    client.force_login(books.accountant.user)
    url = "/accounting/reports/roll-forward/?start=2026-01&end=2026-03&group=lease"
    first = client.get(url + "&sort=-closing_liability").content.decode()
    assert "Rows 1–2 of 3" in first
    assert first.index("L-2 Lease L-2") < first.index("L-1 Lease L-1")  # L-2 owes the most
    second = client.get(url + "&sort=-closing_liability&page=2").content.decode()
    assert "Rows 3–3 of 3" in second


class PagedRest:
    """NetSuite's collection paging over a fixed list of rows, recording the offsets asked."""

    def __init__(self, rows: int, with_total: bool = True) -> None:
        self.rows = [{"id": str(n)} for n in range(rows)]
        self.with_total = with_total
        self.asked: list[int] = []

    def suiteql_page(self, query, *, limit, offset):
        from integrations.netsuite.rest import SuiteQLPage

        self.asked.append(offset)
        items = tuple(self.rows[offset : offset + limit])
        total = len(self.rows) if self.with_total else None
        return SuiteQLPage(items, offset, len(items), offset + limit < len(self.rows), total)

    def iter_suiteql(self, query, *, page_size):
        offset = 0
        while True:
            page = self.suiteql_page(query, limit=page_size, offset=offset)
            yield page
            if not page.has_more:
                return
            offset += len(page.items)


@pytest.mark.parametrize("with_total", [True, False])
def test_pages_after_the_first_are_read_side_by_side_and_kept_in_order(with_total):
    from types import SimpleNamespace

    from reports.services import Reader

    rest = PagedRest(2500, with_total=with_total)
    reader = Reader(SimpleNamespace(rest=rest), workers=4)
    (rows,) = reader.run_all(["SELECT id FROM transaction"])
    assert [r["id"] for r in rows] == [str(n) for n in range(2500)]
    assert reader.rows_read == 2500
    assert sorted(set(rest.asked)) == [0, 1000, 2000]


def test_the_close_wizard_lists_the_last_periods_differences_as_readiness(client, books):
    from reports.models import FindingKind, TieOutFinding

    march = books.periods[max(books.periods)]
    run = SyncRun.objects.create(
        company=books.company, period=march, close_version=march.close_version,
        status=SyncStatus.COMPLETED,
    )  # fmt: skip
    entry = march.journal_entries.first()
    SyncEntry.objects.create(
        run=run, journal_entry=entry, external_key=entry.external_key, amount=entry.total_debit,
        status=EntryStatus.SENT, sent_at=timezone.now(),
    )  # fmt: skip
    client.force_login(books.accountant.user)
    page = client.get(reverse("close_books")).content.decode()
    assert "Tie-out of Mar 2026" in page and "not run yet" in page

    tieout = TieOut.objects.create(
        company=books.company, period=march, close_version=march.close_version,
        status=TieOutStatus.FINDINGS, trigger="sync",
    )  # fmt: skip
    TieOutFinding.objects.create(
        tieout=tieout, kind=FindingKind.MANUAL_ENTRY, netsuite_id="9001", message="Manual."
    )
    page = client.get(reverse("close_books")).content.decode()
    assert "1 difference(s) with NetSuite" in page
    assert reverse("reports_tieout", args=[march.pk]) in page

    tieout.status = TieOutStatus.AGREES
    tieout.save(update_fields=["status"])
    assert "Tie-out of Mar 2026" not in client.get(reverse("close_books")).content.decode()
