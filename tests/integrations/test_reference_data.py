"""Discovery of NetSuite's reference data and pre-flight checks, against the simulator."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from integrations.models import (
    NetSuiteRecord,
    RecordType,
    ReferenceMapping,
    ReferenceRefresh,
    RefreshStatus,
    SyncRun,
    SyncStatus,
)
from integrations.services.discovery import (
    TABLES,
    reference_data_refresh,
    reference_refresh_run,
    reference_refresh_start,
)
from integrations.services.mappings import reference_mapping_save
from integrations.services.preflight import period_preflight
from integrations.services.sync import PreflightFailed, period_sync_start, sync_run_process
from tests.factories import make_company, make_user
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda pk: None  # noqa: E731 - the tests run the worker's body themselves

LEGACY_OPS = "Department 'Legacy Ops' (internal ID 3) was not found in NetSuite."


@pytest.fixture
def company(db):
    company = make_company()
    set_up_netsuite_accounting(company)
    return company


@pytest.fixture
def fiona(db):
    return make_user("fiona", first_name="Fiona", last_name="Finance")


@pytest.fixture
def change(sandbox):
    """Change a reference record in the simulator for one test; boolean flags are put back."""
    changed = []

    def apply(rtype, record_id, **changes):
        changed.append((rtype, record_id, changes))
        return sandbox.update_reference(rtype, record_id, **changes)

    yield apply
    for rtype, record_id, changes in reversed(changed):
        sandbox.update_reference(rtype, record_id, **{k: not v for k, v in changes.items()})


def record(company, record_type, internal_id):
    return NetSuiteRecord.objects.get(
        company=company, record_type=record_type, internal_id=internal_id
    )


# --- Discovery -----------------------------------------------------------------------------


def test_discovery_reads_every_table_over_several_pages(company, sandbox):
    connect(company, sandbox)
    before = sandbox.request_count()

    refresh = reference_data_refresh(company=company, page_size=2)

    assert refresh.status == RefreshStatus.COMPLETED
    assert (refresh.tables_done, refresh.tables_total) == (len(TABLES), 8)
    seen = {kind: counts["seen"] for kind, counts in refresh.counts.items()}
    assert seen == {
        "subsidiary": 2,
        "currency": 3,
        "account": 19,
        "department": 4,
        "class": 3,
        "location": 3,
        "accountingperiod": 36,
        "vendor": 4,
    }
    # Pages of two rows: 1 + 2 + 8 + 2 + 2 + 2 + 18 + 2 SuiteQL requests.
    assert sandbox.request_count() - before == 39
    assert NetSuiteRecord.objects.filter(company=company).count() == 74
    account = record(company, RecordType.ACCOUNT, "104")
    assert (account.key, account.name, account.subsidiary_ids) == (
        "1410",
        "Right-of-use asset - operating",
        ["1", "2"],
    )
    assert record(company, RecordType.ACCOUNT, "115").is_inactive
    assert record(company, RecordType.DEPARTMENT, "3").is_inactive
    assert record(company, RecordType.DEPARTMENT, "4").subsidiary_ids == ["2"]
    assert record(company, RecordType.SUBSIDIARY, "2").extra == {"currency": "2", "parent": "1"}
    jan_2025 = record(company, RecordType.PERIOD, "101")
    assert jan_2025.key == "Jan 2025"
    assert jan_2025.extra["startdate"] == "2025-01-01" and jan_2025.extra["enddate"] == "2025-01-31"
    assert jan_2025.extra["closed"] is True and jan_2025.extra["alllocked"] is True
    assert record(company, RecordType.PERIOD, "102").extra["closed"] is False
    assert record(company, RecordType.VENDOR, "503").subsidiary_ids == ["2"]
    assert AuditEvent.objects.filter(action="integration.reference_refresh_completed").count() == 1


def test_a_second_refresh_writes_only_what_changed_and_keeps_mappings(
    company, sandbox, change, fiona
):
    connect(company, sandbox)
    reference_data_refresh(company=company)
    reference_mapping_save(
        company=company,
        actor=fiona,
        kind="department",
        our_value="Ops",
        netsuite_value="Facilities",
        netsuite_internal_id="2",
    )
    change("department", 2, isinactive=True)

    refresh = reference_data_refresh(company=company)

    assert refresh.counts["department"] == {
        "seen": 4,
        "new": 0,
        "changed": 1,
        "missing": 0,
        "inactive": 2,
    }
    assert all(refresh.counts[k]["changed"] == 0 for k in refresh.counts if k != "department")
    assert record(company, RecordType.DEPARTMENT, "2").is_inactive
    assert (
        ReferenceMapping.objects.get(company=company, our_value="Ops").netsuite_internal_id == "2"
    )


class StubClient:
    """A NetSuite whose SuiteQL answers come from a dict: table name -> rows."""

    def __init__(self, rows):
        self.rows = rows

    def suiteql(self, query, page_size=1000, max_pages=None):
        table = query.split(" FROM ")[1].split()[0]
        return self.rows.get(table, [])


def test_a_record_that_disappears_is_flagged_not_deleted_and_comes_back(company, sandbox):
    connect(company, sandbox)
    departments = [
        {"id": "1", "name": "Operations", "isinactive": "F", "subsidiary": "1, 2"},
        {"id": "2", "name": "Facilities", "isinactive": "F", "subsidiary": "1"},
    ]
    reference_data_refresh(company=company, client=StubClient({"department": departments}))

    gone = reference_data_refresh(
        company=company, client=StubClient({"department": departments[:1]})
    )
    assert gone.counts["department"]["missing"] == 1
    facilities = record(company, RecordType.DEPARTMENT, "2")
    assert facilities.missing_since is not None and not facilities.usable

    back = reference_data_refresh(company=company, client=StubClient({"department": departments}))
    assert back.counts["department"] == {
        "seen": 2,
        "new": 0,
        "changed": 1,
        "missing": 0,
        "inactive": 0,
    }
    assert record(company, RecordType.DEPARTMENT, "2").missing_since is None


def test_one_refresh_runs_at_a_time_and_a_failed_read_says_why(company, sandbox, fiona):
    connect(company, sandbox)
    first = reference_refresh_start(company=company, actor=fiona, enqueue=NO_QUEUE)
    second = reference_refresh_start(company=company, actor=fiona, enqueue=NO_QUEUE)
    assert second.pk == first.pk
    sandbox.set_faults(error_next=20)

    refresh = reference_refresh_run(first.pk)

    assert refresh.status == RefreshStatus.FAILED
    assert refresh.message.startswith("Reading subsidiary records failed. NetSuite could not")
    assert reference_refresh_run(first.pk) is None  # already finished: nothing to do
    assert ReferenceRefresh.objects.filter(company=company).count() == 1


# --- Pre-flight and the sync ----------------------------------------------------------------


def test_an_inactive_department_is_caught_before_anything_is_sent(company, sandbox, fiona):
    add_lease(company, "HQ-1")
    add_lease(company, "HQ-2", department="Legacy Ops")
    connect(company, sandbox)
    reference_data_refresh(company=company)
    period = close_first_period(company)
    before = sandbox.request_count()

    with pytest.raises(PreflightFailed) as refused:
        period_sync_start(period=period, actor=fiona, enqueue=NO_QUEUE)

    assert sandbox.request_count() == before  # not one request reached NetSuite
    assert sandbox.entries() == []
    assert SyncRun.objects.count() == 0
    problems = refused.value.preflight.problems
    assert {(p.kind, p.value, p.reason) for p in problems} == {
        ("department", "Legacy Ops", "inactive")
    }
    assert {p.message for p in problems} == {LEGACY_OPS}
    assert problems[0].corrective_action == (
        "Map the lease's department to an active NetSuite department, then press Retry."
    )
    assert problems[0].fix_url.startswith("/settings/integrations/reference-data/?kind=department")
    assert LEGACY_OPS in refused.value.user_message


def test_pre_flight_uses_the_sentence_netsuite_itself_gives(company, sandbox, fiona):
    add_lease(company, "HQ-2", department="Legacy Ops")
    connect(company, sandbox)
    period = close_first_period(company)
    # Without discovered data the sync goes ahead, and NetSuite refuses the entry.
    assert not period_preflight(period).checked
    run = sync_run_process(period_sync_start(period=period, actor=fiona, enqueue=NO_QUEUE).pk)
    from_netsuite = run.entries.get()
    reference_data_refresh(company=company)

    problem = period_preflight(period).problems[0]

    assert from_netsuite.error_message == problem.message == LEGACY_OPS
    assert from_netsuite.corrective_action == problem.corrective_action


def test_fixing_the_mapping_lets_the_sync_complete(company, sandbox, fiona):
    add_lease(company, "HQ-2", department="Legacy Ops")
    connect(company, sandbox)
    reference_data_refresh(company=company)
    period = close_first_period(company)
    with pytest.raises(PreflightFailed):
        period_sync_start(period=period, actor=fiona, enqueue=NO_QUEUE)

    reference_mapping_save(
        company=company,
        actor=fiona,
        kind="department",
        our_value="Legacy Ops",
        netsuite_value="Facilities",
        netsuite_internal_id="2",
    )
    assert period_preflight(period).ok
    run = sync_run_process(period_sync_start(period=period, actor=fiona, enqueue=NO_QUEUE).pk)

    assert run.status == SyncStatus.COMPLETED
    (entry,) = sandbox.entries()
    assert {line.get("department") for line in entry["lines"]} == {2}


def test_a_department_of_another_subsidiary_and_a_closed_period_are_caught(
    company, sandbox, change
):
    add_lease(company, "HQ-3", department="UK Property")
    connect(company, sandbox)
    change("accountingperiod", 113, closed=True)  # Jan 2026
    reference_data_refresh(company=company)
    period = close_first_period(company)

    problems = period_preflight(period).problems

    by_reason = {p.reason: p for p in problems}
    assert set(by_reason) == {"not_available", "closed_period"}
    assert by_reason["not_available"].message == (
        "Department 'UK Property' (internal ID 4) was not found in NetSuite for subsidiary "
        "'Occupier Demo Inc.'."
    )
    assert by_reason["closed_period"].message == (
        "The posting period 'Jan 2026' for the entry dated 2026-01-31 is closed or locked in "
        "NetSuite, so the entry cannot be posted."
    )
    assert by_reason["closed_period"].line_no is None


def test_a_reference_removed_after_the_refresh_is_still_caught_by_netsuite(
    company, sandbox, change, fiona
):
    add_lease(company, "HQ-4", department="Facilities")
    connect(company, sandbox)
    reference_data_refresh(company=company)
    period = close_first_period(company)
    change("department", 2, isinactive=True)  # after our last refresh

    assert period_preflight(period).ok  # our copy is a day old: it cannot know
    run = sync_run_process(period_sync_start(period=period, actor=fiona, enqueue=NO_QUEUE).pk)

    assert run.status == SyncStatus.FAILED
    failed = run.entries.get()
    assert (
        failed.error_message == "Department 'Facilities' (internal ID 2) was not found in NetSuite."
    )
    # A refresh then shows the same sentence before the next try.
    reference_data_refresh(company=company)
    assert period_preflight(period).problems[0].message == failed.error_message


def test_pre_flight_costs_the_same_queries_for_one_lease_or_many(company, sandbox):
    add_lease(company, "S-1")
    connect(company, sandbox)
    reference_data_refresh(company=company)
    small = close_first_period(company)
    other = make_company("Bigger Co")
    set_up_netsuite_accounting(other)
    for n in range(12):
        add_lease(other, f"L-{n}", department="Legacy Ops" if n % 2 else None)
    connect(other, sandbox)
    reference_data_refresh(company=other)
    big = close_first_period(other)

    with CaptureQueriesContext(db_connection) as few:
        assert period_preflight(small).ok
    with CaptureQueriesContext(db_connection) as many:
        result = period_preflight(big)

    assert result.entries == 12 and len(result.problems) > 6
    assert len(many.captured_queries) == len(few.captured_queries) <= 13
