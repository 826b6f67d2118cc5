"""Every leases page answers every persona exactly, and another company's data stays apart."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from leases.models import AccountingDefaults, Lease, LeaseStatus, Segment, Subsidiary
from tests.leases.factories import make_lease, set_up_accounting
from tests.leases.forms_data import lease_post
from tests.permissions import AM, OP, A, M, R, Route, X, check_matrix


def lease_people(ok: int, *, outsider: int | None = None) -> dict[str, int]:
    """Amy and Rita hold lease accounting; the outsider holds it in their own company only."""
    return {A: 403, AM: ok, OP: 403, R: ok, M: 403, X: ok if outsider is None else outsider}


@pytest.fixture
def our_lease(personas):
    set_up_accounting(personas.company)
    set_up_accounting(personas.other_company, subsidiary="Globex UK")
    return make_lease(personas.company, status="draft")


def _lease_url(name):
    return lambda p: reverse(name, args=[Lease.objects.get(company=p.company).pk])


ROUTES = [
    Route("lease list", lambda p: reverse("lease_list"), lease_people(200)),
    Route("lease create", lambda p: reverse("lease_create"), lease_people(200)),
    Route("lease import", lambda p: reverse("lease_import"), lease_people(200)),
    Route("lease import template", lambda p: reverse("lease_import_template"), lease_people(200)),
    Route("lease detail", _lease_url("lease_detail"), lease_people(200, outsider=404)),
    Route("lease edit", _lease_url("lease_edit"), lease_people(200, outsider=404)),
    Route("schedule CSV", _lease_url("lease_schedule_csv"), lease_people(200, outsider=404)),
    Route("schedule XLSX", _lease_url("lease_schedule_xlsx"), lease_people(200, outsider=404)),
    Route(
        "activate (GET)",
        _lease_url("lease_activate"),
        # The method is refused before any lookup, so a GET reveals nothing either way.
        lease_people(405),
    ),
    Route("GL defaults", lambda p: reverse("accounting_defaults"), lease_people(200)),
    Route("chart of accounts", lambda p: reverse("chart_of_accounts"), lease_people(200)),
    Route("chart template", lambda p: reverse("chart_of_accounts_template"), lease_people(200)),
    Route("entities", lambda p: reverse("lease_entities"), lease_people(200)),
    # POSTs that change nothing (invalid or empty) still show who may reach them.
    Route("lease create (POST)", lambda p: reverse("lease_create"), lease_people(200), "post"),
    Route(
        "lease edit (POST)",
        _lease_url("lease_edit"),
        lease_people(200, outsider=404),
        "post",
    ),
    Route("entities (POST)", lambda p: reverse("lease_entities"), lease_people(200), "post"),
    # Nothing is pending on the draft: the allowed answer is a redirect with the refusal.
    Route(
        "approve changes (POST)",
        _lease_url("lease_approve_changes"),
        lease_people(302, outsider=404),
        "post",
    ),
]


def test_every_leases_view_answers_each_persona_as_expected(personas, our_lease):
    assert check_matrix(personas, ROUTES) == []


def test_activation_is_refused_to_everyone_without_lease_accounting(personas, our_lease, client):
    for membership in (personas.settings_admin, personas.integrations_operator, personas.read_only):
        client.force_login(membership.user)
        response = client.post(reverse("lease_activate", args=[our_lease.pk]))
        assert response.status_code == 403
    our_lease.refresh_from_db()
    assert our_lease.status == LeaseStatus.DRAFT


def test_the_outsider_posting_to_our_lease_changes_nothing(personas, our_lease, client):
    client.force_login(personas.outsider.user)
    theirs = Subsidiary.objects.get(company=personas.other_company)
    edit = client.post(
        reverse("lease_edit", args=[our_lease.pk]), lease_post(theirs, code=our_lease.code)
    )
    activate = client.post(reverse("lease_activate", args=[our_lease.pk]))
    assert (edit.status_code, activate.status_code) == (404, 404)
    our_lease.refresh_from_db()
    assert (our_lease.name, our_lease.status) == ("Lease L-1", LeaseStatus.DRAFT)
    assert AuditEvent.objects.filter(company=personas.company).count() == 0


def test_the_outsider_sees_none_of_our_leases_accounts_or_segments(personas, our_lease, client):
    client.force_login(personas.outsider.user)
    listing = client.get(reverse("lease_list")).content.decode()
    accounts = client.get(reverse("chart_of_accounts")).content.decode()
    assert "L-1" not in listing
    assert "Acme US" not in client.get(reverse("lease_entities")).content.decode()
    assert accounts.count("Right-of-use asset") == 1  # their own chart only


def test_the_outsider_cannot_map_their_defaults_to_our_accounts(personas, our_lease, client):
    client.force_login(personas.outsider.user)
    ours = Segment.objects.get(company=personas.company)
    response = client.post(reverse("accounting_defaults"), {"department": str(ours.pk)})
    assert response.status_code == 200
    theirs = AccountingDefaults.objects.get(company=personas.other_company)
    assert theirs.department.company == personas.other_company
