"""On a phone (390 x 844) in real Chromium: the header keeps the signed-in name on one line and
wraps its buttons whole onto a second row rather than squeezing them; the plan starts above the
card's sheet and its zoom buttons are never under the sheet. Screenshots in test-artifacts/browser/."""

import pytest

from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ONE_LINE = 34  # px: one line of the 17 px body text is about 26 px high; two lines are over 50


def test_the_header_keeps_the_name_and_sign_out_on_one_line_each(world, browser, site):
    page = signed_in(browser, site, "chief_inspector", PHONE)
    for path in ["/", f"/projects/{world['project'].code}/findings/"]:
        page.goto(f"{site}{path}")
        name = page.locator("header .user-name").bounding_box()
        assert name["height"] <= ONE_LINE, (path, name)
        assert name["x"] >= 0 and name["x"] + name["width"] <= PHONE["width"], (path, name)
        sign_out = page.locator("header form[action='/logout/'] button")
        box = sign_out.bounding_box()  # a 48 px button; "退出" on two lines made it over 70
        assert box["height"] <= 52 and box["x"] + box["width"] <= PHONE["width"], (path, box)
        # nothing in the header runs off the screen sideways
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "phone-header-390x844.png"))


def test_on_a_phone_the_plan_starts_above_the_sheet_and_its_zoom_buttons_stay_uncovered(world, browser, site):
    page = signed_in(browser, site, "inspector", PHONE)
    page.goto(f"{site}/projects/{world['project'].code}/plan/")
    page.wait_for_selector("#plan[data-zoom-ready]")
    plot = page.locator("#plan svg").bounding_box()
    assert plot["y"] < PHONE["height"] / 2, plot  # the plan is on the first screen, not below the fold
    # a wall's middle where no finding's pin stands
    spot = page.evaluate(
        """() => [...document.querySelectorAll('#plan .element.IfcWall')].map((el) => {
            const r = el.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
            return document.elementFromPoint(x, y) === el ? [x, y] : null;
        }).find(Boolean)"""
    )
    page.mouse.click(*spot)
    page.locator("#card h2").wait_for()
    sheet = page.locator("#sheet").bounding_box()
    plot = page.locator("#plan svg").bounding_box()
    assert plot["y"] < sheet["y"], (plot, sheet)
    buttons = page.locator("#plan .zoom button")
    assert buttons.count() == 3
    for n in range(3):
        box = buttons.nth(n).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= sheet["y"], (n, box, sheet)
        # what a finger at the button's centre touches is the button itself
        hit = page.evaluate(
            "([x, y]) => !!document.elementFromPoint(x, y)?.closest('.zoom button')",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit, n
    page.screenshot(path=str(ARTIFACTS / "phone-plan-390x844.png"))
