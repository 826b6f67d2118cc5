"""Finance leases post to their own asset, liability and accumulated amortization accounts."""

from datetime import date
from decimal import Decimal

from leases.forms import AccountingDefaultsForm
from leases.models import AccountingDefaults, GLAccount
from leases.selectors import period_postings
from tests.leases.factories import make_lease


def _accounts_by_role(lines):
    return {(line.role.value, line.account_number) for line in lines}


def test_a_finance_lease_posts_to_the_finance_accounts_and_an_operating_lease_does_not(
    personas, subsidiary
):
    make_lease(personas.company, code="FIN", classification="finance", useful_life_months=48)
    make_lease(personas.company, code="OPS", classification="operating")
    first = period_postings(personas.company, date(2026, 1, 1))
    assert first.problems == []
    fin = [line for line in first.lines if line.lease_code == "FIN"]
    ops = [line for line in first.lines if line.lease_code == "OPS"]
    fin_numbers = {line.account_number for line in fin}
    # 1420 ROU asset - finance, 2320 liability - finance, 1425 accumulated amortization.
    assert {"1420", "2320", "1425"} <= fin_numbers
    assert not {"1410", "2310"} & fin_numbers
    assert ("accumulated_amortization", "1425") in _accounts_by_role(fin)
    ops_numbers = {line.account_number for line in ops}
    assert {"1410", "2310"} <= ops_numbers
    assert not {"1420", "2320", "1425"} & ops_numbers
    # The amortization credit never reduces the asset account itself: it stays at cost.
    rou = [line for line in fin if line.account_number == "1420"]
    assert all(line.credit == Decimal(0) for line in rou)


def test_a_finance_lease_without_a_finance_liability_account_is_a_problem_not_an_operating_post(
    personas, subsidiary
):
    AccountingDefaults.objects.filter(company=personas.company).update(
        finance_lease_liability_account=None
    )
    make_lease(personas.company, code="FIN", classification="finance")
    result = period_postings(personas.company, date(2026, 2, 1))
    assert result.lines == []
    assert [p.message for p in result.problems] == [
        "No “Lease liability (finance)” account is mapped. Set it on the lease or in the "
        "company's GL defaults."
    ]


def test_the_account_pickers_offer_only_accounts_of_a_fitting_type(personas, subsidiary):
    company = personas.company
    cash = GLAccount.objects.create(
        company=company, number="1000", name="Cash", account_type="Bank"
    )
    equity = GLAccount.objects.create(
        company=company, number="3000", name="Retained earnings", account_type="Equity"
    )
    rou = GLAccount.objects.create(
        company=company, number="1411", name="ROU - stores", account_type="OthAsset"
    )
    form = AccountingDefaultsForm(company=company)
    offered = {name: set(f.queryset) for name, f in form.fields.items() if hasattr(f, "queryset")}
    assert cash not in offered["rou_asset_account"]
    assert rou in offered["rou_asset_account"]
    assert rou in offered["finance_rou_asset_account"]
    assert equity in offered["transition_equity_account"]
    assert equity not in offered["lease_liability_account"]
    assert cash in offered["cash_clearing_account"]
    # A Bank account posted to the ROU asset by a crafted form is refused.
    bound = AccountingDefaultsForm({"rou_asset_account": str(cash.pk)}, company=company)
    assert not bound.is_valid()
    assert "rou_asset_account" in bound.errors
