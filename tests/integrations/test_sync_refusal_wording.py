"""A Sync refused by pre-flight says one next step, the one that fits the period's state."""

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import SyncRun, SyncStatus
from integrations.services.discovery import reference_data_refresh
from integrations.services.sync import PreflightFailed, period_sync_start, sync_run_process
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
    set_up_netsuite_accounting,
)

NO_QUEUE = lambda pk: None  # noqa: E731 - the tests run the worker's body themselves

# NetSuite's own sentence for the problem, kept as NetSuite words it.
LEGACY_OPS = "Department 'Legacy Ops' (internal ID 3) was not found in NetSuite."
FIX = "Map the lease's department to an active NetSuite department"


@pytest.fixture
def inactive_department(personas, sandbox):
    """A closed Jan 2026 whose only lease carries a department NetSuite has made inactive."""
    company = personas.company
    set_up_netsuite_accounting(company)
    add_lease(company, "HQ-2", department="Legacy Ops")
    connect(company, sandbox)
    return close_first_period(company)


def _refusal(period, actor) -> str:
    with pytest.raises(PreflightFailed) as refused:
        period_sync_start(period=period, actor=actor, enqueue=NO_QUEUE)
    return refused.value.user_message


def test_a_period_never_sent_is_told_to_press_sync_again_and_never_retry(
    personas, inactive_department
):
    reference_data_refresh(company=personas.company)

    message = _refusal(inactive_department, personas.reviewer.user)

    assert f"{LEGACY_OPS} {FIX}, then press Sync again." in message
    assert message.endswith("(or refresh from NetSuite), then press Sync again.")
    assert "Retry" not in message
    assert SyncRun.objects.count() == 0


def test_a_period_whose_sync_failed_is_told_to_press_retry_and_never_sync_again(
    personas, inactive_department
):
    # Sent before our copy of NetSuite's data existed: NetSuite refused it and the run failed.
    run = period_sync_start(
        period=inactive_department, actor=personas.reviewer.user, enqueue=NO_QUEUE
    )
    assert sync_run_process(run.pk).status == SyncStatus.FAILED
    reference_data_refresh(company=personas.company)

    message = _refusal(inactive_department, personas.reviewer.user)

    assert f"{LEGACY_OPS} {FIX}, then press Retry." in message
    assert message.endswith("(or refresh from NetSuite), then press Retry.")
    assert "Sync again" not in message
    assert SyncRun.objects.get().status == SyncStatus.FAILED  # nothing new was started


@pytest.mark.parametrize("htmx", [True, False], ids=["in the cell", "as a page message"])
def test_the_sync_button_shows_the_refusal_with_one_next_step(personas, inactive_department, htmx):
    reference_data_refresh(company=personas.company)
    client = Client()
    client.force_login(personas.reviewer.user)
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(
        reverse("period_sync", args=[inactive_department.pk]), follow=not htmx, headers=headers
    )

    page = response.content.decode()
    assert "then press Sync again." in page
    assert "press Retry" not in page
    assert SyncRun.objects.count() == 0
