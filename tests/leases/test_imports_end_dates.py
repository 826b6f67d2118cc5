"""The lease CSV takes end_date and payment_day as the lease form does (docs/engine.md "Real
dates"): the term derived from the end date, and what the form refuses refused in its words."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from companies.models import Company
from leases import engine
from leases.models import Lease
from leases.selectors import lease_terms, leases_with_terms

HEADER = (
    "code,name,subsidiary,commencement_date,term_months,end_date,payment_day,discount_rate,"
    "classification,payment_amount"
)
# The lease of test_end_date_leases.py: 15 January 2026 to 31 December 2030, 3,100.00 due on the
# 1st, 6 % nominal; the form measures its liability at 158,406.90.
STUB = "ST-1,Stub office,Acme US,2026-01-15,,2030-12-31,1,6,operating,3100.00"


def _import(client, *lines: str):
    upload = SimpleUploadedFile("leases.csv", "\n".join([HEADER, *lines]).encode())
    return client.post(reverse("lease_import"), {"file": upload, "update_existing": "on"})


def test_a_lease_with_stubs_imports_with_the_term_its_end_date_gives(amy, personas, subsidiary):
    response = _import(amy, STUB)
    assert response.status_code == 302, response.context["errors"]
    lease = leases_with_terms(Lease.objects.filter(company=personas.company)).get()
    assert (lease.term_months, lease.end_date, lease.payment_day) == (60, date(2030, 12, 31), 1)
    schedule = engine.build_schedule(lease_terms(lease))
    assert schedule.measurement.payments_at_commencement == Decimal("1700.00")
    assert schedule.posted().liability == Decimal("158406.90")


def test_each_date_problem_is_a_sentence_by_line_and_column(amy, personas, subsidiary):
    response = _import(
        amy,
        "A,Office,Acme US,2026-01-15,12,2030-12-31,1,6,operating,3100.00",
        "B,Office,Acme US,2026-01-15,,,40,6,operating,3100.00",
        f"C,Office,Acme US,2026-01-15,{'9' * 5000},,,6,operating,3100.00",
    )
    assert response.status_code == 200
    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column end_date: The end date gives a 60-month term (a part month counts as "
        "one), but the term says 12.",
        "Line 3, column payment_day: The payment day is a day of the month, from 1 to 31.",
        "Line 3, column term_months: Enter the term in months, or the end date.",
        f"Line 4, column term_months: “{'9' * 40}” must be between 0 and 2,147,483,647.",
    ]
    assert not Lease.objects.exists()


def test_stubs_a_whole_months_company_cannot_compute_are_refused_in_the_forms_words(
    amy, personas, subsidiary
):
    Company.objects.filter(pk=personas.company.pk).update(day_count="whole_months")
    response = _import(amy, STUB)
    assert response.status_code == 200
    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column payment_day: A payment day or end date off the monthly anniversary of "
        "commencement needs partial months counted by actual days (Settings → Company → Partial "
        "months)."
    ]
    assert not Lease.objects.exists()
