"""The audit log page: actions as sentences, amounts per currency and formatted, filter kept."""

from django.test import Client
from django.urls import reverse

from audit.services import audit_record
from tests.factories import make_personas


def test_amounts_show_per_currency_and_actions_read_as_sentences(db):
    personas = make_personas()
    audit_record(
        company=personas.company,
        actor=personas.accountant.user,
        action="period.close",
        before={"status": "open"},
        after={
            "status": "closed",
            "entries": 5,
            "debits_by_currency": {"GBP": "21256.03", "USD": "-256271.5"},
        },
    )
    client = Client()
    client.force_login(personas.settings_admin.user)

    html = client.get(reverse("audit_log"), {"action": "period."}).content.decode()

    assert "Closed and locked the period" in html
    assert "<b>Debits</b>: — → 21,256.03 GBP; (256,271.50) USD" in html
    assert "277527.53" not in html and "-234" not in html  # never a cross-currency sum
    assert '<option value="period." selected>Period</option>' in html


def test_the_filter_leaves_out_other_actions(db):
    personas = make_personas()
    for action in ("period.reopen", "membership.flags"):
        audit_record(company=personas.company, actor=None, action=action, after={"x": 1})
    client = Client()
    client.force_login(personas.settings_admin.user)

    html = client.get(reverse("audit_log"), {"action": "membership."}).content.decode()

    assert "Changed a member&#x27;s permissions" in html
    assert "Reopened the period" not in html


def test_an_older_close_row_never_shows_its_sum_across_currencies(db):
    personas = make_personas()
    audit_record(
        company=personas.company,
        actor=None,
        action="period.close",
        after={"status": "closed", "total_debit": "277527.53"},
    )
    client = Client()
    client.force_login(personas.settings_admin.user)

    html = client.get(reverse("audit_log")).content.decode()

    assert "Closed and locked the period" in html
    assert "277,527.53" not in html and "277527.53" not in html


def test_each_change_stacks_as_one_labelled_card_on_a_phone(db):
    personas = make_personas()
    audit_record(
        company=personas.company,
        actor=personas.accountant.user,
        action="period.close",
        before={"status": "open"},
        after={"status": "closed"},
    )
    client = Client()
    client.force_login(personas.settings_admin.user)
    html = client.get(reverse("audit_log")).content.decode()
    # A scrolled table showed only When and Who on a phone; stacked, What and Changes stay in view.
    assert '<table class="grid stack nowrap-first" id="audit-log">' in html
    for label in ("When", "Who", "What", "Subject", "Changes", "Note"):
        assert f'data-label="{label}"' in html
