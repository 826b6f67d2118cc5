"""Non-lease components: allocation by relative standalone price, or combined by asset type."""

from datetime import date
from decimal import Decimal as D

from leases import engine
from leases.engine.components import lease_component_terms, lease_share, non_lease_amounts
from leases.models import AccountingDefaults, GLAccount
from leases.selectors import lease_terms, leases_with_terms, period_postings
from tests.leases.factories import make_lease


def _terms() -> engine.LeaseTerms:
    return engine.LeaseTerms(
        commencement=date(2026, 1, 1),
        term_months=36,
        standard=engine.Standard.IFRS_16,
        annual_rate=D("0.06"),
        payments=(engine.PaymentStream(D("1000.00")),),
    )


def test_the_consideration_is_split_by_relative_standalone_price_to_the_cent():
    # IFRS 16.13-14 / ASC 842-10-15-33: standalone prices 45,000 (lease) and 15,000 (services)
    # put 75 % of each payment in the lease component.
    share = lease_share(D("45000"), D("15000"))
    assert share == D("0.75")
    lease = lease_component_terms(_terms(), share)
    assert lease.payments[0].amount == D("750.00")
    services = non_lease_amounts(_terms(), share)
    assert services == [D("250.00")] * 36
    # Only the lease component measures the liability.
    whole = engine.measure(_terms()).liability
    assert abs(engine.measure(lease).liability - whole * share) < D("1e-20")


def test_the_services_are_expensed_as_paid_unless_the_asset_type_combines_them(
    personas, subsidiary
):
    company = personas.company
    services = GLAccount.objects.create(company=company, number="6455", name="Services")
    AccountingDefaults.objects.filter(company=company).update(non_lease_expense_account=services)
    make_lease(
        company,
        code="SVC-1",
        lease_component_price=D("45000"),
        non_lease_component_price=D("15000"),
    )
    stored = leases_with_terms(company.leases.all()).get()
    assert lease_terms(stored).payments[0].amount == D("750.00")
    lines = period_postings(company, date(2026, 2, 1)).lines
    assert [(x.account_number, x.debit, x.credit) for x in lines if x.memo.startswith("Non")] == [
        ("6455", D("250.00"), D(0)),
        ("2150", D(0), D("250.00")),
    ]
    cash = sum(x.credit for x in lines if x.account_number == "2150")
    assert cash == D("1000.00")  # the whole payment leaves cash once, split in two
    AccountingDefaults.objects.filter(company=company).update(
        combine_components_asset_types=["real_estate"]
    )
    combined = period_postings(company, date(2026, 2, 1)).lines
    assert not any(x.account_number == "6455" for x in combined)
    assert sum(x.credit for x in combined if x.account_number == "2150") == D("1000.00")
