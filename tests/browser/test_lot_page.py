"""In real Chromium at tablet size (1024x768): the contractor's quality inspector opens a lot from
the acceptance tree, fills its check items on site (with the network lost and back: the record
waits on the tablet) and signs; the foreman and the supervising engineer sign from their tablets
and the lot is accepted. The test counts the taps it took (see TAPS)."""

import pytest

from acceptance.models import AcceptanceNode, LotInspection
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 1024, "height": 768}


def on_tablet(browser, site, username):
    """A touch tablet signed in as `username`. The plan pages' service worker fetches past
    Playwright's offline switch, so it is kept out of this context."""
    page = browser.new_context(viewport=TABLET, has_touch=True, service_workers="block").new_page()
    page.goto(f"{site}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "plumbline-demo")
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{site}/")
    return page


class Taps:
    """Counts what a person does on the tablet's page: each tap, and each value typed (after its
    tap, on the on-screen keyboard, which is not counted)."""

    def __init__(self, page):
        self.page, self.taps, self.typed = page, 0, 0

    def tap(self, selector):
        self.taps += 1
        self.page.locator(selector).first.tap()

    def type(self, locator, value):
        """Tap the field, type on the on-screen keyboard and close it with its done key."""
        self.taps += 1
        self.typed += 1
        locator.tap()
        locator.fill(value)
        locator.blur()


def test_a_lot_is_inspected_on_site_and_signed_on_tablets(world, browser, site):
    code = world["project"].code
    lot = AcceptanceNode.objects.get(building__project=world["project"], code="020103-001")  # concrete, 1F

    inspector = on_tablet(browser, site, "quality_inspector")
    violations = []
    inspector.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    inspector.goto(f"{site}/projects/{code}/acceptance/")
    inspector.screenshot(path=str(ARTIFACTS / "lot-0-tree-1024x768.png"), full_page=True)
    taps = Taps(inspector)
    with inspector.expect_navigation():
        taps.tap(f"a[href='/projects/{code}/acceptance/lots/{lot.pk}/']")
    assert inspector.locator("#lot-plan svg").is_visible()
    highlighted = inspector.locator(f'#lot-plan [data-global-id="{lot.elements.first().global_id}"]')
    assert highlighted.evaluate("e => getComputedStyle(e).fill") == "rgb(240, 160, 32)"
    assert inspector.locator("#sample-size").inner_text() == "2"

    # every main-control item passed, each measured point typed in
    for fieldset in inspector.locator("fieldset.item").all():
        if fieldset.get_attribute("data-measured"):
            for point, value in zip(fieldset.locator("input.point").all(), ["2", "-3"], strict=False):
                taps.type(point, value)
        else:
            taps.taps += 1
            fieldset.locator("span.pass").tap()
    inspector.screenshot(path=str(ARTIFACTS / "lot-1-filled-1024x768.png"), full_page=True)

    # the network drops as the record is saved: it waits on the tablet, then goes when it is back
    inspector.context.set_offline(True)
    taps.tap("#save-record")
    inspector.wait_for_function("() => !document.getElementById('lot-queue').hidden")
    assert not LotInspection.objects.filter(lot=lot).exists()
    with inspector.expect_navigation():
        inspector.context.set_offline(False)
    record = LotInspection.objects.get(lot=lot)
    assert record.result == "passed" and record.recorded_by.username == "quality_inspector"
    assert inspector.locator("#lot-status").get_attribute("data-status") == "inspected"

    with inspector.expect_navigation():
        taps.tap("button.sign")
    site_taps = taps.taps
    for username in ("foreman", "inspector"):
        signer = on_tablet(browser, site, username)
        signer.goto(f"{site}/projects/{code}/acceptance/lots/{lot.pk}/")
        with signer.expect_navigation():
            signer.locator("button.sign").first.tap()
    signer.screenshot(path=str(ARTIFACTS / "lot-2-accepted-1024x768.png"), full_page=True)
    assert signer.locator("#lot-status").get_attribute("data-status") == "accepted"
    lot.refresh_from_db()
    assert lot.status == "accepted"
    assert violations == []
    # open the lot, pass the main item, type 2 points, save, sign: 6 taps (2 of them typing)
    assert (site_taps, taps.typed) == (6, 2)
