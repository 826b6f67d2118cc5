"""The Change lease pages: preview, save pending, approve by a colleague, bulk CSV import."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from leases.change_selectors import changed_schedule, engine_change, lease_base_schedule
from leases.models import AccountingDefaults, LeaseChange
from tests.leases.factories import make_lease, set_up_accounting


@pytest.fixture
def lease(personas):
    set_up_accounting(personas.company)
    return make_lease(personas.company, code="HQ-1", commencement=date(2026, 1, 1))


def _post_change(client, lease, action, **overrides):
    data = {
        "kind": "consideration",
        "effective": "2026-07-10",
        "new_rent": "1200.00",
        "annual_rate": "6",
        "reason": "Rent review",
        "action": action,
    } | overrides
    return client.post(reverse("lease_change", args=[lease.pk]), data)


def test_preview_shows_before_and_after_and_saves_nothing(client, personas, lease):
    client.force_login(personas.accountant.user)
    page = _post_change(client, lease, "preview")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Change in consideration" in html and "Takes effect on 10 Jul 2026" in html
    assert "Remeasurement: lease liability" in html
    assert "new segment" in html
    assert not LeaseChange.objects.exists()
    # Preview posts to the preview's anchor, so the browser brings it into view below the form;
    # Save posts to the page itself (its redirect carries no anchor).
    assert 'value="preview" formaction="#preview">Preview</button>' in html
    assert '<section class="card" id="preview">' in html
    assert 'value="save" class="primary">Save as pending change' in html


def test_saved_change_is_pending_and_only_a_colleague_approves_it(client, personas, lease):
    client.force_login(personas.accountant.user)
    response = _post_change(client, lease, "save")
    assert response.status_code == 302
    change = LeaseChange.objects.get()
    assert (change.status, change.number, change.kind) == ("pending", 1, "consideration")
    assert change.details == {
        "payments": [{"amount": "1200.00", "frequency": "monthly", "timing": "advance"}],
        "annual_rate": "0.06",
    }
    page = client.get(reverse("lease_detail", args=[lease.pk])).content.decode()
    assert "CH1" in page and "Waiting for approval" in page
    assert '<span class="badge warn">Waiting for approval</span>' in page  # styled, not bare
    # Why Approve is greyed out is said on the page, not only in a tooltip a phone never shows.
    assert "(yours: a colleague approves it)" in page
    # The maker's own approval is refused and nothing changes.
    refused = client.post(reverse("lease_change_approve", args=[change.pk]), follow=True)
    assert "another person" in refused.content.decode()
    change.refresh_from_db()
    assert change.status == "pending"
    client.force_login(personas.reviewer.user)
    client.post(reverse("lease_change_approve", args=[change.pk]))
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", personas.reviewer.user)
    assert (
        AuditEvent.objects.filter(
            action="lease_change.create", actor=personas.accountant.user
        ).count()
        == 1
    )
    assert (
        AuditEvent.objects.filter(
            action="lease_change.approve", actor=personas.reviewer.user
        ).count()
        == 1
    )
    # The lease page now shows the segmented schedule with the change marked.
    page = client.get(reverse("lease_detail", args=[lease.pk])).content.decode()
    assert 'class="segment-start"' in page


def test_a_bad_change_says_what_to_fix(client, personas, lease):
    client.force_login(personas.accountant.user)
    page = _post_change(client, lease, "save", annual_rate="", effective="2026-01-05")
    html = page.content.decode()
    assert "after the commencement month" in html
    assert "revised rate" in html
    assert not LeaseChange.objects.exists()


def test_another_companys_change_is_not_found(client, personas, lease):
    set_up_accounting(personas.other_company, subsidiary="Globex UK")
    other = make_lease(personas.other_company, code="X-1", commencement=date(2026, 1, 1))
    client.force_login(personas.accountant.user)
    assert client.get(reverse("lease_change", args=[other.pk])).status_code == 404


CSV_HEADER = "lease_code,kind,effective_date,new_payment,discount_rate\n"


def _upload(client, text, action="preview"):
    return client.post(
        reverse("lease_changes_import"),
        {"file": SimpleUploadedFile("c.csv", text.encode()), "action": action},
    )


def test_csv_import_is_all_or_nothing_with_line_and_column_errors(client, personas, lease):
    client.force_login(personas.accountant.user)
    bad = (
        CSV_HEADER
        + "HQ-1,index,2027-01-01,1045.00,\nNOPE,index,2027-01-01,1,\nHQ-1,term,2027-02-01,,\n"
    )
    html = _upload(client, bad, action="save").content.decode()
    assert "Line 3, column lease_code: no lease has the code NOPE." in html
    assert "Line 4, column discount_rate:" in html
    assert not LeaseChange.objects.exists()


def test_csv_import_previews_then_saves_and_a_colleague_approves_all(client, personas, lease):
    second = make_lease(personas.company, code="HQ-2", commencement=date(2026, 1, 1))
    client.force_login(personas.accountant.user)
    text = CSV_HEADER + "HQ-1,index,2027-01-01,1045.00,\nHQ-2,index,2027-01-01,1045.00,\n"
    preview = _upload(client, text).content.decode()
    assert "Save 2 changes" in preview and "HQ-2" in preview
    assert not LeaseChange.objects.exists()
    # Saving sends the previewed text back: no second upload.
    saved = client.post(reverse("lease_changes_import"), {"content": text, "action": "save"})
    assert saved.status_code == 302
    assert sorted(LeaseChange.objects.values_list("lease__code", "status")) == [
        ("HQ-1", "pending"),
        ("HQ-2", "pending"),
    ]
    pending = client.get(reverse("lease_changes_pending")).content.decode()
    # The maker's own rows say why their boxes are greyed out; the bulk button claims no count
    # (it counted the maker's own changes, which it does not approve).
    assert pending.count("(yours: a colleague approves it)") == 2
    assert ">Approve every change proposed by someone else</button>" in pending
    ids = [str(c.pk) for c in LeaseChange.objects.all()]
    client.post(reverse("lease_changes_pending"), {"change": ids})
    assert set(LeaseChange.objects.values_list("status", flat=True)) == {"pending"}  # maker
    client.force_login(personas.reviewer.user)
    client.post(reverse("lease_changes_pending"), {"all": "1"})  # all proposed by others
    assert set(LeaseChange.objects.values_list("status", flat=True)) == {"approved"}
    assert second.changes.get().details["payments"][0]["amount"] == str(Decimal("1045.00"))


def test_a_nul_byte_or_a_huge_number_gets_a_sentence_not_a_500(client, personas, lease):
    client.force_login(personas.accountant.user)
    page = _post_change(client, lease, "save", reason="CPI\x00", new_rent="1e309")
    assert page.status_code == 200
    html = page.content.decode()
    assert "NUL byte" in html
    assert not LeaseChange.objects.exists()
    bad = CSV_HEADER + "HQ-1,index,2027-01-01,1e400,\n"
    html = _upload(client, bad).content.decode()
    assert "Line 2, column new_payment:" in html


def test_a_termination_takes_the_restoration_cost_paid_and_the_preview_shows_the_gain(
    client, personas
):
    """IFRS 16 with IAS 37: 10,000 expected in 3 years at 6 % a year (0.5 % a month) is carried
    after a year at 10,000 / 1.005^24 = 8,871.86; paid 8,500.00 on termination, the provision
    comes off at its carrying amount and the 371.86 not needed is a gain."""
    set_up_accounting(personas.company)
    lease = make_lease(
        personas.company,
        code="RS-1",
        standard="ifrs16",
        classification="",
        restoration_estimate=Decimal("10000"),
        restoration_rate=Decimal("6"),
    )
    client.force_login(personas.accountant.user)
    ended = {"kind": "termination", "effective": "2027-01-01", "amount": "0"}
    page = _post_change(
        client, lease, "preview", new_rent="", annual_rate="", **ended, restoration_paid="8500.00"
    )
    html = page.content.decode()
    assert page.status_code == 200, html
    assert "Restoration provision settled" in html and "8,871.86" in html
    assert "Gain or loss on settling the restoration provision" in html and "371.86" in html
    saved = _post_change(
        client, lease, "save", new_rent="", annual_rate="", **ended, restoration_paid="8500.00"
    )
    assert saved.status_code == 302
    assert LeaseChange.objects.get().details == {"amount": "0", "restoration_paid": "8500.00"}
    refused = _post_change(
        client, lease, "preview", new_rent="", annual_rate="", **ended, restoration_paid="-1"
    )
    assert refused.status_code == 200
    assert "greater than or equal to 0" in refused.content.decode()


RESTORATION_HEADER = "lease_code,kind,effective_date,amount,restoration_paid\n"


def _restoration_lease(company, code: str):
    return make_lease(
        company,
        code=code,
        standard="ifrs16",
        classification="",
        restoration_estimate=Decimal("10000"),
        restoration_rate=Decimal("6"),
    )


def _change_lines(lease):
    """The entry of the lease's one stored change, as the engine posts it."""
    change = LeaseChange.objects.select_related("lease__company").get(lease=lease)
    lease = change.lease  # as stored (the factory's instance keeps its Python defaults)
    schedule = changed_schedule(lease_base_schedule(lease), [engine_change(change)])
    return [(x.role, x.debit, x.credit, x.memo) for x in schedule.events[0].lines]


def test_an_imported_termination_with_the_restoration_cost_paid_posts_the_forms_entry(
    client, personas
):
    """The same termination of two identical leases, one by the form and one by the CSV: the
    same stored change and the same entry (the provision carried at 8,871.86 settled by a
    payment of 8,500.00, a gain of 371.86; see the form's test above)."""
    set_up_accounting(personas.company)
    by_form = _restoration_lease(personas.company, "RS-1")
    by_file = _restoration_lease(personas.company, "RS-2")
    client.force_login(personas.accountant.user)
    ended = {"kind": "termination", "effective": "2027-01-01", "amount": "0"}
    saved = _post_change(
        client, by_form, "save", new_rent="", annual_rate="", **ended, restoration_paid="8500.00"
    )
    assert saved.status_code == 302
    text = RESTORATION_HEADER + "RS-2,termination,2027-01-01,0,8500.00\n"
    preview = _upload(client, text).content.decode()
    assert "Save 1 change" in preview
    assert (
        "Restoration provision settled 8,871.86 · restoration cost paid 8,500.00 · gain (+) or "
        "loss (−) on settling it 371.86" in preview
    )
    saved = client.post(reverse("lease_changes_import"), {"content": text, "action": "save"})
    assert saved.status_code == 302
    imported = LeaseChange.objects.get(lease=by_file)
    assert imported.details == LeaseChange.objects.get(lease=by_form).details
    assert imported.details == {"amount": "0", "restoration_paid": "8500.00"}
    lines = _change_lines(by_file)
    assert lines == _change_lines(by_form)
    assert ("provision", Decimal("8871.86"), Decimal(0)) in [x[:3] for x in lines]
    assert ("modification_gain_loss", Decimal(0), Decimal("371.86")) in [x[:3] for x in lines]


def test_a_blank_restoration_cost_paid_settles_the_provision_as_it_stands(client, personas):
    set_up_accounting(personas.company)
    _restoration_lease(personas.company, "RS-3")
    client.force_login(personas.accountant.user)
    text = (
        "lease_code,kind,effective_date,amount,restoration_paid\nRS-3,termination,2027-01-01,0,\n"
    )
    preview = _upload(client, text).content.decode()
    assert (
        "Restoration provision settled 8,871.86 · restoration cost paid 8,871.86 · gain (+) or "
        "loss (−) on settling it 0.00" in preview
    )


def test_a_restoration_cost_paid_elsewhere_is_refused_on_its_row_and_column(
    client, personas, lease
):
    _restoration_lease(personas.company, "RS-4")
    client.force_login(personas.accountant.user)
    text = (
        "lease_code,kind,effective_date,new_payment,amount,restoration_paid\n"
        "RS-4,index,2027-01-01,1045.00,,100.00\n"
        "HQ-1,termination,2027-01-01,,0,100.00\n"
        "RS-4,termination,2027-01-01,,0,-5\n"
        "RS-4,termination,2027-01-01,,0,12.345\n"
    )
    html = _upload(client, text, action="save").content.decode()
    assert (
        "Line 2, column restoration_paid: Only an early termination settles the restoration "
        "provision: leave it blank." in html
    )
    assert (
        "Line 3, column restoration_paid: Lease HQ-1 has no restoration provision (an IFRS 16 "
        "lease with an expected restoration cost): leave it blank." in html
    )
    assert "Line 4, column restoration_paid: the restoration cost paid cannot be negative." in html
    assert "Line 5, column restoration_paid:" in html
    assert not LeaseChange.objects.exists()
    # The form says the same on a lease without a provision.
    page = _post_change(
        client,
        lease,
        "preview",
        kind="termination",
        effective="2027-01-01",
        amount="0",
        new_rent="",
        annual_rate="",
        restoration_paid="100.00",
    )
    assert "Lease HQ-1 has no restoration provision" in page.content.decode()


@pytest.mark.parametrize("day_count", ["whole_months", "actual_days"])
def test_a_renewal_ends_the_exemption_of_a_lease_entered_with_its_end_date(
    client, personas, day_count
):
    """A 12-month short-term lease entered with its end date (31 December 2026) and rent due on
    the 1st, renewed on 1 October for 12 more months: IFRS 16.7 makes it a new lease of 15
    months, recognised from the renewal (liability 13,488.71: the worked case of
    tests/leases/engine/test_exempt_changes.py), under either day count."""
    set_up_accounting(personas.company)
    personas.company.day_count = day_count
    personas.company.save(update_fields=["day_count"])
    AccountingDefaults.objects.filter(company=personas.company).update(
        short_term_asset_types=["real_estate"]
    )
    lease = make_lease(
        personas.company,
        code="ST-1",
        standard="ifrs16",
        classification="",
        term_months=12,
        end_date=date(2026, 12, 31),
        payment_day=1,
        exemption="short_term",
    )
    client.force_login(personas.accountant.user)
    page = _post_change(
        client,
        lease,
        "preview",
        kind="term",
        effective="2026-10-01",
        term_months="24",
        new_rent="",
        annual_rate="6",
    )
    html = page.content.decode()
    assert page.status_code == 200, html
    assert "Exemption ends" in html and "13,488.71" in html
