"""An entry frozen with a character no XML can carry (its lease was named before input refused
it) fails alone, with a sentence, over SOAP as over REST; the rest of the period is sent once."""

import pytest

from closebooks.models import JournalEntry, JournalLine
from closebooks.services import period_close, period_reopen
from integrations.models import EntryStatus, SyncRun, SyncStatus
from integrations.services.sync import period_sync_start, sync_run_process
from leases.models import Lease
from tests.factories import make_company, make_member, make_user
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda run_id: None  # noqa: E731 - the tests run the worker's body themselves


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def user(db):
    return make_user("fiona", first_name="Fiona", last_name="Finance")


def _frozen_with_bad_characters(company):
    """Five leases closed in Jan 2026: HQ-2's name holds a control character (so does its
    entry's memo), and a line memo of HQ-4's frozen entry holds U+FFFE."""
    for code in ("HQ-1", "HQ-2", "HQ-3", "HQ-4", "HQ-5"):
        add_lease(company, code)
    Lease.objects.filter(company=company, code="HQ-2").update(name="Office\x01Tower")
    period = close_first_period(company)
    line = JournalLine.objects.filter(entry__company=company, entry__lease_code="HQ-4")
    line.filter(line_no=2).update(memo="Straight-line\ufffe expense")
    return period


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_an_entry_frozen_with_a_character_xml_cannot_carry_fails_alone_with_a_sentence(
    company, user, sandbox, settings, transport
):
    settings.NETSUITE_SOAP_BATCH_SIZE = 3  # HQ-2 and HQ-4 would travel with good entries
    period = _frozen_with_bad_characters(company)
    connect(company, sandbox, transport=transport)

    run = sync_run_process(period_sync_start(period=period, actor=user, enqueue=NO_QUEUE).pk)

    assert run.status == SyncStatus.FAILED
    assert (run.entries_total, run.entries_sent, run.entries_failed) == (5, 3, 2)
    assert "2 of 5 entries were not accepted" in run.message
    sent = run.entries.filter(status=EntryStatus.SENT)
    assert sorted(e["externalId"] for e in sandbox.entries()) == sorted(
        sent.values_list("external_key", flat=True)
    )
    hq2 = run.entries.get(journal_entry__lease_code="HQ-2")
    hq4 = run.entries.get(journal_entry__lease_code="HQ-4")
    assert (hq2.status, hq4.status) == (EntryStatus.FAILED, EntryStatus.FAILED)
    assert (hq2.error_code, hq4.error_code) == ("INVALID_CHARACTER", "INVALID_CHARACTER")
    memo = JournalEntry.objects.get(pk=hq2.journal_entry_id).memo
    assert hq2.error_message == (
        f"Journal entry {hq2.external_key} was not sent: its memo contains an invisible "
        "control character (code 1), which NetSuite cannot accept: "
        f"“{memo.replace(chr(1), '[code 1]')}”."
    )
    assert hq4.error_message == (
        f"Journal entry {hq4.external_key} was not sent: the memo of line 2 contains an "
        "invisible non-character (U+FFFE), which NetSuite cannot accept: "
        "“Straight-line[U+FFFE] expense”."
    )
    assert hq2.corrective_action == (
        "Remove the character from the text it came from (a lease's code or name, or a "
        "subsidiary's name), then ask an admin to reopen Jan 2026 and close it again so that "
        "the entry is rebuilt, and press Sync. Entries already in NetSuite are not sent twice."
    )
    assert hq2.fix_url == ""  # no NetSuite mapping to fix
    assert sandbox.entry_by_external_id(hq2.external_key) is None
    assert sandbox.entry_by_external_id(hq4.external_key) is None
    assert SyncRun.objects.count() == 1

    # The fix the sentence gives: correct the name, reopen, close again, Sync.
    Lease.objects.filter(company=company, code="HQ-2").update(name="Office Tower")
    admin = make_member(company, "ada", is_company_admin=True).user
    period_reopen(period=period, actor=admin, reason="A lease name held a control character")
    period.refresh_from_db()
    period_close(period=period, actor=admin)
    period.refresh_from_db()
    run = sync_run_process(period_sync_start(period=period, actor=user, enqueue=NO_QUEUE).pk)

    assert run.status == SyncStatus.COMPLETED, run.message
    in_netsuite = [e["externalId"] for e in sandbox.entries()]
    assert len(in_netsuite) == len(set(in_netsuite)) == 5  # each entry exactly once
    assert {hq2.external_key, hq4.external_key} <= set(in_netsuite)
    assert sandbox.entry_by_external_id(hq2.external_key)["memo"] == (
        "Lease HQ-2 Office Tower · Jan 2026"
    )
