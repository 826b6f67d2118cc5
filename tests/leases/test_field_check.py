"""Inline validation: one field of the lease or change form checked by the server as on submit."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from leases.models import Lease, LeaseChange
from tests.leases.factories import make_lease, set_up_accounting
from tests.leases.forms_data import lease_post
from tests.permissions import AM, OP, A, M, R, Route, X, check_matrix


def _check(client, url, data, field):
    return client.post(url, data | {"_field": field})


def test_a_field_gets_the_same_sentence_as_on_submit(amy, subsidiary):
    url = reverse("lease_form_check")
    data = lease_post(subsidiary, currency="US1")
    answer = _check(amy, url, data, "currency").json()
    submitted = amy.post(reverse("lease_create"), data)
    assert answer == {
        "field": "currency",
        "errors": ["Enter a three-letter ISO currency code, e.g. USD."],
    }
    assert answer["errors"][0] in submitted.content.decode()
    # Only the field asked about: the code's check passes, so it has nothing to say.
    assert _check(amy, url, data, "code").json() == {"field": "code", "errors": []}
    assert not Lease.objects.exists()  # checking saves nothing


def test_a_payment_streams_field_and_the_engines_checks_answer_too(amy, subsidiary):
    url = reverse("lease_form_check")
    blank = _check(
        amy, url, lease_post(subsidiary, **{"payments-0-amount": "abc"}), "payments-0-amount"
    )
    assert blank.json()["errors"] == ["Enter a number."]
    # A cross-field rule of the form lands on its field as on submit.
    ends = lease_post(subsidiary, end_date="2027-12-31")
    assert "24-month term" in " ".join(_check(amy, url, ends, "end_date").json()["errors"])


def test_editing_checks_against_the_lease_itself(amy, personas, subsidiary):
    lease = make_lease(personas.company, code="NYC-1", status="draft")
    make_lease(personas.company, code="BOS-1", status="draft")
    url = reverse("lease_edit_check", args=[lease.pk])
    assert _check(amy, url, lease_post(subsidiary), "code").json()["errors"] == []
    taken = _check(amy, url, lease_post(subsidiary, code="BOS-1"), "code").json()
    assert taken["errors"] == ["A lease with this code already exists in your company."]


def test_the_change_form_is_checked_field_by_field(amy, personas, subsidiary):
    lease = make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))
    url = reverse("lease_change_check", args=[lease.pk])
    answer = _check(amy, url, {"kind": "consideration", "effective": "not a date"}, "effective")
    assert answer.json()["field"] == "effective" and answer.json()["errors"]
    assert _check(amy, url, {"kind": "consideration"}, "kind").json()["errors"] == []
    assert not LeaseChange.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"_field": ""},
        {"_field": "no_such_field"},
        {"_field": "code", "payments-TOTAL_FORMS": "x" * 50},
        {"_field": "payments-99999-amount", "payments-TOTAL_FORMS": "99999999"},
        {"_field": "code\x00", "code": "\x00"},
    ],
)
def test_junk_gets_an_answer_never_a_server_error(subsidiary, personas, data):
    client = Client(raise_request_exception=False)
    client.force_login(personas.accountant.user)
    response = client.post(reverse("lease_form_check"), data)
    assert response.status_code in (200, 400)
    assert "errors" in response.json()


def test_only_lease_accountants_of_the_company_may_check(personas, subsidiary):
    lease = make_lease(personas.company, status="active")
    set_up_accounting(personas.other_company, subsidiary="Globex UK")
    make_lease(personas.other_company, code="GLX-1", status="draft")
    people = {A: 403, AM: 200, OP: 403, R: 200, M: 403}
    field = {"_field": "code"}
    routes = [
        Route(
            "new", lambda p: reverse("lease_form_check"), people | {X: 200}, "post", lambda p: field
        ),
        Route(
            "edit",
            lambda p: reverse("lease_edit_check", args=[lease.pk]),
            people | {X: 404},  # another company's lease is not found
            "post",
            lambda p: field,
        ),
        Route(
            "change",
            lambda p: reverse("lease_change_check", args=[lease.pk]),
            people | {X: 404},
            "post",
            lambda p: {"_field": "kind"},
        ),
        Route("GET", lambda p: reverse("lease_form_check"), people | {X: 405, AM: 405, R: 405}),
    ]
    assert check_matrix(personas, routes) == []
    assert not AuditEvent.objects.filter(action__startswith="lease.").exists()
