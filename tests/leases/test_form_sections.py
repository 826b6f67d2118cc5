"""The lease form in sections, with a summary of them and their problems at the top."""

import re

from django.urls import reverse

from tests.leases.forms_data import lease_post


def section_of(body: str, name: str) -> str:
    """The id of the section that holds the field `name`."""
    position = body.index(f'name="{name}"')
    return re.findall(r'<section class="card" id="section-([a-z]+)">', body[:position])[-1]


def test_fields_sit_in_their_sections_and_the_summary_links_them(amy, personas, subsidiary):
    body = amy.get(reverse("lease_create")).content.decode()
    assert (section_of(body, "code"), section_of(body, "commencement_date")) == ("what", "term")
    assert section_of(body, "discount_rate") == "accounting"
    for key in ("what", "where", "term", "accounting", "costs", "payments", "mapping"):
        assert f'href="#section-{key}"' in body
    assert "data-extra-form" in body  # the empty second payment stream waits for a click


def test_the_summary_counts_the_problems_of_each_section(amy, personas, subsidiary):
    data = lease_post(subsidiary)
    data["code"] = ""
    body = amy.post(reverse("lease_create"), data).content.decode()
    start = body.index('aria-label="Sections of this form"')
    summary = body[start : body.index("data-inline-validate", start)]
    assert 'What is leased</a> <span class="badge bad">1 problem</span>' in summary


def test_a_lease_without_a_payment_stream_says_so_in_the_forms_words(amy, personas, subsidiary):
    data = lease_post(subsidiary)
    data["payments-0-amount"] = ""  # the stream left as the form showed it
    body = amy.post(reverse("lease_create"), data).content.decode()
    assert "Enter at least one payment stream." in body
    assert "submit at least" not in body  # Django's formset wording, meaningless here
    start = body.index('aria-label="Sections of this form"')
    summary = body[start : body.index("data-inline-validate", start)]
    assert 'Payments</a> <span class="badge bad">1 problem</span>' in summary
