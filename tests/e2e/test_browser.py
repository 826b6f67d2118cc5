"""Three user journeys in headless Chromium: a live server, a Celery worker and the simulator.

Every page visited is saved to test-artifacts/screenshots/<journey>-<step>.png.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from integrations.models import NetSuiteConnection, SyncRun, SyncStatus
from integrations.services.discovery import reference_data_refresh
from integrations.services.sync import period_sync_start
from tests.e2e.conftest import ROOT, on_ci
from tests.e2e.support import run_finished
from tests.factories import PASSWORD
from tests.integrations.factories import (
    add_lease,
    close_first_period,
    connect,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 20_000
# A form post that verifies credentials against the simulator can take a while on a busy machine.
NAVIGATION_TIMEOUT_MS = 90_000


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser_page(tmp_path, monkeypatch):
    """A fresh headless Chromium profile; skipped off CI when Chromium is not installed."""
    executable = chromium_path()
    if executable is None:
        if on_ci():
            pytest.fail(
                "Chromium is required on CI for the browser tests (apt-get install chromium)"
            )
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            # With Playwright's loop running, Django keeps the test's ORM connections apart
            # from the thread's own (asgiref's Local is per context then): close them here, or
            # they stay open and the test database cannot be dropped at the end of the run.
            connections.close_all()
            context.close()


class Journey:
    """Signs in, visits pages and saves a screenshot of each one."""

    def __init__(self, page, base_url: str, name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.name = name
        self.step = 0

    def shot(self, label: str) -> Path:
        self.step += 1
        path = SCREENSHOTS / f"{self.name}-{self.step:02d}-{label}.png"
        # A full-page capture waits for the page to be still; on a loaded machine one wait of
        # the default 20 s was seen to run out after a form post, so give it one longer try.
        try:
            self.page.screenshot(path=str(path), full_page=True)
        except PlaywrightTimeoutError:
            self.page.screenshot(path=str(path), full_page=True, timeout=60_000)
        print(f"screenshot: {path.relative_to(ROOT)}")
        return path

    def submit(self, target) -> None:
        """Click a link or button that loads a new page and wait for that page to load.

        Waiting on the old page returns at once, and a screenshot taken while the new page is
        still on its way was seen to hang: wait for the navigation itself.
        """
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation(timeout=NAVIGATION_TIMEOUT_MS):
            locator.click()

    def go(self, url_name: str, *args) -> None:
        self.page.goto(self.base_url + reverse(url_name, args=args))

    def sign_in(self, membership) -> None:
        self.go("login")
        self.page.fill("input[name=username]", membership.user.username)
        self.page.fill("input[name=password]", PASSWORD)
        self.shot("sign-in")
        self.submit("button[type=submit]")


def test_settings_admin_verifies_and_saves_the_credentials(
    personas, live_server, sandbox, browser_page
):
    journey = Journey(browser_page, live_server.url, "journey1-credentials")
    journey.sign_in(personas.settings_admin)
    journey.go("integration_settings")
    journey.shot("empty-form")
    page = browser_page
    secrets = {
        "consumer_key": sandbox.consumer_key,
        "consumer_secret": sandbox.consumer_secret,
        "token_id": sandbox.token_id,
        "token_secret": sandbox.token_secret,
    }
    page.fill("input[name=account_id]", sandbox.account_id)
    for name, value in secrets.items():
        page.fill(f"input[name={name}]", value)
    page.fill("input[name=base_url]", sandbox.base_url)
    page.check("input[name=enabled]")
    journey.shot("filled-in")
    journey.submit("button:has-text('Verify & Save')")
    journey.shot("verified")

    assert "Verified and saved." in page.inner_text(".messages")
    html = page.content()
    for value in secrets.values():
        assert value not in html  # write-only: never sent back to the browser
    connection = NetSuiteConnection.objects.get(company=personas.company)
    assert connection.enabled and connection.last_verify_ok
    assert connection.token_secret_hint == sandbox.token_secret[-4:]


def test_finance_user_syncs_and_watches_it_complete_without_reloading(
    personas, live_server, sandbox, worker, browser_page
):
    add_lease(personas.company, "HQ-1")
    connect(personas.company, sandbox)
    period = close_first_period(personas.company, actor=personas.accountant.user)
    sandbox.set_faults(latency_ms=300)  # slow enough that the status is polled
    journey = Journey(browser_page, live_server.url, "journey2-sync")
    page = browser_page
    journey.sign_in(personas.integrations_operator)
    journey.go("closed_periods")
    journey.shot("closed-periods")
    page.evaluate("window.notReloaded = true")

    cell = page.locator(f"#sync-cell-{period.pk}")
    cell.locator("button:has-text('Sync')").click()
    page.locator(f"#sync-cell-{period.pk} >> text=In Progress").wait_for()
    journey.shot("in-progress")
    page.locator(f"#sync-cell-{period.pk} >> text=Completed").wait_for()
    journey.shot("completed")
    assert page.evaluate("window.notReloaded") is True  # htmx polled; the page never reloaded

    run = SyncRun.objects.get(period=period)
    assert run.status == SyncStatus.COMPLETED
    journey.submit(f"#sync-cell-{period.pk} >> text=Completed")
    journey.shot("run-detail")
    entry = run.entries.get()
    link = page.locator("a:has-text('View in Integration')")
    assert link.get_attribute("href") == sandbox.journal_url(entry.netsuite_internal_id)
    page.goto(link.get_attribute("href"))
    journey.shot("netsuite-journal")
    assert entry.external_key in page.content()


def test_reviewer_fixes_a_failed_sync_with_a_mapping_and_retries(
    personas, live_server, sandbox, worker, browser_page
):
    add_lease(personas.company, "HQ-1")
    add_lease(personas.company, "FAC-2", department="Facilities Management")
    connect(personas.company, sandbox)
    period = close_first_period(personas.company, actor=personas.accountant.user)
    run = run_finished(period_sync_start(period=period, actor=personas.reviewer.user))
    assert run.status == SyncStatus.FAILED
    reference_data_refresh(company=personas.company)
    journey = Journey(browser_page, live_server.url, "journey3-fix")
    page = browser_page
    journey.sign_in(personas.reviewer)
    journey.go("closed_periods")
    journey.shot("closed-periods-failed")

    journey.submit(f"#sync-cell-{period.pk} >> text=Failed")
    journey.shot("errors")
    assert "Department 'Facilities Management' was not found in NetSuite." in page.inner_text(
        "main"
    )
    journey.submit("a:has-text('Fix it')")
    # The picker of NetSuite's own values (read by the refresh above), so no typo can be saved.
    assert page.input_value("input[name=our_value]") == "Facilities Management"
    page.fill("input[name=netsuite_record]", "Facilities (#")
    journey.shot("mapping-form")
    facilities = page.locator("#ns-department option[value^='Facilities (#']").get_attribute(
        "value"
    )
    page.fill("input[name=netsuite_record]", facilities)
    journey.submit("button:has-text('Save mapping and go back to the failed sync')")
    journey.shot("mapping-saved")
    assert "now maps to NetSuite's Facilities" in page.inner_text(".messages")

    # Straight back on the failed run, with Retry in view.
    assert page.url.startswith(live_server.url + reverse("sync_run_errors", args=[run.pk]))
    journey.submit("button:has-text('Retry')")
    journey.shot("retrying")
    page.locator(f"#sync-cell-{period.pk} >> text=Completed").wait_for()
    journey.shot("completed")
    run = run_finished(run)
    assert (run.status, run.entries_sent, run.retry_count) == (SyncStatus.COMPLETED, 2, 1)
    assert sorted(e["externalId"] for e in sandbox.entries()) == sorted(
        run.entries.values_list("external_key", flat=True)
    )
