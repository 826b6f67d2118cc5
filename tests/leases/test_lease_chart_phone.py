"""The lease page's balance chart reads on a phone: a narrow drawing whose labels show at about
12 px on a 390 px screen (the wide one, scaled down, showed them at 5-6 px), while a laptop
keeps the wide drawing."""

from __future__ import annotations

import re
import shutil

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from leases.engine import build_schedule
from leases.selectors import lease_terms
from leases.templatetags.lease_chart import balance_chart
from tests.factories import make_personas
from tests.leases.factories import make_lease, set_up_accounting

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
# A card's content on a 390 px phone: the page's and the card's padding and borders off.
PHONE_CONTENT_PX = 330
LEGIBLE_PX = 11


def _drawings(html: str) -> dict[str, tuple[float, list[float]]]:
    """CSS class → (viewBox width, font sizes of its text) of each drawing of the chart."""
    out = {}
    for classes, width, body in re.findall(
        r'<svg class="chart ([\w-]+)"[^>]*viewBox="0 0 ([\d.]+) [\d.]+"[^>]*>(.*?)</svg>',
        html,
        re.S,
    ):
        out[classes] = (float(width), [float(f) for f in re.findall(r'font-size="([\d.]+)"', body)])
    return out


def test_the_phone_drawing_keeps_its_labels_at_eleven_pixels_or_more_on_a_390_px_screen(personas):
    set_up_accounting(personas.company)
    lease = make_lease(personas.company, code="L-1", amount="12500.00", term_months=120)
    lease.refresh_from_db()
    months = build_schedule(lease_terms(lease)).months
    chart = balance_chart(months, months[0].opening_liability, months[0].rou_opening)
    drawings = _drawings(chart)
    assert set(drawings) == {"chart-wide", "chart-narrow"}
    width, fonts = drawings["chart-narrow"]
    assert len(fonts) == 6  # the axis's top and 0, the first and last month, the legend
    assert min(fonts) * PHONE_CONTENT_PX / width >= LEGIBLE_PX
    # The wide drawing stays as it was on a laptop.
    assert drawings["chart-wide"] == (720.0, [11.0, 11.0, 11.0, 11.0, 12.0, 12.0])
    # Its top value is shortened to fit the narrow margin: 1.2M, not 1,234,567.
    narrow = chart.split('class="chart chart-narrow"')[1]
    assert re.search(r'text-anchor="end">1\.\dM</text>', narrow)


@pytest.mark.browser
def test_on_a_phone_the_chart_labels_show_at_eleven_pixels_and_on_a_laptop_the_wide_chart(
    transactional_db, live_server, monkeypatch
):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs a loop here
    personas = make_personas()
    set_up_accounting(personas.company)
    lease = make_lease(personas.company, code="L-1", amount="12500.00", term_months=120)
    client = Client()
    client.force_login(personas.accountant.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Per visible drawing: its class and the smallest label's height on screen in px (its
    # font size times the drawing's scale).
    measure = """[...document.querySelectorAll('svg.chart')]
        .filter(svg => svg.getBoundingClientRect().width > 0)
        .map(svg => [svg.getAttribute('class'), Math.min(...[...svg.querySelectorAll('text')]
            .map(t => parseFloat(t.getAttribute('font-size')) * svg.getScreenCTM().a))])"""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context()
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            url = live_server.url + reverse("lease_detail", args=[lease.pk])
            shown = {}
            for viewport in (PHONE, LAPTOP):
                page.set_viewport_size(viewport)
                page.goto(url)
                shown[viewport["width"]] = page.evaluate(measure)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= viewport["width"], f"the page is {wide} px wide"
        finally:
            connections.close_all()
            browser.close()
    [(phone_class, phone_px)] = shown[390]
    assert phone_class == "chart chart-narrow"
    assert phone_px >= LEGIBLE_PX
    [(laptop_class, laptop_px)] = shown[1280]
    assert laptop_class == "chart chart-wide"
    assert laptop_px >= LEGIBLE_PX
