"""In real Chromium at tablet size: the owner opens a sign from the home page, sees its QR code,
and prints it from the print page (the print dialog is opened; printed, only the sheet shows)."""

import pytest

from tests.browser.conftest import ARTIFACTS, signed_in
from tests.browser.test_pages_under_csp import watch_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_sees_and_prints_a_signs_qr_code(world, browser, site):
    code = world["project"].code
    sign = world["project"].signs.get(building="1#")
    page = signed_in(browser, site, "owner", {"width": 1024, "height": 768})
    violations = watch_violations(page)
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    page.click(f"a[href='/projects/{code}/signs/']")
    page.click(f"a[data-sign='{sign.pk}']")
    qr = page.locator("#sign-qr img")
    qr.wait_for()
    page.wait_for_function("() => document.querySelector('#sign-qr img').naturalWidth > 0")  # the image loaded
    assert page.locator("#public-url").inner_text().endswith(f"/signs/{sign.public_token}/")
    page.screenshot(path=str(ARTIFACTS / "sign-qr-1024x768.png"))
    page.click("#print-qr")
    page.wait_for_selector("#print-sheet img")
    page.wait_for_function("() => document.querySelector('#print-sheet img').naturalWidth > 0")
    page.click("#print")
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.locator("#print").is_visible()  # the buttons stay off the paper
    assert page.locator("#print-sheet img").is_visible()
    page.screenshot(path=str(ARTIFACTS / "sign-qr-print-1024x768.png"))
    assert violations == []  # the page's script is a static file, as the policy wants
