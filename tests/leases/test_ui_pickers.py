"""Pickers say what their blank option means instead of "---------"."""

import re
from datetime import date

import pytest
from django.urls import reverse

from leases.models import AccountingDefaults
from tests.leases.factories import make_lease, set_up_accounting


@pytest.fixture
def lease(personas):
    set_up_accounting(personas.company)
    return make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))


def _blank_option(html: str, name: str) -> str:
    """The label of a select's blank option."""
    found = re.search(
        rf'<select name="{name}"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>', html
    )
    assert found, f"{name} has no blank option"
    return found[1]


@pytest.mark.parametrize("page", ["lease_create", "lease_edit"])
def test_a_leases_pickers_say_the_blank_is_the_company_default(client, personas, lease, page):
    AccountingDefaults.objects.filter(company=personas.company).update(lease_expense_account=None)
    client.force_login(personas.accountant.user)
    url = reverse(page, args=[lease.pk] if page == "lease_edit" else [])
    html = client.get(url).content.decode()
    assert "---------" not in html
    assert _blank_option(html, "rou_asset_account") == "Company default: 1410 Right-of-use asset"
    assert _blank_option(html, "lease_expense_account") == "Company default (none set)"
    assert _blank_option(html, "department") == "Company default: Operations"
    assert _blank_option(html, "location") == "Company default (none set)"
    assert _blank_option(html, "subsidiary") == "Choose a subsidiary"
    assert _blank_option(html, "standard") == "Choose a standard"
    assert _blank_option(html, "classification") == "None (IFRS 16)"


def test_the_gl_defaults_pickers_ask_for_an_account(client, personas, lease):
    client.force_login(personas.accountant.user)
    html = client.get(reverse("accounting_defaults")).content.decode()
    assert "---------" not in html
    assert _blank_option(html, "rou_asset_account") == "Choose an account"
    assert _blank_option(html, "department") == "No department"
    assert _blank_option(html, "lease_class") == "No class"
