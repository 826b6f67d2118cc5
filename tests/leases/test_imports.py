"""CSV imports: whole-file validation, line/column errors, nothing imported, re-import updates."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from leases.imports import LEASE_COLUMNS, MAX_BYTES, lease_template_csv
from leases.models import GLAccount, Lease
from tests.leases.factories import CHART

HEADER = (
    "code,name,subsidiary,commencement_date,term_months,discount_rate,classification,"
    "payment_amount,lease_expense_account"
)
GOOD = [
    "W-1,Warehouse,Acme US,2026-01-01,12,6,operating,1000,6400",
    "W-2,Depot,Acme US,2026-02-01,24,5.5,finance,2000,",
]


def _upload(lines: list[str], name: str = "leases.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def _import(client, lines, **extra):
    return client.post(
        reverse("lease_import"),
        {"file": _upload([HEADER, *lines]), "update_existing": "on", **extra},
    )


def test_a_clean_file_imports_draft_leases(amy, personas, subsidiary):
    response = _import(amy, GOOD)
    assert response.status_code == 302
    leases = Lease.objects.filter(company=personas.company).order_by("code")
    assert [(x.code, x.status, x.term_months) for x in leases] == [
        ("W-1", "draft", 12),
        ("W-2", "draft", 24),
    ]
    assert leases[0].lease_expense_account.number == "6400"


def test_every_bad_row_is_reported_and_nothing_is_imported(amy, personas, subsidiary):
    response = _import(
        amy,
        [
            GOOD[0],
            "W-3,Shop,Nowhere Inc,2026-01-01,12,6,operating,1000,",
            "W-4,Shop,Acme US,2026-31-01,twelve,-2,operating,1000,9999",
            "W-5,Shop,Acme US,2026-01-01,12,6,,1000,",
        ],
    )
    assert response.status_code == 200
    errors = [str(e) for e in response.context["errors"]]
    assert errors == [
        "Line 3, column subsidiary: no subsidiary is named “Nowhere Inc”.",
        "Line 4, column commencement_date: “2026-31-01” is not a date in YYYY-MM-DD form.",
        "Line 4, column term_months: “twelve” is not a whole number of months.",
        "Line 4, column discount_rate: the discount rate cannot be negative.",
        "Line 4, column lease_expense_account: account 9999 is not in your chart of accounts.",
        "Line 5, column classification: An ASC 842 lease must be classified as operating or "
        "finance.",
    ]
    assert Lease.objects.count() == 0
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert response.context["form"]["update_existing"].value() is True


def test_a_missing_required_column_is_reported_on_line_1(amy, subsidiary):
    response = amy.post(reverse("lease_import"), {"file": _upload(["code,name", "X,Y"])})
    errors = [str(e) for e in response.context["errors"]]
    assert errors[0] == "Line 1, column subsidiary: this required column is missing."
    assert Lease.objects.count() == 0


def test_reimporting_the_same_file_updates_by_code(amy, personas, subsidiary):
    _import(amy, GOOD)
    first = {lease.code: lease.pk for lease in Lease.objects.all()}
    response = _import(amy, [GOOD[0].replace("Warehouse", "Big warehouse"), GOOD[1]])
    assert response.status_code == 302
    assert {lease.code: lease.pk for lease in Lease.objects.all()} == first
    assert Lease.objects.get(code="W-1").name == "Big warehouse"
    assert AuditEvent.objects.filter(action="lease.update").count() == 2
    assert Lease.objects.get(code="W-1").payments.count() == 1


def test_an_existing_code_is_refused_when_updates_are_not_wanted(amy, personas, subsidiary):
    _import(amy, GOOD)
    response = amy.post(reverse("lease_import"), {"file": _upload([HEADER, GOOD[0]])})
    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column code: a lease with code W-1 already exists."
    ]


def test_a_file_over_the_size_limit_gets_a_clear_message(amy, subsidiary):
    big = SimpleUploadedFile("big.csv", b"x" * (MAX_BYTES + 1))
    response = amy.post(reverse("lease_import"), {"file": big})
    assert response.context["form"].errors["file"] == [
        f"The file is {(MAX_BYTES + 1) // 1024} KB; the limit is 2 MB. Split it into several files."
    ]


def test_the_template_has_every_column_and_imports_once_its_names_exist(amy, personas, subsidiary):
    response = amy.get(reverse("lease_import_template"))
    lines = response.content.decode().splitlines()
    assert lines[0].split(",") == [c for c, _, _ in LEASE_COLUMNS]
    assert len(lines) == 2
    upload = SimpleUploadedFile("t.csv", lease_template_csv().encode())
    response = amy.post(reverse("lease_import"), {"file": upload, "update_existing": "on"})
    assert response.status_code == 302
    lease = Lease.objects.get(code="NYC-HQ-01")
    assert lease.payments.get().escalation_value == Decimal("3")


def test_the_chart_of_accounts_imports_and_reports_bad_rows(amy, personas, subsidiary):
    bad = SimpleUploadedFile(
        "c.csv", b"number,name,type\n1500,Deposits,Other Asset\n,No number,\n1500,Again,\n"
    )
    response = amy.post(reverse("chart_of_accounts"), {"file": bad})
    assert [str(e) for e in response.context["errors"]] == [
        "Line 3, column number: enter the account number.",
        "Line 4, column number: 1500 is already on line 2.",
    ]
    assert not GLAccount.objects.filter(number="1500").exists()
    good = SimpleUploadedFile(
        "c.csv", b"number,name,type\n1500,Deposits,Other Asset\n1410,ROU asset,\n"
    )
    response = amy.post(reverse("chart_of_accounts"), {"file": good})
    assert response.status_code == 302
    assert GLAccount.objects.get(company=personas.company, number="1500").name == "Deposits"
    assert GLAccount.objects.get(company=personas.company, number="1410").name == "ROU asset"
    assert GLAccount.objects.filter(company=personas.company).count() == len(CHART) + 1
