"""Refusals of the lease forms sit beside the input they concern and never name a raw field."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leases.models import LeaseChange
from tests.leases.factories import make_lease, set_up_accounting
from tests.leases.forms_data import lease_post

RAW_NAMES = ("annual_rate", "term_months", "scope_fraction", "payments[", "(effective)")


@pytest.fixture
def lease(personas):
    set_up_accounting(personas.company)
    return make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))


def _errors_of(html: str, field: str) -> str:
    """The error list the form partial draws below one input."""
    start = html.index(f'id="id_{field}"')
    end = html.index('class="field', start)
    return html[start:end]


def _top_box(html: str) -> str:
    """The form's own error box (the refusals about no input)."""
    if '<div class="error-box" role="alert">' not in html:
        return ""
    start = html.index('<div class="error-box" role="alert">')
    return html[start : html.index("</div>", start)]


def test_a_term_change_without_a_rate_is_refused_beside_the_rate(client, personas, lease):
    client.force_login(personas.accountant.user)
    page = client.post(
        reverse("lease_change", args=[lease.pk]),
        {"kind": "term", "effective": "2026-07-01", "term_months": "48", "action": "preview"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    beside = _errors_of(html, "annual_rate")
    assert "Enter the discount rate at the change date" in beside
    # Not above the form, and no engine name anywhere on the page.
    assert "Enter the discount rate" not in _top_box(html)
    assert not any(raw in html.split('id="kind-fields"')[0] for raw in ("(annual_rate)",))
    assert "(annual_rate)" not in html
    assert not LeaseChange.objects.exists()


def test_a_separate_lease_without_a_rate_is_refused_beside_the_rate(client, personas, lease):
    client.force_login(personas.accountant.user)
    page = client.post(
        reverse("lease_change", args=[lease.pk]),
        {
            "kind": "increase_scope",
            "effective": "2026-07-01",
            "new_rent": "500",
            "separate_lease": "on",
            "action": "preview",
        },
    )
    html = page.content.decode()
    assert "Enter the discount rate of the separate lease" in _errors_of(html, "annual_rate")
    assert "Enter the discount rate" not in _top_box(html)


def test_an_approval_refused_by_the_engine_names_no_field(client, personas, lease):
    """A change that no longer fits (approved changes moved the term) is refused in words."""
    change = LeaseChange.objects.create(
        company=personas.company,
        lease=lease,
        number=1,
        kind="term",
        effective_date=date(2026, 7, 1),
        details={"term_months": 48},  # no rate: the engine refuses it
        created_by=personas.accountant.user,
    )
    client.force_login(personas.reviewer.user)
    page = client.post(reverse("lease_change_approve", args=[change.pk]), follow=True)
    html = page.content.decode()
    assert "Enter the discount rate at the change date" in html
    assert not any(raw in html for raw in RAW_NAMES)
    change.refresh_from_db()
    assert change.status == "pending"


def test_the_change_file_names_its_column_not_the_engines_field(
    client, personas, lease, monkeypatch
):
    """A separate lease's refusal that carries the engine's field name shows the column only."""

    def refuse(**kwargs):
        raise ValidationError(["The discount rate is a fraction between 0 and 1. (annual_rate)"])

    monkeypatch.setattr("leases.change_imports.separate_lease_plan", refuse)
    client.force_login(personas.accountant.user)
    content = (
        "lease_code,kind,effective_date,new_payment,discount_rate,separate_lease\n"
        "HQ-1,increase_scope,2026-07-01,500,6,yes\n"
    )
    page = client.post(
        reverse("lease_changes_import"),
        {"file": SimpleUploadedFile("changes.csv", content.encode()), "action": "preview"},
    )
    html = page.content.decode()
    assert "column discount_rate: The discount rate is a fraction between 0 and 1." in html
    assert "(annual_rate)" not in html
    assert not LeaseChange.objects.exists()


def test_a_new_lease_refused_by_the_service_shows_beside_the_rate(
    client, personas, lease, monkeypatch
):
    """The lease services end the engine's sentences with its field name: the form places them."""

    def refuse(**kwargs):
        raise ValidationError(
            [
                "The discount rate is a fraction between 0 and 1. (annual_rate)",
                "A payment needs an amount. (payments[0].amount)",
            ]
        )

    monkeypatch.setattr("leases.views.lease_create", refuse)
    client.force_login(personas.accountant.user)
    html = client.post(
        reverse("lease_create"), lease_post(lease.subsidiary, code="NYC-9")
    ).content.decode()
    assert "The discount rate is a fraction between 0 and 1." in _errors_of(html, "discount_rate")
    assert "A payment needs an amount." in _top_box(html)
    assert not any(raw in html for raw in ("(annual_rate)", "payments[0]", "(payments"))


def test_a_refusal_says_its_days_in_the_companys_format(client, personas, lease):
    personas.company.date_format = "d/m/Y"
    personas.company.save(update_fields=["date_format"])
    ended = LeaseChange.objects.create(
        company=personas.company,
        lease=lease,
        number=1,
        kind="termination",
        effective_date=date(2026, 6, 1),
        details={"amount": "0"},
        created_by=personas.accountant.user,
        status="approved",
    )
    assert ended.status == "approved"
    client.force_login(personas.accountant.user)
    page = client.post(
        reverse("lease_change", args=[lease.pk]),
        {"kind": "consideration", "effective": "2026-09-01", "new_rent": "1200", "annual_rate": "6",
         "action": "preview"},
    )  # fmt: skip
    html = page.content.decode()
    assert "The lease ended on 01/06/2026; no change can follow." in _errors_of(html, "effective")
    assert "2026-06-01" not in html


def test_opening_balances_refused_by_the_service_name_no_engine_field(
    client, personas, monkeypatch
):
    from closebooks.services import company_go_live_set

    set_up_accounting(personas.company)
    old = make_lease(
        personas.company,
        code="OLD-FIN",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
        status="draft",
    )
    company_go_live_set(
        company=personas.company, actor=personas.settings_admin.user, go_live=date(2026, 7, 1)
    )

    def refuse(**kwargs):
        raise ValidationError(
            ["The opening balances do not fit the lease on 2026-07-01. (opening)"]
        )

    monkeypatch.setattr("leases.opening_balance_views.lease_opening_balances_set", refuse)
    client.force_login(personas.accountant.user)
    html = client.post(
        reverse("lease_opening_balances", args=[old.pk]),
        {"method": "opening_balances", "liability": "22675.68", "rou_asset": "21396.61",
         "accumulated_amortization": "21396.61"},
    ).content.decode()  # fmt: skip
    assert "The opening balances do not fit the lease on 1 Jul 2026." in _top_box(html)
    assert "(opening)" not in html


def test_leaving_the_rate_blank_is_answered_inline_beside_it(client, personas, lease):
    """The field check runs the engine's checks as Preview does, and saves nothing."""
    client.force_login(personas.accountant.user)
    data = {"kind": "term", "effective": "2026-07-01", "term_months": "48", "annual_rate": ""}
    answer = client.post(
        reverse("lease_change_check", args=[lease.pk]), data | {"_field": "annual_rate"}
    ).json()
    assert answer["field"] == "annual_rate"
    assert [e[:46] for e in answer["errors"]] == ["Enter the discount rate at the change date: a "]
    assert "(annual_rate)" not in answer["errors"][0]
    # Another field of the same form answers its own errors only.
    effective = client.post(
        reverse("lease_change_check", args=[lease.pk]), data | {"_field": "effective"}
    ).json()
    assert effective["errors"] == []
    assert not LeaseChange.objects.exists()
