"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live test server."""

import os
from pathlib import Path

import pytest
from django.db import connections

from storage import get_storage
from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
HOME_HEADING = "我的项目"  # the project list's heading on the home page ("My projects")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # plain synchronous reads, which Django refuses there unless told it is safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        require_service("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        yield chromium
        chromium.close()
        # the test's ORM calls made while Playwright's loop ran used their own database
        # connection (Django keeps one per context); close it, or the test database cannot be
        # dropped at the end of the run
        connections.close_all()


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url  # download links of the local storage point at this server
    get_storage.cache_clear()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return live_server.url


def signed_in(browser, site, username, viewport, service_workers="allow"):
    # Playwright's page.route does not see requests a service worker answers: a test that
    # routes requests blocks the worker
    page = browser.new_context(viewport=viewport, service_workers=service_workers).new_page()
    page.goto(f"{site}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "plumbline-demo")
    with page.expect_response(f"{site}/") as home:
        page.click("#login button[type=submit]")
    page.wait_for_url(f"{site}/")
    # the home page itself: a 404 or an error page there once went unnoticed behind the redirect
    assert home.value.status == 200, f"/ answered {home.value.status} after {username} signed in"
    assert page.locator("h1", has_text=HOME_HEADING).count() == 1, f"no project list on / for {username}"
    assert page.locator(".card h2").count() >= 1, f"{username} sees no project on /"
    return page
