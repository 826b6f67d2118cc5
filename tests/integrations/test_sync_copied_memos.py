"""An entry NetSuite already holds with a character no XML can carry (sent over REST before such
characters were refused) is still reversed and adjusted: the copied memo drops the character.
A refused entry's fix names our accounting period, not NetSuite's later one."""

import pytest

from integrations.models import (
    EntryAction,
    EntryStatus,
    NetSuiteConnection,
    RemovalMethod,
    SyncStatus,
)
from integrations.netsuite import payload
from integrations.netsuite.errors import InvalidCharacterError
from integrations.services.references import ReferenceResolver
from integrations.services.sync import _Ledger
from leases.models import Lease
from tests.factories import make_company, make_member
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)
from tests.integrations.test_lifecycle import (
    FEB_2026,
    JAN_2026,
    assert_netsuite_equals_our_books,
    change_payment,
    drop_lease,
    reclose,
    sync,
)

HELD_MEMO = "Lease HQ-2 Office\x01Tower · Jan 2026"


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def admin(company):
    return make_member(company, "ada", is_company_admin=True).user


@pytest.fixture
def sent_before_the_rule(company, admin, sandbox, monkeypatch):
    """Jan 2026 closed and sent over REST as before the rule: NetSuite holds HQ-2's entry with
    the control character its lease's name carried into the memo. Returns (period, HQ-2's key)."""
    for code in ("HQ-1", "HQ-2"):
        add_lease(company, code)
    Lease.objects.filter(company=company, code="HQ-2").update(name="Office\x01Tower")
    connect(company, sandbox)
    period = close_first_period(company, actor=admin)
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(payload, "check_texts", lambda entry: None)
        run = sync(period, admin)
    assert run.status == SyncStatus.COMPLETED, run.message
    (key,) = [e["externalId"] for e in sandbox.entries() if "HQ-2" in e["externalId"]]
    assert sandbox.entry_by_external_id(key)["memo"] == HELD_MEMO
    return period, key


@pytest.fixture
def jan_closed_in_netsuite(sandbox):
    yield lambda: sandbox.update_reference("accountingperiod", JAN_2026, closed=True)
    sandbox.update_reference("accountingperiod", JAN_2026, closed=False)


def test_the_reversal_of_an_entry_held_with_a_control_character_is_sent(
    company, admin, sandbox, sent_before_the_rule
):
    period, key = sent_before_the_rule
    NetSuiteConnection.objects.filter(company=company).update(removal_method=RemovalMethod.REVERSE)
    period = reclose(period, admin, drop_lease(company, "HQ-2"))

    run = sync(period, admin)

    assert run.status == SyncStatus.COMPLETED, run.message
    (row,) = run.entries.all()
    assert (row.action, row.status, row.error_code) == (EntryAction.REVERSE, EntryStatus.SENT, "")
    reversal = sandbox.entry_by_external_id(row.external_key)
    assert reversal["memo"] == f"Reversal of {key}: Lease HQ-2 OfficeTower · Jan 2026"
    assert sandbox.entry_by_external_id(key)["memo"] == HELD_MEMO  # left as NetSuite holds it
    assert_netsuite_equals_our_books(sandbox, period)


def test_the_adjustment_of_an_entry_held_with_a_control_character_is_sent(
    company, admin, sandbox, sent_before_the_rule, jan_closed_in_netsuite
):
    period, key = sent_before_the_rule
    jan_closed_in_netsuite()
    # The lease keeps its name: the rebuilt entry's memo holds the character too.
    period = reclose(period, admin, change_payment(company, "HQ-2", "1250.00"))

    run = sync(period, admin)

    assert run.status == SyncStatus.COMPLETED, run.message
    (row,) = run.entries.all()
    assert (row.action, row.status, row.netsuite_period) == (
        EntryAction.ADJUST,
        EntryStatus.SENT,
        "Feb 2026",
    )
    adjustment = sandbox.entry_by_external_id(row.external_key)
    assert adjustment["postingPeriod"] == FEB_2026
    assert adjustment["memo"] == f"Adjustment of {key}: Lease HQ-2 OfficeTower · Jan 2026"
    assert_netsuite_equals_our_books(sandbox, period)

    # Had the adjustment been refused for a character, the fix names our Jan 2026 (the period
    # that rebuilds the entry), not NetSuite's Feb 2026 where the adjustment posts.
    refused = InvalidCharacterError(
        external_id=row.external_key,
        field="its memo",
        field_path="memo",
        character="\x01",
        character_name="an invisible control character (code 1)",
        shown="[code 1]",
    )
    ledger = _Ledger(run, "token", client=None, resolver=ReferenceResolver(client=None))
    ledger._failed(row, refused)
    assert row.corrective_action == (
        "Remove the character from the text it came from (a lease's code or name, or a "
        "subsidiary's name), then ask an admin to reopen Jan 2026 and close it again so that "
        "the entry is rebuilt, and press Sync. Entries already in NetSuite are not sent twice."
    )
