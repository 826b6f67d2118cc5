"""The change CSV takes an increase in scope at its standalone price (IFRS 16.44, ASC 842-10-25-8):
a `separate_lease` column, checked with the *Change lease* form's own rules and sentences, and an
imported line that, once approved, creates the `<code>-S1` lease as the form's change does.

IFRS 16 IE Example 15 (https://www.ifrs.org/content/dam/ifrs/publications/html-standards/english/
2022/issued/ifrs16-ie.html): space added at a price commensurate with its standalone price is
accounted for "as a separate lease", with no adjustment to the original lease.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leases import engine
from leases.change_forms import LeaseChangeForm
from leases.change_imports import CHANGE_COLUMNS, change_template_csv, validate_changes_file
from leases.change_selectors import approved_changes_schedule
from leases.change_services import (
    lease_change_approve,
    lease_change_create,
    lease_changes_approve_many,
    lease_changes_import,
)
from leases.models import Lease, LeaseChange
from leases.selectors import lease_terms, leases_with_terms
from tests.leases.factories import make_lease, set_up_accounting

HEADER = [c for c, _, _ in CHANGE_COLUMNS]
# HQ-1 (36 months from January 2026) takes a second floor from 10 July 2026 at 500.00 a month,
# measured at 7 %: a separate lease to the end of HQ-1, 30 months.
SECOND_FLOOR = {
    "lease_code": "HQ-1",
    "kind": "increase_scope",
    "effective_date": "2026-07-10",
    "new_payment": "500.00",
    "discount_rate": "7",
    "separate_lease": "yes",
    "reason": "Second floor at market rent",
}


def _csv(*rows: dict) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("changes.csv", out.getvalue().encode())


@pytest.fixture
def lease(personas):
    set_up_accounting(personas.company)
    return make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))


def _reload(lease):
    return leases_with_terms(Lease.objects.filter(pk=lease.pk)).get()


def _balances(lease):
    rows = approved_changes_schedule(_reload(lease)).posted_months()
    return [(m.closing_liability, m.rou_closing) for m in rows]


def test_the_template_has_the_separate_lease_column():
    header = next(csv.reader(io.StringIO(change_template_csv())))
    assert "separate_lease" in header


def test_an_imported_separate_lease_is_created_on_approval_as_the_forms_change_is(personas, lease):
    before = _balances(lease)
    rows, errors = validate_changes_file(personas.company, _csv(SECOND_FLOOR))
    assert errors == []
    [row] = rows
    assert (row.separate.code, row.event) == ("HQ-1-S1", None)
    assert row.separate.terms.term_months == 30
    # The details the *Change lease* form stores for the same inputs.
    form = LeaseChangeForm(
        {"kind": "increase_scope", "effective": "2026-07-10", "new_rent": "500.00",
         "annual_rate": "7", "separate_lease": "on"},
        lease=_reload(lease),
    )  # fmt: skip
    assert form.is_valid(), form.errors
    assert (
        row.details
        == form.details()
        == {
            "payments": [{"amount": "500.00", "frequency": "monthly", "timing": "advance"}],
            "annual_rate": "0.07",
            "separate_lease": True,
        }
    )

    [change] = lease_changes_import(
        company=personas.company, actor=personas.accountant.user, rows=rows
    )
    assert (change.status, change.kind, Lease.objects.count()) == ("pending", "increase_scope", 1)
    lease_change_approve(change=change, actor=personas.reviewer.user)

    change.refresh_from_db()
    assert change.status == "separate"
    created = _reload(change.separate_lease)
    assert (created.code, created.status) == ("HQ-1-S1", "active")
    assert (created.commencement_date, created.term_months) == (date(2026, 7, 10), 30)
    assert (created.discount_rate, created.classification) == (Decimal("7"), "operating")
    [payment] = created.payments.all()
    assert (payment.amount, payment.frequency, payment.timing) == (Decimal("500.00"), 1, "advance")
    assert created.name == "Lease HQ-1 · additional right of use (HQ-1 CH1)"
    # The lease it adds to keeps its figures: no event, the same balances.
    assert not approved_changes_schedule(_reload(lease)).events
    assert _balances(lease) == before
    # The same figures as the preview promised.
    measured = engine.build_schedule(lease_terms(created)).posted()
    assert (measured.liability, measured.rou) == (
        row.separate_figures["liability"],
        row.separate_figures["rou"],
    )


def test_approving_the_whole_import_creates_each_separate_lease_in_turn(personas, lease):
    other = make_lease(personas.company, code="HQ-2", commencement=date(2026, 1, 1))
    rows, errors = validate_changes_file(
        personas.company,
        _csv(
            SECOND_FLOOR,
            SECOND_FLOOR
            | {"effective_date": "2026-09-01", "term_months": "24", "classification": "finance"},
            {
                "lease_code": "HQ-2",
                "kind": "index",
                "effective_date": "2026-07-01",
                "new_payment": "1030.00",
            },
        ),  # fmt: skip
    )
    assert errors == []
    assert [r.separate.code if r.separate else None for r in rows] == ["HQ-1-S1", "HQ-1-S2", None]
    lease_changes_import(company=personas.company, actor=personas.accountant.user, rows=rows)
    assert lease_changes_approve_many(company=personas.company, actor=personas.reviewer.user) == 3
    created = {
        c.code: (c.term_months, c.classification)
        for c in Lease.objects.filter(code__startswith="HQ-1-S")
    }
    # The second ends at month 24 of HQ-1 (24 - 8 months elapsed before September) and is
    # classified on its own (ASC 842: a new lease); the first follows HQ-1's classification.
    assert created == {"HQ-1-S1": (30, "operating"), "HQ-1-S2": (16, "finance")}
    assert LeaseChange.objects.get(lease=other).status == "approved"


def _form_sentences(personas, lease, row: dict) -> list[str]:
    """What *Change lease* says for the same inputs (it saves nothing either)."""
    form = LeaseChangeForm(
        {"kind": row["kind"], "effective": row["effective_date"],
         "new_rent": row.get("new_payment", ""), "annual_rate": row.get("discount_rate", ""),
         "term_months": row.get("term_months", ""), "separate_lease": "on"},
        lease=_reload(lease),
    )  # fmt: skip
    assert form.is_valid(), form.errors
    with pytest.raises(ValidationError) as refused:
        lease_change_create(
            lease=lease,
            actor=personas.accountant.user,
            kind=row["kind"],
            effective=form.cleaned_data["effective"],
            details=form.details(),
        )
    return refused.value.messages


@pytest.mark.parametrize(
    ("changed", "column"),
    [
        ({"discount_rate": ""}, "discount_rate"),
        ({"new_payment": ""}, "new_payment"),
        ({"effective_date": "2026-01-20"}, "effective_date"),
        ({"term_months": "6"}, "term_months"),
    ],
    ids=["no-rate", "no-payment", "commencement-month", "ends-before-it-starts"],
)
def test_a_separate_lease_the_form_refuses_is_refused_by_line_and_column_in_its_words(
    personas, lease, changed, column
):
    row = SECOND_FLOOR | changed
    rows, errors = validate_changes_file(personas.company, _csv(row))
    assert rows == []
    assert [(e.line, e.column) for e in errors] == [(2, column)]
    assert [e.reason for e in errors] == _form_sentences(personas, lease, row)
    assert not LeaseChange.objects.exists() and Lease.objects.count() == 1


def test_a_bad_flag_or_a_flag_on_another_kind_is_a_sentence(personas, lease):
    rows, errors = validate_changes_file(
        personas.company,
        _csv(
            SECOND_FLOOR | {"separate_lease": "maybe"},
            SECOND_FLOOR | {"kind": "index"},
            SECOND_FLOOR | {"separate_lease": "no"},
        ),
    )
    assert [str(e) for e in errors] == [
        "Line 2, column separate_lease: “maybe” is not yes or no.",
        "Line 3, column separate_lease: only an increase in scope can be a separate lease "
        "(leave it blank or no).",
    ]
    assert rows  # the third line, an increase in scope of HQ-1 itself, is fine
    assert rows[-1].separate is None and rows[-1].event is not None


def test_the_pages_preview_save_and_approve_an_imported_separate_lease(personas, lease):
    amy, rita = Client(), Client()
    amy.force_login(personas.accountant.user)
    rita.force_login(personas.reviewer.user)
    url = reverse("lease_changes_import")
    refused = amy.post(
        url, {"file": _csv(SECOND_FLOOR | {"discount_rate": ""}), "action": "preview"}
    )
    assert refused.status_code == 200
    assert "Line 2, column discount_rate: Enter the discount rate of the separate lease" in (
        refused.content.decode()
    )
    preview = amy.post(url, {"file": _csv(SECOND_FLOOR), "action": "preview"})
    assert preview.status_code == 200
    assert "a separate lease, HQ-1-S1" in preview.content.decode()
    assert not LeaseChange.objects.exists()
    saved = amy.post(url, {"content": preview.context["content"], "action": "save"})
    assert saved.status_code == 302
    change = LeaseChange.objects.get()
    assert change.details["separate_lease"] is True
    approved = rita.post(reverse("lease_change_approve", args=[change.pk]))
    assert approved.status_code == 302
    change.refresh_from_db()
    assert change.status == "separate" and change.separate_lease.code == "HQ-1-S1"
