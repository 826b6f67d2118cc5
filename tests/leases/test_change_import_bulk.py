"""A large change import is written in one COPY on PostgreSQL (bulk_create elsewhere): the saved
rows are the ones the ORM would write, and the returned changes are saved instances."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from leases.change_imports import validate_changes_file
from leases.change_services import lease_changes_import
from leases.models import LeaseChange
from tests.leases.factories import make_lease, set_up_accounting


def test_a_large_import_saves_every_row_as_a_pending_change(personas):
    set_up_accounting(personas.company)
    codes = [f"R-{n}" for n in range(120)]
    for code in codes:
        make_lease(personas.company, code=code, commencement=date(2025, 1, 1), term_months=60)
    csv = "lease_code,kind,effective_date,new_payment,reason\n" + "".join(
        f"{code},index,2026-01-01,{1000 + n}.50,CPI\n" for n, code in enumerate(codes)
    )
    rows, errors = validate_changes_file(
        personas.company, SimpleUploadedFile("review.csv", csv.encode())
    )
    assert errors == []
    saved = lease_changes_import(
        company=personas.company, actor=personas.accountant.user, rows=rows
    )
    assert len(saved) == 120 and all(c.pk for c in saved)
    stored = {c.pk: c for c in LeaseChange.objects.select_related("lease")}
    assert set(stored) == {c.pk for c in saved}
    first = stored[saved[0].pk]
    assert (first.lease.code, first.number, first.kind, first.status) == (
        "R-0",
        1,
        "index",
        "pending",
    )
    assert first.effective_date == date(2026, 1, 1)
    assert first.details == {
        "payments": [{"amount": "1000.50", "frequency": "monthly", "timing": "advance"}]
    }
    assert first.created_by == personas.accountant.user and first.created_at is not None
    assert first.reason == "CPI" and first.booking_period is None
    assert Decimal(stored[saved[-1].pk].details["payments"][0]["amount"]) == Decimal("1119.50")
