"""The plan is made a chunk of entry keys at a time, and says the same as in one piece.

A re-sync or *Send again* folds the period's ledger and reads NetSuite back before it sends; the
ledger, our entries and the run's rows are read `PLAN_CHUNK` keys at a time, so memory does not
grow with the period (benchmarks/sync_period.py measures it at 5,000 and 20,000 entries). Here
the chunk is one or two keys, so every scenario crosses chunk boundaries, and the result is
checked against NetSuite's contents (the simulator, over HTTP) and against the plan in one piece.
"""

from __future__ import annotations

import pytest

from integrations.models import EntryAction, EntryStatus, NetSuiteConnection, RemovalMethod
from integrations.services import diff
from integrations.services.diff import period_plan
from tests.factories import make_company, make_member
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)
from tests.integrations.test_lifecycle import (
    assert_netsuite_equals_our_books,
    change_payment,
    drop_lease,
    keys,
    reclose,
    sandbox_delete,
    sync,
)

CODES = ("HQ-1", "HQ-2", "WH-3", "WH-4", "ST-5")


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def admin(company):
    return make_member(company, "ada", is_company_admin=True).user


@pytest.fixture
def synced(company, admin, sandbox):
    """Five leases closed in Jan 2026 and sent in one piece."""
    for code in CODES:
        add_lease(company, code)
    connect(company, sandbox)
    period = close_first_period(company, actor=admin)
    run = sync(period, admin)
    assert run.entries_sent == len(CODES)
    return period


@pytest.fixture
def ledger_reads(monkeypatch):
    """The key lists the ledger was read for (None: the whole period's ledger)."""
    reads: list[list[str] | None] = []
    real = diff.ledger_rows

    def ledger_rows(period, keys=None):
        reads.append(None if keys is None else list(keys))
        return real(period, keys)

    monkeypatch.setattr(diff, "ledger_rows", ledger_rows)
    return reads


def steps(plan) -> list[tuple]:
    return [(s.action, s.external_key, s.lines, s.tran_date) for s in plan.steps]


@pytest.mark.parametrize("chunk", [1, 2])
def test_send_again_reads_the_ledger_a_chunk_at_a_time_and_sends_only_what_is_missing(
    company, admin, sandbox, synced, ledger_reads, monkeypatch, chunk
):
    gone = keys(sandbox)[2], keys(sandbox)[4]
    for external_id in gone:
        sandbox_delete(sandbox, external_id)  # someone deleted them inside NetSuite
    monkeypatch.setattr(diff, "PLAN_CHUNK", chunk)
    ledger_reads.clear()

    run = sync(synced, admin, resend=True)

    assert sorted((r.external_key, r.action, r.status) for r in run.entries.all()) == [
        (key, EntryAction.ADD, EntryStatus.SENT) for key in gone
    ]
    assert "2 entries were missing there" in run.message
    assert all(key in run.message for key in gone)
    # The press and the worker each read the ledger once per chunk, never the whole of it.
    assert ledger_reads and None not in ledger_reads
    assert max(len(read) for read in ledger_reads) == chunk
    assert len(ledger_reads) == 2 * -(-len(CODES) // chunk)
    assert_netsuite_equals_our_books(sandbox, synced)


@pytest.mark.parametrize("method", [RemovalMethod.DELETE, RemovalMethod.REVERSE])
def test_a_reclose_planned_by_chunks_is_the_plan_in_one_piece_and_lands_once(
    company, admin, sandbox, synced, monkeypatch, method
):
    NetSuiteConnection.objects.filter(company=company).update(removal_method=method)

    def changes():
        drop_lease(company, "HQ-2")()
        change_payment(company, "WH-4", "2150.00")()
        add_lease(company, "NEW-6")

    period = reclose(synced, admin, changes)
    whole = steps(period_plan(period, removal_method=method))
    monkeypatch.setattr(diff, "PLAN_CHUNK", 1)
    assert steps(period_plan(period, removal_method=method)) == whole
    assert sorted(action for action, *_ in whole) == sorted(
        [
            EntryAction.DELETE if method == RemovalMethod.DELETE else EntryAction.REVERSE,
            EntryAction.UPDATE,
            EntryAction.ADD,
        ]
    )

    run = sync(period, admin)

    assert run.entries_sent == run.entries_total == 3
    assert_netsuite_equals_our_books(sandbox, period)
