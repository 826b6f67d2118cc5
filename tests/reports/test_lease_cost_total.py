"""ASC 842's total lease cost is the sum of the lease cost lines it shows, short-term cost included.

ASC 842-20-50-4 lists the components of lease cost: finance lease cost (amortization of ROU
assets, interest on lease liabilities), operating lease cost, short-term lease cost (50-4(c)),
variable lease cost and sublease income. IFRS 16.53 lists depreciation by class, interest,
short-term expense, low-value expense, variable payments, sublease income and the total cash
outflow; none of them may be missing from the page.
"""

from datetime import date
from decimal import Decimal as D
from io import BytesIO

from django.db.models import F, Sum
from openpyxl import load_workbook

from closebooks.models import JournalLine, PeriodStatus
from leases.models import AccountingDefaults, AssetType
from reports.periods import fiscal_range
from reports.selectors import NO_SUBLEASE, disclosures
from tests.leases.factories import make_lease, set_up_accounting
from tests.reports.conftest import JAN, close_through

DEC = date(2026, 12, 1)
COST_ACCOUNTS = (
    "lease_expense_account",
    "rou_amortization_account",
    "interest_expense_account",
    "short_term_expense_account",
    "variable_expense_account",
)
COMPONENTS = (
    "operating_lease_cost",
    "finance_amortization",
    "finance_interest",
    "short_term_cost",
    "variable_cost",
)


def posted_to_cost_accounts(company, year: int) -> D:
    """Debits less credits on the lease cost accounts in the current entries of the year."""
    defaults = AccountingDefaults.objects.get(company=company)
    numbers = [getattr(defaults, name).number for name in COST_ACCOUNTS]
    totals = JournalLine.objects.filter(
        entry__company=company,
        entry__period__status=PeriodStatus.CLOSED,
        entry__close_version=F("entry__period__close_version"),
        entry__period__start__year=year,
        account_number__in=numbers,
    ).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return totals["debit"] - totals["credit"]


def one_of_each(personas):
    """An operating lease (1,000 a month), a finance lease (730.15 a month, 7.5 %) and a
    12-month short-term equipment lease (500 a month), all from January 2026, 2026 closed."""
    set_up_accounting(personas.company)
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=[AssetType.EQUIPMENT]
    )
    make_lease(personas.company, code="OP-1", amount="1000.00", commencement=JAN)
    make_lease(personas.company, code="FIN-1", amount="730.15", commencement=JAN,
               classification="finance", discount_rate=D("7.5"))  # fmt: skip
    make_lease(personas.company, code="ST-1", amount="500.00", commencement=JAN,
               term_months=12, asset_type=AssetType.EQUIPMENT, exemption="short_term")  # fmt: skip
    close_through(personas.company, DEC, personas.accountant.user)


def test_asc842_total_lease_cost_includes_short_term_cost_and_ties_to_the_cost_accounts(
    personas,
):
    """ASC 842-20-50-4(c): short-term lease cost is a component of total lease cost. Before
    the fix the total left out the short-term lease's 6,000.00 (12 x 500)."""
    one_of_each(personas)
    (item,) = disclosures(personas.company, fiscal_range(personas.company, 2026))
    f = {figure.key: figure for figure in item.figures}
    assert (f["short_term_cost"].amount, f["short_term_cost"].note) == (D("6000.00"), "")
    assert f["short_term_cost"].lease_codes == ["ST-1"]
    assert f["operating_lease_cost"].amount == D("12000.00")
    assert f["finance_amortization"].amount > 0 and f["finance_interest"].amount > 0
    components = sum((f[key].amount for key in COMPONENTS), D(0))
    assert f["total_cost"].amount == components
    assert f["total_cost"].amount == posted_to_cost_accounts(personas.company, 2026)
    assert f["total_cost"].amount == (
        D("12000.00")
        + f["finance_amortization"].amount
        + f["finance_interest"].amount
        + D("6000.00")
    )
    # ASC 842-20-50-4(f): sublease income is shown, with no amount, and says why.
    assert (f["sublease_income"].amount, f["sublease_income"].note) == (None, NO_SUBLEASE)
    order = [figure.key for figure in item.figures]
    assert order.index("total_cost") > max(order.index(key) for key in COMPONENTS)


def test_the_page_and_the_workbook_show_the_short_term_line_and_the_same_total(client, personas):
    one_of_each(personas)
    total = posted_to_cost_accounts(personas.company, 2026)
    client.force_login(personas.accountant.user)
    page = client.get("/accounting/reports/disclosures/?year=2026").content.decode()
    assert "Short-term lease cost" in page and "6,000.00" in page
    assert f"{total:,.2f}" in page
    response = client.get("/accounting/reports/disclosures/?year=2026&format=xlsx")
    sheet = load_workbook(BytesIO(response.content))["ASC 842 USD"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert D(str(rows["Short-term lease cost"])) == D("6000.00")
    assert D(str(rows["Total lease cost"])) == total


def test_ifrs16_shows_every_figure_paragraph_53_lists(personas):
    """IFRS 16.53(a)-(g): depreciation (by class below), interest, short-term expense,
    low-value expense, variable payments, sublease income and the total cash outflow. The page
    has no total of the expense lines, so none can leave one out."""
    set_up_accounting(personas.company)
    make_lease(personas.company, code="R-1", standard="ifrs16", classification="")
    (item,) = disclosures(personas.company, fiscal_range(personas.company, 2026))
    keys = [figure.key for figure in item.figures]
    listed = ["depreciation", "interest", "short_term", "low_value", "variable",
              "sublease_income", "cash_outflow"]  # fmt: skip
    assert [key for key in keys if key in listed] == listed
    assert not any("total" in key for key in keys)
    f = {figure.key: figure for figure in item.figures}
    assert f["depreciation"].amount == sum((dep for _, dep, _, _ in item.by_class), D(0))
    assert f["sublease_income"].note == NO_SUBLEASE
