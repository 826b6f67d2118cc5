"""The tie-out's account balance check: each lease account's balance per subsidiary as of the
period's end, since go-live, in NetSuite (every posting, any period) against our trial balance.

January and February 2026 are closed and synced to the simulator; February is tied out. Journals
entered inside NetSuite in January (an earlier period) or before go-live are what differ or not.
"""

from datetime import date
from decimal import Decimal

import pytest

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from integrations.models import NetSuiteConnection, SyncStatus
from integrations.netsuite.payload import JournalEntryData, JournalLineData
from integrations.services.connection import netsuite_client
from integrations.services.references import ReferenceResolver
from integrations.services.sync import period_sync_start, sync_run_process
from netsuite_sandbox.testing import running_sandbox
from reports.models import FindingKind, TieOutStatus
from reports.selectors import trial_balance
from reports.services import books_start, tieout_run, tieout_start
from tests.factories import make_company, make_user
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)
from tests.sandbox_address import simulator_allowed

NO_QUEUE = lambda pk: None  # noqa: E731 - the tests run the task bodies themselves
SUBSIDIARY = "Occupier Demo Inc."


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    with (
        running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox,
        simulator_allowed(sandbox.base_url),
    ):
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()


def sync(period, user) -> None:
    run = sync_run_process(period_sync_start(period=period, actor=user, enqueue=NO_QUEUE).pk)
    assert run.status == SyncStatus.COMPLETED


@pytest.fixture
def february(db, sandbox):
    """A company with January and February 2026 (two leases) closed and sent to the simulator."""
    company = make_company()
    set_up_netsuite_accounting(company)
    for code in ("HQ-1", "WH-2"):
        add_lease(company, code)
    connect(company, sandbox)
    user = make_user("fiona")
    sync(close_first_period(company, user), user)
    periods_ensure(company=company, through=date(2026, 2, 1))
    period = AccountingPeriod.objects.get(company=company, start=date(2026, 2, 1))
    period_close(period=period, actor=user)
    period.refresh_from_db()
    sync(period, user)
    return company, period, user


def manual_journal(company, day: date, external_id: str, amount: Decimal) -> None:
    """A journal entered in NetSuite by someone else: debit ROU asset, credit lease liability."""
    client = netsuite_client(NetSuiteConnection.objects.get(company=company))
    resolver = ReferenceResolver(client)
    client.upsert_journal_entry(
        JournalEntryData(
            external_id=external_id,
            subsidiary_id=resolver.resolve("subsidiary", SUBSIDIARY),
            currency_id=resolver.resolve("currency", "USD"),
            tran_date=day,
            memo="Manual true-up",
            lines=(
                JournalLineData(resolver.resolve("account", "1410"), amount, None),
                JournalLineData(resolver.resolve("account", "2310"), None, amount),
            ),
        )
    )


def tie_out(period, user):
    return tieout_run(tieout_start(period=period, actor=user, enqueue=NO_QUEUE).pk)


def test_balances_since_go_live_agree_and_a_journal_before_go_live_is_not_compared(february):
    company, period, user = february
    # Before our books start (December 2025): a previous system's balance, not ours to compare.
    manual_journal(company, date(2025, 12, 15), "LEGACY-OPENING-1", Decimal("5000.00"))

    tieout = tie_out(period, user)

    assert tieout.status == TieOutStatus.AGREES, list(tieout.findings.values_list("message"))
    # Our balances span both periods (not only February's activity), and they agreed.
    balances = {r.account_number: r.closing for r in trial_balance(company, period.start)}
    assert balances["2310"] < 0 and balances["1410"] > 0


def test_a_journal_in_an_earlier_period_moves_the_balance_and_is_found(february):
    company, period, user = february
    ours = {r.account_number: r.closing for r in trial_balance(company, period.start)}
    manual_journal(company, date(2026, 1, 20), "MANUAL-JAN-1", Decimal("250.00"))

    tieout = tie_out(period, user)

    assert tieout.status == TieOutStatus.FINDINGS
    # Not a journal of February: only the balance check sees it.
    assert not tieout.findings.filter(kind=FindingKind.MANUAL_ENTRY).exists()
    found = {f.account_number: f for f in tieout.findings.filter(kind=FindingKind.BALANCE_DIFFERS)}
    assert set(found) == {"1410", "2310"}
    rou, liability = found["1410"], found["2310"]
    assert (rou.subsidiary, rou.ours, rou.theirs) == (
        SUBSIDIARY,
        ours["1410"],
        ours["1410"] + Decimal("250.00"),
    )
    assert liability.theirs - liability.ours == Decimal("-250.00")
    assert "difference 250.00" in rou.message and "since go-live (Jan 2026)" in rou.message
    assert tieout.findings.count() == 2


def test_our_books_start_at_go_live_or_else_at_the_first_closed_period(february):
    company, period, _ = february
    assert books_start(period) == date(2026, 1, 1)  # no go-live date: January, the first close
    company.go_live_date = date(2025, 12, 15)
    company.save(update_fields=["go_live_date"])
    period.company.refresh_from_db()
    assert books_start(period) == date(2025, 12, 1)  # the go-live month
