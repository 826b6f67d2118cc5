from tests.e2e.test_browser import browser_page  # noqa: F401 - the shared Chromium fixture
