"""Every persona in headless Chromium at desktop width and on a 390 px phone.

Each persona's menu holds exactly its pages; every page it opens fits the screen (nothing scrolls
sideways) and passes axe-core without serious violations; a fix from the errors page plus Retry
completes in one pass on a phone. Screenshots go to test-artifacts/screenshots/personas-*.png.
"""

# ruff: noqa: F811 (browser_page is a fixture imported from test_browser and used by name)
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.text import slugify

from closebooks.services import company_go_live_set
from integrations.models import SyncRun, SyncStatus
from integrations.services.discovery import reference_data_refresh
from integrations.services.sync import period_sync_start, sync_run_process
from leases.models import Lease
from leases.portfolio import portfolio_template_xlsx
from leases.services import variable_payment_save
from tests.e2e.conftest import ROOT, on_ci
from tests.e2e.support import run_finished
from tests.e2e.test_browser import Journey, browser_page  # noqa: F401 (a fixture)
from tests.factories import PASSWORD
from tests.integrations.factories import add_lease, close_first_period, connect
from tests.integrations.test_navigation import MENUS, SETTINGS, expected
from tests.leases.factories import make_lease, set_up_accounting
from tests.permissions import AM, OP, A, M, R

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE_VERSION = "4.10.3"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A header taller than this on a phone leaves too little of the page in view.
PHONE_HEADER_MAX_PX = 80
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, installed once into the untracked var/ folder."""
    target = ROOT / "var" / f"axe-core-{AXE_VERSION}"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            if on_ci():
                pytest.fail(
                    "npm is required on CI for the accessibility check (apt-get install npm)"
                )
            pytest.skip("npm is not installed; the accessibility check is skipped")
        staging = target.with_name(f"{target.name}.{os.getpid()}")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(staging),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            timeout=300,
        )
        try:
            staging.rename(target)
        except OSError:  # another session installed it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    return script.read_text()


def serious_violations(page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the current page, as readable lines."""
    # Evaluated over the DevTools protocol, so a strict Content-Security-Policy does not block it.
    page.evaluate(axe_source)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
        for v in violations
        if v["impact"] in SERIOUS
    ]


def sideways_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.fixture
def failed_sync(personas, sandbox):
    """A closed Jan 2026 whose sync failed on a department NetSuite does not know."""
    company = personas.company
    add_lease(company, "HQ-1")
    add_lease(company, "FAC-2", department="Facilities Management")
    connect(company, sandbox)
    period = close_first_period(company, actor=personas.accountant.user)
    run = period_sync_start(period=period, actor=personas.reviewer.user, enqueue=lambda pk: None)
    sync_run_process(run.pk)
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED
    return run


class PersonaJourney(Journey):
    def __init__(self, page, base_url: str, persona: str, width: int) -> None:
        super().__init__(page, base_url, f"personas-{width}-{persona}")
        self.width = width

    def sign_in(self, membership) -> None:
        """Sign in without a screenshot of the form (one per persona and width is plenty)."""
        self.go("login")
        self.page.fill("input[name=username]", membership.user.username)
        self.page.fill("input[name=password]", PASSWORD)
        self.submit("button[type=submit]")

    def open_menu(self) -> None:
        toggle = self.page.locator(".menu-toggle")
        if toggle.is_visible():
            assert toggle.get_attribute("aria-expanded") == "false"
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"

    def menu(self) -> list[str]:
        self.open_menu()
        links = self.page.locator("nav.mainnav a")
        assert all(link.is_visible() for link in links.all())
        return [text.strip() for text in links.all_inner_texts()]

    def visit(self, url: str, label: str) -> None:
        response = self.page.goto(self.base_url + url)
        assert response.status == 200, f"{url}: {response.status}"
        self.shot(label)
        assert sideways_overflow(self.page) == 0, f"{url} scrolls sideways at {self.width} px"


def assert_duty_warning_while_ticking(journey, member) -> None:
    """The segregation-of-duties warning appears while a conflicting flag is ticked, unsaved."""
    page = journey.page
    journey.go("membership_edit", member.pk)
    warnings = page.locator("[data-duty-warnings] .warning-box")
    assert warnings.count() == 0
    page.check("input[name=can_manage_integration_settings]")
    warnings.first.wait_for()
    journey.shot("duty-warning-while-ticking")
    assert "breaks segregation of duties" in warnings.first.inner_text()
    page.uncheck("input[name=can_manage_integration_settings]")
    assert warnings.count() == 0


def test_each_persona_finds_exactly_its_pages_and_each_fits_the_screen(
    personas, failed_sync, live_server, browser_page, axe_source
):
    """One sweep for both widths (the set-up is the slow part): menus, fit, axe, phone actions."""
    page = browser_page
    problems: list[str] = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        visited: set[str] = set()  # a page two personas share is checked once per width
        for persona in (A, AM, OP, R, M):
            page.context.clear_cookies()
            journey = PersonaJourney(page, live_server.url, persona, width)
            journey.sign_in(personas.all()[persona])
            journey.shot("home")
            assert sideways_overflow(page) == 0
            if viewport is PHONE:
                header = page.locator("header.topbar").bounding_box()
                assert header["height"] <= PHONE_HEADER_MAX_PX
            assert journey.menu() == expected(MENUS[persona])
            links = page.locator("nav.mainnav a")
            urls = dict(
                zip(links.all_inner_texts(), [a.get_attribute("href") for a in links.all()])
            )
            if persona in SETTINGS:
                page.goto(live_server.url + urls.pop("Settings"))
                tiles = page.locator("a.tile")
                names = page.locator("a.tile .tile-name").all_inner_texts()
                assert names == expected(SETTINGS[persona])
                urls.update(zip(names, [a.get_attribute("href") for a in tiles.all()]))
            for label, url in urls.items():
                if url in visited:
                    continue
                visited.add(url)
                journey.visit(url, slugify(label))
                if viewport is DESKTOP:
                    problems += [f"{url}: {v}" for v in serious_violations(page, axe_source)]
            if persona == A and viewport is DESKTOP:
                assert_duty_warning_while_ticking(journey, personas.integrations_operator)
            if persona == OP and viewport is PHONE:
                # Sync and Retry stay within the screen, not off to the right.
                journey.visit(reverse("closed_periods"), "closed-periods")
                cell = page.locator(f"#sync-cell-{failed_sync.period_id}")
                for action in (cell.locator("a:has-text('Failed')"), cell.locator("button")):
                    box = action.bounding_box()
                    assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert len(visited) >= 12  # every main page of some persona was checked
    assert problems == []


def test_a_fix_from_the_errors_page_and_retry_complete_in_one_pass_on_a_phone(
    personas, failed_sync, live_server, browser_page, worker
):
    run = failed_sync
    reference_data_refresh(company=personas.company)  # the picker lists NetSuite's own values
    page = browser_page
    page.set_viewport_size(PHONE)
    journey = PersonaJourney(page, live_server.url, "fix-and-retry", PHONE["width"])
    journey.sign_in(personas.reviewer)
    journey.go("sync_run_errors", run.pk)
    journey.shot("errors")
    assert sideways_overflow(page) == 0

    journey.submit("a:has-text('Fix it')")
    journey.shot("picker")
    assert page.input_value("input[name=our_value]") == "Facilities Management"
    options = page.locator("#ns-department option")
    choice = next(
        value
        for value in (o.get_attribute("value") for o in options.all())
        if value.startswith("Facilities (#")
    )
    page.fill("input[name=netsuite_record]", choice)
    journey.submit("button:has-text('Save mapping and go back to the failed sync')")
    journey.shot("back-on-errors")
    # Straight back to the failed run, Retry in view.
    assert page.url.startswith(live_server.url + reverse("sync_run_errors", args=[run.pk]))
    retry = page.locator("button:has-text('Retry')")
    box = retry.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]

    journey.submit(retry)
    page.locator(f"#sync-cell-{run.period_id} >> text=Completed").wait_for()
    journey.shot("completed")
    run = run_finished(SyncRun.objects.get(pk=run.pk))
    assert (run.status, run.retry_count, run.entries_sent) == (SyncStatus.COMPLETED, 1, 2)


@pytest.fixture
def newer_pages(personas, failed_sync):
    """Data for the pages built lately: a variable payment, a go-live lease in the other company."""
    hq = Lease.objects.get(company=personas.company, code="HQ-1")
    variable_payment_save(
        lease=hq,
        actor=personas.accountant.user,
        period=date(2026, 2, 1),
        kind="cam",
        amount=Decimal("1234.5"),
        memo="Common-area maintenance, Q1 true-up",
    )
    other = personas.other_company
    set_up_accounting(other, subsidiary="Globex UK")
    old = make_lease(
        other,
        code="GLX-OLD-1",
        commencement=date(2024, 7, 1),
        term_months=48,
        classification="finance",
        useful_life_months=48,
        status="draft",
    )
    company_go_live_set(company=other, actor=personas.outsider.user, go_live=date(2026, 7, 1))
    return hq, old


def test_the_newer_pages_fit_a_desktop_and_a_phone_and_pass_axe(
    personas, failed_sync, newer_pages, live_server, browser_page, axe_source, tmp_path
):
    """Lease change (form, preview, timeline), change import, portfolio import, variable payments,
    opening balances, the reports and a sync run: no sideways scroll, no serious axe finding."""
    hq, old = newer_pages
    page = browser_page
    problems: list[str] = []
    csv_file = tmp_path / "changes.csv"
    csv_file.write_text(
        "lease_code,kind,effective_date,new_payment,payment_frequency,payment_timing,"
        "term_months,discount_rate,scope_percent,amount,classification,reason\n"
        "HQ-1,index,2026-03-01,1045.00,,,,,,,,CPI review (+4.5 %)\n"
    )
    workbook = tmp_path / "portfolio.xlsx"
    workbook.write_bytes(portfolio_template_xlsx(personas.company))
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        width = viewport["width"]

        def check(journey, label: str) -> None:
            journey.shot(label)
            overflow = sideways_overflow(page)
            if overflow:
                problems.append(f"{page.url} scrolls sideways by {overflow} px at {width} px")
            if viewport is DESKTOP:
                problems.extend(f"{page.url}: {v}" for v in serious_violations(page, axe_source))

        page.context.clear_cookies()
        journey = PersonaJourney(page, live_server.url, "accountant-new", width)
        journey.sign_in(personas.accountant)
        pages = [
            ("lease_variable_payments", [hq.pk], "variable-payments"),
            ("lease_changes_import", [], "change-import"),
            ("portfolio_upload", [], "portfolio-import"),
            ("reports_rollforward", [], "roll-forward"),
            ("reports_disclosures", [], "disclosures"),
            ("reports_register", [], "register"),
            ("reports_trial_balance", [], "trial-balance"),
            ("reports_tieout_list", [], "tie-out"),
            ("reports_tieout", [failed_sync.period_id], "tie-out-period"),
            ("sync_run_detail", [failed_sync.pk], "sync-run"),
            ("lease_opening_balances", [hq.pk], "opening-balances-refused"),
        ]
        for name, args, label in pages:
            response = page.goto(live_server.url + reverse(name, args=args))
            assert response.status == 200, (name, response.status)
            check(journey, label)

        # The lease form asks the server about a field when it is left: the submit's sentence.
        journey.go("lease_create")
        page.fill("input[name=currency]", "US1")
        page.locator("input[name=commencement_date]").focus()
        page.locator("input[name=currency] ~ p.inline-error").wait_for()
        assert "three-letter ISO currency code" in page.inner_text("#section-where")
        check(journey, "lease-form-inline-error")

        # A change: the form checks a field as soon as it is left, then previews and saves.
        journey.go("lease_change", hq.pk)
        page.select_option("select[name=kind]", "consideration")
        # Only the inputs the kind uses are shown.
        assert page.locator("input[name=amount]").is_hidden()
        assert page.locator("input[name=new_rent]").is_visible()
        page.fill("input[name=effective]", "2026-03-10")
        page.fill("input[name=new_rent]", "-5")
        page.locator("input[name=annual_rate]").focus()  # leaving New payment checks it
        page.locator("input[name=new_rent] ~ p.inline-error").wait_for()
        check(journey, "change-inline-error")
        page.fill("input[name=new_rent]", "1100")
        page.fill("input[name=annual_rate]", "6")
        page.fill("textarea[name=reason], input[name=reason]", "Rent review")
        journey.submit("button[value=preview]")
        page.locator("#preview").wait_for()
        check(journey, "change-preview")
        if viewport is DESKTOP:
            journey.submit("button[value=save]")
        journey.go("lease_detail", hq.pk)
        check(journey, "lease-timeline")
        journey.go("lease_changes_pending")
        check(journey, "changes-pending")

        journey.go("lease_changes_import")
        page.set_input_files("input[type=file]", str(csv_file))
        journey.submit("button[value=preview]")
        check(journey, "change-import-preview")

        journey.go("portfolio_upload")
        page.set_input_files("input[type=file]", str(workbook))
        journey.submit("button:has-text('Check the workbook')")
        assert "1 lease (" in page.inner_text("#portfolio-preview")
        check(journey, "portfolio-preview")

        # The other company's go-live lease: its opening balances form.
        page.context.clear_cookies()
        journey = PersonaJourney(page, live_server.url, "golive-new", width)
        journey.sign_in(personas.outsider)
        journey.go("lease_detail", old.pk)
        check(journey, "golive-lease")
        journey.go("lease_opening_balances", old.pk)
        check(journey, "opening-balances")
    assert problems == []
