"""In real Chromium, at tablet size: an inspector taps an element on the storey plan, logs a
finding with a photo and sees its pin; the contractor submits the rectification with a photo;
the inspector verifies it. Screenshots of each step are kept in test-artifacts/browser/."""

import os
from pathlib import Path

import pytest
from django.db import connections

from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from inspections.models import Finding
from storage import get_storage
from tests.conftest import require_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
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


def signed_in(browser, site, username, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{site}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "plumbline-demo")
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{site}/")
    return page


@pytest.mark.parametrize(
    "viewport", [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}], ids=["landscape", "portrait"]
)
def test_a_finding_goes_from_a_tap_on_the_plan_to_verified(world, browser, site, tmp_path, viewport):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# Architecture")
    wall = version.elements.get(name="1F west wall")
    photo = tmp_path / "crack.png"
    photo.write_bytes(finding_photo_png("crack"))
    shot = f"{viewport['width']}x{viewport['height']}"

    inspector = signed_in(browser, site, "inspector", viewport)
    inspector.click(f"a[href='/projects/{code}/plan/']")
    inspector.wait_for_selector("#plan[data-ready]")  # the page's script handles taps from here
    pins_before = inspector.locator(".pin").count()
    inspector.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    form = inspector.locator("#new-finding")
    form.wait_for()
    assert inspector.locator("#card h2").inner_text() == "1F west wall"
    form.locator("#f-title").fill("Plaster cracked at window height")
    form.locator("#f-severity").select_option("major")
    form.locator("#f-photos").set_input_files(str(photo))
    inspector.screenshot(path=str(ARTIFACTS / f"1-card-{shot}.png"))
    form.locator("button[type=submit]").click()
    inspector.wait_for_load_state()
    finding = Finding.objects.get(title="Plaster cracked at window height")
    assert finding.global_ids == [wall.global_id] and finding.photos.count() == 1
    pin = inspector.locator(f'.pin[data-finding-id="{finding.pk}"]')
    assert pin.get_attribute("data-status") == "open"
    assert inspector.locator(".pin").count() == pins_before + 1
    inspector.screenshot(path=str(ARTIFACTS / f"2-pin-{shot}.png"))

    contractor = signed_in(browser, site, "contractor", viewport)
    contractor.goto(f"{site}/projects/{code}/findings/{finding.pk}/")
    move = contractor.locator('form[data-move="submit_rectification"]')
    move.locator("input[type=file]").set_input_files(str(photo))
    move.locator("textarea").fill("Re-plastered and painted.")
    move.locator("button[type=submit]").click()
    contractor.wait_for_load_state()
    assert contractor.locator("#status").get_attribute("data-status") == "rectification_submitted"
    contractor.screenshot(path=str(ARTIFACTS / f"3-rectified-{shot}.png"), full_page=True)

    inspector.goto(f"{site}/projects/{code}/findings/{finding.pk}/")
    inspector.locator('form[data-move="verify"] button[type=submit]').click()
    inspector.wait_for_load_state()
    assert inspector.locator("#status").get_attribute("data-status") == "closed"
    inspector.screenshot(path=str(ARTIFACTS / f"4-verified-{shot}.png"), full_page=True)
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.photos.count() == 2
    assert [s.kind for s in finding.steps.all()] == ["opened", "rectification_submitted", "verified"]


def test_a_checklist_is_filled_on_an_element_and_its_failure_becomes_a_finding(world, browser, site, tmp_path):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# Architecture")
    wall = version.elements.get(name="1F east wall A")
    photo = tmp_path / "joint.png"
    photo.write_bytes(finding_photo_png("joint"))
    viewport = {"width": 768, "height": 1024}

    inspector = signed_in(browser, site, "inspector", viewport)
    inspector.goto(f"{site}/projects/{code}/plan/")
    inspector.wait_for_selector("#plan[data-ready]")
    inspector.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    inspector.locator("#start-checklist").wait_for()
    inspector.locator("#start-checklist button[type=submit]").click()
    inspector.wait_for_url("**/checklists/*/")
    items = inspector.locator("section.item")
    assert items.count() == 5

    def answer(position, result, note="", with_photo=False):
        item = inspector.locator(f'section.item[data-item="{position}"]')
        item.locator(f"span.{result}").click()  # the big touch target, not the hidden radio
        if note:
            item.locator("textarea").fill(note)
        if with_photo:
            item.locator("input[type=file]").set_input_files(str(photo))
        item.locator("button[type=submit]").click()
        inspector.wait_for_load_state()
        assert inspector.locator(f'section.item[data-item="{position}"]').get_attribute("data-result") == result

    answer(1, "pass")
    answer(2, "fail", "Bed joints about 60% filled at the window sill.", with_photo=True)
    answer(3, "pass", with_photo=True)
    answer(4, "pass")
    inspector.locator("#complete button").click()
    inspector.wait_for_load_state()
    assert "未作答的检查项：5。" in inspector.locator(".error").inner_text()  # the page speaks Chinese
    answer(5, "na")
    inspector.screenshot(path=str(ARTIFACTS / "5-checklist-filled.png"), full_page=True)
    inspector.locator("#complete button").click()
    inspector.wait_for_load_state()
    assert inspector.locator("#checklist-status").get_attribute("data-status") == "completed"
    inspector.screenshot(path=str(ARTIFACTS / "6-checklist-completed.png"), full_page=True)

    link = inspector.locator('section.item[data-item="2"] a')
    link.click()
    inspector.wait_for_load_state()
    finding = Finding.objects.get(checklist__global_ids=[wall.global_id], checklist__status="completed")
    assert finding.global_ids == [wall.global_id] and finding.photos.count() == 1
    assert inspector.locator("#status").get_attribute("data-status") == "open"
    assert "Bed joints about 60% filled" in inspector.content()


def test_a_tap_on_a_room_logs_a_finding_at_that_point_with_a_suggested_element(world, browser, site, tmp_path):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# Architecture")
    room = version.spaces.get(name="1F01")
    photo = tmp_path / "stain.png"
    photo.write_bytes(finding_photo_png("stain"))

    inspector = signed_in(browser, site, "inspector", {"width": 1024, "height": 768})
    inspector.goto(f"{site}/projects/{code}/plan/")
    inspector.wait_for_selector("#plan[data-ready]")
    inspector.locator(f'path.space[data-global-id="{room.global_id}"]').click()  # the middle of the room
    form = inspector.locator("#new-finding")
    form.wait_for()
    suggestions = form.locator("input[name=global_ids]")
    assert suggestions.count() >= 1 and not suggestions.first.is_checked()  # offered, not imposed
    slab = version.elements.get(name="1F floor slab")
    form.locator(f'input[name=global_ids][value="{slab.global_id}"]').check()
    form.locator("#f-title").fill("Water stain on the floor")
    form.locator("#f-photos").set_input_files(str(photo))
    inspector.screenshot(path=str(ARTIFACTS / "7-point-card.png"))
    form.locator("button[type=submit]").click()
    inspector.wait_for_load_state()

    finding = Finding.objects.get(title="Water stain on the floor")
    x0, y0, x1, y1 = 0.12, 0.12, 5.94, 7.88  # the room's outline in the demo model
    assert x0 < finding.point_x < x1 and y0 < finding.point_y < y1
    assert finding.global_ids == [slab.global_id] and finding.storey_global_id == room.storey.global_id
    assert inspector.locator(f'.pin[data-finding-id="{finding.pk}"]').count() == 1
    inspector.screenshot(path=str(ARTIFACTS / "8-point-pin.png"))


def test_a_tap_without_a_connection_says_so_and_the_next_tap_loads_the_card(world, browser, site):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# Architecture")
    wall = version.elements.get(name="1F west wall")
    inspector = signed_in(browser, site, "inspector", {"width": 1024, "height": 768})
    inspector.goto(f"{site}/projects/{code}/plan/")
    inspector.wait_for_selector("#plan[data-ready]")
    inspector.route("**/element/**", lambda route: route.abort("internetdisconnected"))
    inspector.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    alert = inspector.locator("#card [role=alert]")
    alert.wait_for()
    assert "无法加载" in alert.inner_text()  # Chinese by default
    inspector.unroute("**/element/**")
    inspector.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    inspector.locator("#new-finding").wait_for()
    assert inspector.locator("#card [role=alert]").count() == 0
