"""The audit trail read by a housing-department auditor in real Chromium: on a tablet held
upright (768x1024) each event is a card whose action reads on one line and whose details wrap
across the screen, with nothing running off it sideways; held flat (1024x768) the events are a
table with a readable action column; on a phone (390) nothing runs off the screen either.
Screenshots in test-artifacts/browser/."""

import pytest

from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPRIGHT = {"width": 768, "height": 1024}
FLAT = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
LINE = 34  # px: one line of the 17 px body text is about 26 px high; two lines are over 50
# the first page, and the actions with the longest details: a sign's whole content, a plan's codes
QUERIES = ["", "action=sign.recorded", "action=acceptance.plan_proposed", "action=project.created"]


def _no_sideways_scroll(page, viewport, query):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == viewport["width"], (query, width)


def _boxes(page, selector):
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{selector}')].map((el) => {{
            const r = el.getBoundingClientRect();
            return {{x: r.x, right: r.right, width: r.width, height: r.height, text: el.innerText}};
        }})"""
    )


def test_on_a_tablet_held_upright_each_event_is_a_card_with_its_details_across_the_screen(world, browser, site):
    code = world["project"].code
    page = signed_in(browser, site, "auditor", UPRIGHT)
    for query in QUERIES:
        page.goto(f"{site}/projects/{code}/audit/?{query}")
        assert page.locator("#events tr.event").count() >= 1, query
        _no_sideways_scroll(page, UPRIGHT, query)
        for action in _boxes(page, "#events td.action"):
            assert action["height"] <= LINE and action["width"] >= 300, (query, action)
        for details in _boxes(page, "#events td.details"):
            # across the card (not a sliver of a column) and inside the screen
            assert details["width"] >= UPRIGHT["width"] * 0.7 and details["right"] <= UPRIGHT["width"], (
                query,
                details,
            )
        if not query:
            page.screenshot(path=str(ARTIFACTS / "audit-trail-768x1024.png"))
    # the details read in words: field names in Chinese, no stored timestamp
    page.goto(f"{site}/projects/{code}/audit/?action=finding.opened")
    text = page.locator("#events td.details").first.inner_text()
    assert "发现时间：" in text and "observed_at" not in text and "+00:00" not in text, text
    page.screenshot(path=str(ARTIFACTS / "audit-trail-findings-768x1024.png"), full_page=True)


def test_on_a_tablet_held_flat_the_events_are_a_table_with_a_readable_action_column(world, browser, site):
    code = world["project"].code
    page = signed_in(browser, site, "auditor", FLAT)
    for query in QUERIES:
        page.goto(f"{site}/projects/{code}/audit/?{query}")
        _no_sideways_scroll(page, FLAT, query)
        assert page.locator("#events thead th").first.is_visible()  # a table: its head shows
        for action in _boxes(page, "#events td.action"):
            assert action["width"] >= 120, (query, action)  # never one character per line
        for details in _boxes(page, "#events td.details"):
            assert details["width"] >= 350 and details["right"] <= FLAT["width"], (query, details)
    page.goto(f"{site}/projects/{code}/audit/")
    page.screenshot(path=str(ARTIFACTS / "audit-trail-1024x768.png"))


def test_on_a_phone_nothing_runs_off_the_screen(world, browser, site):
    code = world["project"].code
    page = signed_in(browser, site, "auditor", PHONE)
    for query in QUERIES:
        page.goto(f"{site}/projects/{code}/audit/?{query}")
        _no_sideways_scroll(page, PHONE, query)
    page.goto(f"{site}/projects/{code}/audit/")
    page.screenshot(path=str(ARTIFACTS / "audit-trail-390x844.png"))
