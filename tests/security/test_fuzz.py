"""Bounded fuzzing of every form and import: random unicode, control characters, huge and tiny
numbers and long strings never give a server error, and a refused submission writes nothing.

The forms are found, not listed: every page reachable without an argument (and the pages of one
lease and one closed period) is fetched as a member holding every permission, and each POST form
on it, with its field names and options, is fuzzed. Bounded: FUZZ_EXAMPLES submissions per form.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
import responses
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closebooks.models import AccountingPeriod
from closebooks.services import period_close, periods_ensure
from leases.imports import LEASE_COLUMNS
from tests.factories import make_company, make_member
from tests.leases.factories import make_lease, set_up_accounting
from tests.security.pages import pages_without_arguments

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Buttons that start work elsewhere or end the session; they carry no typed input.
NOT_FUZZED = {"/accounts/logout/"}
# Rows the test itself causes on every request, whatever the form does.
BOOKKEEPING = {"sessions.Session", "axes.AccessLog", "axes.AccessAttempt", "axes.AccessFailureLog"}

NASTY = [
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "1e309",
    "-1e309",
    "1e-309",
    "9" * 40,
    "-9" * 20,
    "NaN",
    "Infinity",
    "0",
    "-1",
    "2147483648",
    "99999999999999999999.99",
    "0.000000000001",
    "x" * 5000,
    "２０２６-01-01",
    "²",
    "2026-02-30",
    "9999-12-31",
    "http://[::1",
    "https://x:99999",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "🏢" * 30,
    "",
    " ",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
)


class FormFinder(HTMLParser):
    """Forms of a page: action, method, each named field with its options (if a select), and
    the values the page filled in (the baseline a fuzzed submission starts from)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self.forms.append(
                {
                    "action": a.get("action") or "",
                    "method": method,
                    "fields": {},
                    "baseline": {},
                    "files": [],
                }
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text")
            if kind == "file":
                form["files"].append(name)
                return
            options = form["fields"].setdefault(name, [])
            if kind in ("checkbox", "radio"):
                options.append(a.get("value", "on"))
                if "checked" in a:
                    form["baseline"][name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                form["baseline"][name] = a.get("value", "")
        elif tag == "textarea" and name:
            form["fields"].setdefault(name, [])
            form["baseline"][name] = ""
            self._textarea = name
        elif tag == "select" and name:
            self._select = name
            form["fields"].setdefault(name, [])
        elif tag == "option" and self._select:
            form["fields"][self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in form["baseline"]:
                form["baseline"][self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["baseline"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def row_counts() -> tuple[int, ...]:
    """Rows in every table but bookkeeping ones, in one query."""
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.label not in BOOKKEEPING and model._meta.managed
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in sorted(set(tables)))
        )
        return tuple(cursor.fetchone())


def csv_upload(data) -> bytes:
    """A lease CSV: the template's header and one or two rows of fuzzed cells."""
    header = [name for name, _, _ in LEASE_COLUMNS]
    rows = [
        [data.draw(values).replace('"', '""') for _ in header]
        for _ in range(data.draw(st.integers(1, 2)))
    ]
    lines = [",".join(header)] + [",".join(f'"{v}"' for v in row) for row in rows]
    raw = "\r\n".join(lines).encode("utf-8", "surrogatepass")
    return data.draw(st.one_of(st.just(raw), st.binary(max_size=200)))


def fuzzer(client, action: str, form: dict, tried: list):
    """FUZZ_EXAMPLES submissions of one form: never a 500; refused means nothing written."""

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        # Start from what the page filled in (often a valid submission) and spoil a few fields,
        # so that bad values get past the other fields' checks to the database.
        payload = dict(form["baseline"])
        names = sorted(form["fields"])
        if names:
            for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)):
                options = form["fields"][name]
                payload[name] = data.draw(
                    st.one_of(st.sampled_from(options), values) if options else values
                )
        for name in form["files"]:
            payload[name] = SimpleUploadedFile("fuzz.csv", csv_upload(data), "text/csv")
        before = row_counts()
        if form["method"] == "get":  # filters (reports): never a write, never a 500
            payload = {k: v for k, v in payload.items() if isinstance(v, str)}
            response = client.get(action, payload)
        else:
            response = client.post(action, payload)
        tried.append((action, response.status_code))
        assert response.status_code < 500, (action, payload)
        if response.status_code != 302:
            # Refused: the whole submission was rolled back, nothing half-saved.
            assert row_counts() == before, (action, payload)

    return fuzz


@pytest.fixture
def everything(db):
    """A member with every permission, books set up, one lease and one closed period."""
    company = make_company()
    make_company("Globex Leasing")
    member = make_member(
        company,
        "alice",
        is_company_admin=True,
        can_access_lease_accounting=True,
        can_access_integrations=True,
        can_manage_integration_settings=True,
    )
    set_up_accounting(company)
    lease = make_lease(company)
    periods_ensure(company=company, through=lease.commencement_date)
    period = AccountingPeriod.objects.get(company=company, start=lease.commencement_date)
    period_close(period=period, actor=member.user)
    pages = [reverse(name) for name in pages_without_arguments()]
    pages += [reverse(name, args=[lease.pk]) for name in ("lease_edit", "lease_change")]
    pages.append(reverse("period_reopen", args=[period.pk]))
    return member, pages


@pytest.mark.filterwarnings("ignore")
def test_no_form_or_import_answers_bad_input_with_a_server_error(everything, settings):
    member, pages = everything
    # The sign-in form is fuzzed too; a lockout (and its audit row) is not what is tested here.
    settings.AXES_FAILURE_LIMIT = 100_000
    client = Client(raise_request_exception=False)
    client.force_login(member.user)
    forms = {}
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        finder = FormFinder()
        finder.feed(response.content.decode())
        for form in finder.forms:
            action = form["action"] or url
            if action not in NOT_FUZZED and (form["fields"] or form["files"]):
                forms.setdefault((action, form["method"]), form)
    assert len(forms) >= 10, sorted(forms)
    tried: list[tuple[str, int]] = []

    # Nothing may reach a real NetSuite: every outgoing request fails to connect.
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        for (action, _), form in sorted(forms.items()):
            fuzzer(client, action, form, tried)()
    assert len(tried) >= len(forms) * FUZZ_EXAMPLES // 2
