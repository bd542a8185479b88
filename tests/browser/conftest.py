"""The browser suite's fixtures (Chromium, the live site), for every module of tests/browser."""

from tests.browser.test_tablet_flow import browser, site  # noqa: F401 (fixtures)
