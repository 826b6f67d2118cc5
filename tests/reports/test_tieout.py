"""End to end: sync a period to the simulator, change it inside NetSuite, and the tie-out finds it.

Everything runs over real HTTP against the simulator; the sync and the tie-out bodies are called
directly (the Celery wiring is checked separately by the hook test).
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from integrations.models import NetSuiteConnection, SyncStatus
from integrations.netsuite.payload import JournalEntryData, JournalLineData
from integrations.services.connection import netsuite_client
from integrations.services.references import ReferenceResolver
from integrations.services.sync import period_sync_start, sync_run_process
from netsuite_sandbox.testing import running_sandbox
from reports.hooks import tieout_readiness
from reports.models import FindingKind, TieOutStatus
from reports.services import TieOutNotPossible, tieout_run, tieout_start
from tests.factories import make_company, make_user
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)
from tests.sandbox_address import simulator_allowed

NO_QUEUE = lambda pk: None  # noqa: E731 - the tests run the task bodies themselves


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


@pytest.fixture
def synced(db, sandbox):
    """A company whose January 2026 (two leases) is closed and sent to the simulator."""
    company = make_company()
    set_up_netsuite_accounting(company)
    for code in ("HQ-1", "WH-2"):
        add_lease(company, code)
    connect(company, sandbox)
    user = make_user("fiona")
    period = close_first_period(company, user)
    run = sync_run_process(period_sync_start(period=period, actor=user, enqueue=NO_QUEUE).pk)
    assert run.status == SyncStatus.COMPLETED
    return company, period, user


def tie_out(period, user=None):
    return tieout_run(tieout_start(period=period, actor=user, enqueue=NO_QUEUE).pk)


def test_a_freshly_synced_period_agrees_with_netsuite(synced):
    company, period, user = synced
    tieout = tie_out(period, user)
    assert tieout.status == TieOutStatus.AGREES, list(tieout.findings.values_list("message"))
    assert tieout.entries_checked == 2
    assert tieout.lines_read > 0


def test_the_tie_out_finds_an_entry_changed_in_netsuite_and_a_manual_entry(synced, sandbox):
    company, period, user = synced
    client = netsuite_client(NetSuiteConnection.objects.get(company=company))
    resolver = ReferenceResolver(client)
    entry = period.journal_entries.order_by("external_key").first()
    lines = list(entry.lines.order_by("line_no"))

    def ns_line(line, bump=Decimal(0)) -> JournalLineData:
        account = resolver.resolve("account", line.account_number)
        if line.debit:
            return JournalLineData(account, line.debit + bump, None)
        return JournalLineData(account, None, line.credit + bump)

    # Someone edits our entry in NetSuite: 100.00 more on its first debit and first credit.
    first_debit = next(i for i, line in enumerate(lines) if line.debit)
    first_credit = next(i for i, line in enumerate(lines) if line.credit)
    edited = [
        ns_line(line, Decimal(100) if i in (first_debit, first_credit) else Decimal(0))
        for i, line in enumerate(lines)
    ]
    ours = JournalEntryData(
        external_id=entry.external_key,
        subsidiary_id=resolver.resolve("subsidiary", entry.subsidiary),
        currency_id=resolver.resolve("currency", entry.currency),
        tran_date=entry.tran_date,
        memo=entry.memo,
        lines=tuple(edited),
    )
    client.upsert_journal_entry(ours)
    # And someone posts a manual journal to the lease liability and ROU accounts.
    rou = next(line for line in lines if line.account_number == "1410")
    liability = next(line for line in lines if line.account_number == "2310")
    manual = replace(
        ours,
        external_id="MANUAL-TRUE-UP-1",
        memo="Manual true-up",
        lines=(
            JournalLineData(resolver.resolve("account", rou.account_number), Decimal(250), None),
            JournalLineData(
                resolver.resolve("account", liability.account_number), None, Decimal(250)
            ),
        ),
    )
    manual_id = client.upsert_journal_entry(manual).internal_id

    tieout = tie_out(period, user)

    assert tieout.status == TieOutStatus.FINDINGS
    by_kind = {}
    for finding in tieout.findings.all():
        by_kind.setdefault(finding.kind, []).append(finding)
    (changed,) = by_kind[FindingKind.ENTRY_CHANGED]
    assert changed.journal_entry_id == entry.pk
    assert changed.theirs - changed.ours == Decimal(100)
    assert changed.netsuite_url.endswith(f"id={changed.netsuite_id}")
    amounts = {f.account_number: f.theirs - f.ours for f in by_kind[FindingKind.AMOUNT_DIFFERS]}
    assert sorted(amounts.values()) == [Decimal(-100), Decimal(100)]
    (found_manual,) = by_kind[FindingKind.MANUAL_ENTRY]
    assert found_manual.netsuite_id == str(manual_id)
    assert found_manual.theirs == Decimal(0)  # 250 debit and 250 credit on lease accounts
    assert "1410" in found_manual.account_number and "2310" in found_manual.account_number
    balances = {f.account_number for f in by_kind[FindingKind.BALANCE_DIFFERS]}
    assert {"1410", "2310"} <= balances

    # The next close lists the differences as a readiness item.
    period_after = period.company.accounting_periods.filter(start__gt=period.start).first()
    if period_after is None:
        from closebooks.services import periods_ensure

        periods_ensure(company=company)
        period_after = period.company.accounting_periods.filter(start__gt=period.start).first()
    (notice,) = tieout_readiness(period_after)
    assert "difference" in notice.reason and str(period.pk) in notice.url


def test_the_tie_out_finds_an_entry_deleted_in_netsuite(synced):
    company, period, user = synced
    client = netsuite_client(NetSuiteConnection.objects.get(company=company))
    entry = period.journal_entries.order_by("external_key").last()
    client.delete_journal_entry(entry.external_key)

    tieout = tie_out(period, user)

    assert tieout.status == TieOutStatus.FINDINGS
    (deleted,) = tieout.findings.filter(kind=FindingKind.ENTRY_DELETED)
    assert deleted.journal_entry_id == entry.pk and deleted.ours == entry.total_debit
    assert "no longer has it" in deleted.message
    # Its lines are missing from NetSuite's balances too.
    assert tieout.findings.filter(kind=FindingKind.BALANCE_DIFFERS).exists()
    assert not tieout.findings.filter(kind=FindingKind.MANUAL_ENTRY).exists()


def test_an_open_or_unsynced_period_cannot_be_tied_out(db, sandbox):
    company = make_company()
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    with pytest.raises(TieOutNotPossible, match="press Sync"):
        tieout_start(period=period, enqueue=NO_QUEUE)
    assert not period.tieouts.exists()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_completed_sync_queues_a_tie_out_on_commit(
    db, sandbox, monkeypatch, django_capture_on_commit_callbacks, settings, enabled
):
    from reports import tasks

    settings.TIEOUT_AFTER_SYNC = enabled
    queued, kept = [], []
    monkeypatch.setattr(tasks.tieout_after_sync_task, "delay", queued.append)
    monkeypatch.setattr(tasks.period_facts_task, "delay", kept.append)
    company = make_company()
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-1")
    connect(company, sandbox)
    period = close_first_period(company)
    run = period_sync_start(period=period, actor=None, enqueue=NO_QUEUE)
    with django_capture_on_commit_callbacks(execute=True):
        sync_run_process(run.pk)
    assert queued == ([period.pk] if enabled else [])
    assert kept == [[period.pk]]  # the period's lease figures are kept for the reports either way


def test_changed_lines_and_a_manual_journal_entered_inside_netsuite_are_found_line_by_line(
    synced, sandbox
):
    """Someone in NetSuite edits one line of our entry and enters a journal of their own to a
    lease account (the simulator's admin API stands in for NetSuite's UI); the tie-out names
    the entry, the line, ours and theirs, and the journal."""
    company, period, user = synced
    entry = period.journal_entries.order_by("external_key").first()
    ours = list(entry.lines.order_by("line_no"))
    stored = sandbox.entry_by_external_id(entry.external_key)
    # NetSuite numbers the lines from 0 in the order we sent them: line i is our i-th line.
    debit_at = next(i for i, line in enumerate(ours) if line.debit)
    credit_at = next(i for i, line in enumerate(ours) if line.credit)
    bumped_debit = ours[debit_at].debit + Decimal("12.34")
    bumped_credit = ours[credit_at].credit + Decimal("12.34")
    sandbox.edit_entry(
        stored["id"],
        [{"line": debit_at, "debit": str(bumped_debit)},
         {"line": credit_at, "credit": str(bumped_credit)}],
    )  # fmt: skip
    liability = next(line for line in stored["lines"] if line["line"] == credit_at)["account"]
    manual = sandbox.post_entry(
        {
            "subsidiary": {"id": str(stored["subsidiary"])},
            "tranDate": period.end.isoformat(),
            "memo": "Rent true-up keyed by hand",
            "line": {"items": [{"account": {"id": str(liability)}, "debit": "75.00"},  # 1000 Cash:
                               {"account": {"id": "101"}, "credit": "75.00"}]},
        }
    )  # fmt: skip

    tieout = tie_out(period, user)

    assert tieout.status == TieOutStatus.FINDINGS
    (changed,) = tieout.findings.filter(kind=FindingKind.ENTRY_CHANGED)
    assert (changed.journal_entry_id, changed.netsuite_id) == (entry.pk, str(stored["id"]))
    assert "2 of its lines" in changed.message
    lines = {
        f.line_no: f
        for f in tieout.findings.filter(kind=FindingKind.AMOUNT_DIFFERS, journal_entry=entry)
    }
    debit_line, credit_line = ours[debit_at], ours[credit_at]
    assert set(lines) == {debit_line.line_no, credit_line.line_no}
    assert (lines[debit_line.line_no].ours, lines[debit_line.line_no].theirs) == (
        debit_line.debit,
        bumped_debit,
    )
    assert (lines[credit_line.line_no].ours, lines[credit_line.line_no].theirs) == (
        -credit_line.credit,
        -bumped_credit,
    )
    assert lines[debit_line.line_no].account_number == debit_line.account_number
    assert f"Line {debit_line.line_no} of {entry.external_key}" in lines[debit_line.line_no].message
    (found,) = tieout.findings.filter(kind=FindingKind.MANUAL_ENTRY)
    assert (found.netsuite_id, found.netsuite_tranid) == (str(manual["id"]), manual["tranId"])
    assert found.theirs == Decimal("75.00")
    assert found.netsuite_url.endswith(f"id={manual['id']}")
    assert credit_line.account_number in found.account_number
    balances = {f.account_number for f in tieout.findings.filter(kind=FindingKind.BALANCE_DIFFERS)}
    assert {debit_line.account_number, credit_line.account_number} <= balances


def test_an_edit_inside_netsuite_that_does_not_balance_is_refused_by_the_simulator(synced, sandbox):
    from netsuite_sandbox.testing import SandboxError

    company, period, user = synced
    stored = sandbox.entry_by_external_id(period.journal_entries.first().external_key)
    debit = next(line for line in stored["lines"] if line["debit"])
    with pytest.raises(SandboxError, match="out of balance"):
        sandbox.edit_entry(stored["id"], [{"line": debit["line"], "debit": "1.00"}])
    assert sandbox.entry_by_external_id(stored["externalId"])["lines"] == stored["lines"]


def test_line_differences_pair_lines_by_position_or_by_what_is_left():
    from reports.services import NetSuiteLine, OurLine, line_differences

    D = Decimal
    ours = [OurLine(1, "1410", D(100), D(0)), OurLine(2, "2310", D(0), D(60)),
            OurLine(3, "2150", D(0), D(40))]  # fmt: skip
    label = {"10": "1410", "20": "2310", "30": "2150", "99": "9999"}.get

    def line(n, account, debit, credit):
        return NetSuiteLine("7", n, account, D(debit), D(credit))

    def rows(diffs):
        return [(d.line_no, d.account, d.ours, d.theirs, d.what) for d in diffs]

    same = [line(0, "10", 100, 0), line(1, "20", 0, 60), line(2, "30", 0, 40)]
    assert line_differences(ours, same, label) == []
    # Line IDs still 0…n−1: line i is our i-th (an amount, then an account, changed).
    edited = [line(0, "10", 100, 0), line(1, "20", 0, 70), line(2, "99", 0, 30)]
    assert rows(line_differences(ours, edited, label)) == [
        (2, "2310", D(-60), D(-70), "the amount was changed"),
        (3, "2150", D(-40), D(-30), "NetSuite has it on account 9999"),
    ]
    # A line removed and two added: identical lines pair first, then by account.
    reshaped = [line(0, "10", 100, 0), line(1, "20", 0, 70), line(2, "99", 0, 20),
                line(3, "99", 0, 10)]  # fmt: skip
    assert rows(line_differences(ours, reshaped, label)) == [
        (2, "2310", D(-60), D(-70), "the amount was changed"),
        (3, "2150", D(-40), None, "NetSuite no longer has it"),
        (None, "9999", None, D(-20), "it was added in NetSuite"),
        (None, "9999", None, D(-10), "it was added in NetSuite"),
    ]
    # As many lines, but line 1 was removed and a line added (a new ID): not paired by position.
    swapped = [line(0, "10", 100, 0), line(2, "30", 0, 40), line(3, "20", 0, 65)]
    assert rows(line_differences(ours, swapped, label)) == [
        (2, "2310", D(-60), D(-65), "the amount was changed"),
    ]
