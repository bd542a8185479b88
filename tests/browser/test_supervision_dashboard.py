"""The housing department at tablet size (1024x768) in real Chromium: the region dashboard with
its server-drawn charts, a filter, the drill-down to a project, and its archive checked on the
page until it reports intact; under the CSP, without horizontal scrolling."""

import pytest

from tests.browser.conftest import ARTIFACTS, signed_in  # browser and site are fixtures of conftest.py

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 1024, "height": 768}


def fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def expected_score(project):
    """The demo project's score as the dashboard computes it (the demos of several apps add to
    its reasons); the page must show this figure and as many reasons."""
    from django.utils import timezone

    from supervision.scoring import score_projects

    (scored,) = score_projects([project], today=timezone.localdate())
    return str(scored.score), len(scored.reasons)


def test_the_dashboard_drill_down_and_archive_check_at_tablet_size(world, browser, site):
    score, reasons = expected_score(world["project"])
    assert int(score) < 100 and reasons
    page = signed_in(browser, site, "auditor", TABLET)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))

    page.click("a[href='/supervision/']")
    page.wait_for_selector("#projects tbody tr")
    row = page.locator("#projects tbody tr").first
    assert "GZ-2026-001" in row.inner_text() and row.locator(".score").inner_text() == score
    for chart in ("#chart-scores", "#chart-findings"):
        page.wait_for_function(f"() => document.querySelector('{chart}').complete")
        assert page.evaluate(f"() => document.querySelector('{chart}').naturalWidth") > 0, chart
    assert fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "supervision-dashboard.png"), full_page=True)

    page.fill("#max_score", "60")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**max_score=60**")
    assert page.locator("#projects tbody tr").count() == 1 and "GZ-2026-001" not in page.inner_text("#projects")

    page.goto(f"{site}/supervision/")
    page.click("#projects a:has-text('GZ-2026-001')")
    page.wait_for_selector("#score")
    assert page.inner_text("#score") == score and page.locator("#reasons li").count() == reasons
    assert fits_the_width(page)

    page.click("#archive-link")
    page.click("#start-check")
    page.wait_for_selector("#outcome", timeout=60_000)
    assert page.get_attribute("#check", "data-status") == "done"
    assert "档案完整" in page.inner_text("#outcome")
    assert page.get_attribute("#progress", "value") == "100"
    assert page.locator("#download").count() == 1
    assert fits_the_width(page)
    assert violations == []
