"""A lease import refused by the lease services, after the file's own row checks passed, names the
file's column and never an engine field, with days in the company's date format."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from companies.formats import company_formats
from leases.imports import row_refusals
from leases.models import Lease
from tests.leases.factories import make_lease

HEADER = (
    "code,name,subsidiary,commencement_date,term_months,discount_rate,standard,classification,"
    "payment_amount"
)
# The lease below as a file row, but under ASC 842.
AS_ASC_842 = "W-1,Warehouse,Acme US,2026-01-01,12,6,asc842,operating,1000"


def _import(client, *lines):
    upload = SimpleUploadedFile(
        "leases.csv", ("\n".join([HEADER, *lines]) + "\n").encode(), content_type="text/csv"
    )
    return client.post(reverse("lease_import"), {"file": upload, "update_existing": "on"})


def test_a_refusal_of_the_lease_service_names_the_files_column(amy, personas, subsidiary):
    # An IFRS 16 lease with a restoration provision, which the file has no column for: the row
    # passes the import's checks, and the service refuses the provision under ASC 842.
    lease = make_lease(
        personas.company,
        code="W-1",
        name="Warehouse",
        term_months=12,
        standard="ifrs16",
        classification="",
        restoration_estimate=Decimal("5000.00"),
    )
    events = AuditEvent.objects.count()

    response = _import(amy, AS_ASC_842)

    assert response.status_code == 200
    # The provision and its present value (the restoration cost) are both refused: the file's
    # standard is the column to change.
    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column standard: Restoration costs are added to the right-of-use asset only "
        "under IFRS 16; under ASC 842 record them as an asset retirement obligation instead.",
        "Line 2, column standard: A restoration provision is added to the right-of-use asset "
        "only under IFRS 16; under ASC 842 record an asset retirement obligation instead.",
    ]
    page = response.content.decode()
    assert "restoration_estimate" not in page and "(restoration_cost)" not in page
    lease.refresh_from_db()
    assert (lease.standard, lease.restoration_estimate) == ("ifrs16", Decimal("5000.00"))
    assert AuditEvent.objects.count() == events  # nothing was imported


def test_an_engine_field_becomes_the_column_that_holds_it():
    refusal = ValidationError(
        [
            "The discount rate cannot be negative. (annual_rate)",
            "A payment cannot be negative. (payments[0].amount)",
            "Enter incentives as positive amounts. (incentives[0].receivable_on)",
        ]
    )
    assert [str(e) for e in row_refusals(7, refusal)] == [
        "Line 7, column discount_rate: The discount rate cannot be negative.",
        "Line 7, column payment_amount: A payment cannot be negative.",
        "Line 7, column incentive_receivable_on: Enter incentives as positive amounts.",
    ]


def test_a_model_field_is_its_column_and_other_fields_name_none(personas):
    refusal = ValidationError(
        {
            "code": ["A lease with this code already exists in your company."],
            "lease_component_price": ["Enter a number."],
            "__all__": ["Lease W-1 is active."],
        }
    )
    assert [str(e) for e in row_refusals(3, refusal)] == [
        "Line 3, column code: A lease with this code already exists in your company.",
        "Line 3: Enter a number.",
        "Line 3: Lease W-1 is active.",
    ]


def test_a_day_in_a_refusal_is_written_the_companys_way(personas):
    personas.company.date_format = "d/m/Y"
    refusal = ValidationError(["The step date 2026-03-31 must fall within the term. (end_date)"])
    with company_formats(personas.company):
        (problem,) = row_refusals(4, refusal)
    assert str(problem) == (
        "Line 4, column end_date: The step date 31/03/2026 must fall within the term."
    )
    assert not Lease.objects.exists()
