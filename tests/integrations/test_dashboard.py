"""The home page: what each persona can act on now, each item a link."""

from django.urls import reverse

from tests.integrations.test_navigation import client_for, failed_sync  # noqa: F401 (fixture)


def home_of(membership) -> str:
    return client_for(membership).get(reverse("home")).content.decode()


def test_the_reviewer_sees_the_next_close_the_unsynced_period_and_the_failed_sync(
    personas,
    failed_sync,  # noqa: F811
):
    html = home_of(personas.reviewer)
    period = failed_sync.period
    assert "Next to close: <a" in html and "Feb 2026" in html
    assert "Closed, not yet in NetSuite (1)" in html
    assert f'id="sync-cell-{period.pk}"' in html
    assert f'action="{reverse("sync_run_retry", args=[failed_sync.pk])}"' in html
    errors_url = reverse("sync_run_errors", args=[failed_sync.pk])
    assert f'<a href="{errors_url}">Jan 2026</a>: 1 entry of 2 not accepted' in html
    assert "NetSuite reference data" in html


def test_the_operator_sees_syncs_but_not_the_close(personas, failed_sync):  # noqa: F811
    html = home_of(personas.integrations_operator)
    assert "Next to close" not in html and "for approval" not in html
    assert "Closed, not yet in NetSuite (1)" in html
    assert "NetSuite reference data" not in html  # not a page the operator may open


def test_a_member_without_permissions_is_told_whom_to_ask(personas):
    html = home_of(personas.read_only)
    assert "no permissions in Acme Property Holdings yet" in html
    assert "Next to close" not in html and "not yet in NetSuite" not in html


def test_a_change_waiting_for_approval_is_named_as_on_the_lease_page(
    personas,
    failed_sync,  # noqa: F811
):
    from datetime import date

    from leases.change_services import lease_change_create
    from leases.models import Lease
    from leases.selectors import leases_with_terms

    lease = leases_with_terms(Lease.objects.filter(company=personas.company, code="HQ-1")).get()
    lease_change_create(
        lease=lease,
        actor=personas.accountant.user,
        kind="index",
        effective=date(2026, 3, 1),
        details={"payments": [{"amount": "1100.00"}]},
        reason="CPI",
    )
    html = home_of(personas.reviewer)
    lease_url = reverse("lease_detail", args=[lease.pk])
    # "CH1" and the kind, as the lease's timeline names it (it read "HQ-1 change 1").
    named = f'<a href="{lease_url}">HQ-1</a> CH1 · Index or rate review, effective 1 Mar 2026'
    assert named in html
    assert "HQ-1 change 1" not in html
