"""The lease form refuses inconsistent input with an exact message and saves nothing."""

import pytest
from django.urls import reverse

from leases.forms import UNKNOWN_ACCOUNT, parse_rent_steps
from leases.models import GLAccount, Lease
from tests.leases.forms_data import lease_post


def _errors(response, form="form") -> dict:
    return response.context[form].errors


def _refused(amy, subsidiary, **overrides):
    response = amy.post(reverse("lease_create"), lease_post(subsidiary, **overrides))
    assert response.status_code == 200
    assert Lease.objects.count() == 0
    return response


def test_an_end_date_before_commencement_is_refused(amy, subsidiary):
    response = _refused(amy, subsidiary, end_date="2025-12-31", term_months="")
    assert _errors(response)["end_date"] == ["The end date must be after the commencement date."]


def test_an_end_date_fills_in_the_term(amy, personas, subsidiary):
    amy.post(reverse("lease_create"), lease_post(subsidiary, end_date="2027-12-31", term_months=""))
    assert Lease.objects.get(company=personas.company).term_months == 24


def test_an_end_date_that_contradicts_the_term_is_refused(amy, subsidiary):
    response = _refused(amy, subsidiary, end_date="2027-12-31", term_months="12")
    assert _errors(response)["end_date"] == [
        "The end date gives a 24-month term (a part month counts as one), but the term says 12."
    ]


def test_a_negative_rate_is_refused(amy, subsidiary):
    response = _refused(amy, subsidiary, discount_rate="-1")
    assert _errors(response)["discount_rate"] == ["The discount rate cannot be negative."]


def test_an_escalation_without_a_base_amount_is_refused(amy, subsidiary):
    response = _refused(
        amy,
        subsidiary,
        **{
            "payments-0-amount": "0",
            "payments-0-escalation_kind": "percent",
            "payments-0-escalation_value": "3",
        },
    )
    forms = response.context["editor"].payments.forms
    assert forms[0].errors["escalation_value"] == ["An escalation needs a base amount to escalate."]


def test_an_account_of_another_company_is_an_unknown_account(
    amy, personas, subsidiary, other_subsidiary
):
    theirs = GLAccount.objects.get(company=personas.other_company, number="1410")
    response = _refused(amy, subsidiary, rou_asset_account=str(theirs.pk))
    assert _errors(response)["rou_asset_account"] == [UNKNOWN_ACCOUNT]


def test_engine_issues_land_on_their_fields_and_all_are_shown_at_once(amy, subsidiary):
    response = _refused(
        amy,
        subsidiary,
        classification="",
        restoration_cost="100",
        term_months="10",
        **{"payments-0-frequency": "3"},
    )
    assert _errors(response)["classification"] == [
        "An ASC 842 lease must be classified as operating or finance."
    ]
    assert _errors(response)["restoration_cost"][0].startswith(
        "Restoration costs are added to the right-of-use asset only under IFRS 16"
    )
    payment = response.context["editor"].payments.forms[0]
    assert payment.errors["frequency"] == [
        "A 10-month term is not a whole number of quarterly payment periods."
    ]
    # What the user typed is kept.
    assert 'value="10"' in response.content.decode()


def test_rent_steps_report_each_bad_line_by_number():
    with pytest.raises(Exception) as caught:
        parse_rent_steps("2027-01-01 1000\n2027-13-01 5\nsoon 10\n2028-01-01 -3\n")
    assert caught.value.messages == [
        "Line 2: “2027-13-01” is not a date in YYYY-MM-DD form.",
        "Line 3: “soon” is not a date in YYYY-MM-DD form.",
        "Line 4: the amount cannot be negative.",
    ]


def test_a_duplicate_code_is_refused(amy, personas, subsidiary):
    amy.post(reverse("lease_create"), lease_post(subsidiary))
    response = amy.post(reverse("lease_create"), lease_post(subsidiary, name="Other"))
    assert _errors(response)["code"] == ["A lease with this code already exists in your company."]
    assert Lease.objects.filter(company=personas.company).count() == 1
