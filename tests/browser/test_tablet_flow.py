"""In real Chromium, at tablet size: an inspector taps an element on the storey plan, logs a
finding with a photo and sees its pin; the contractor submits the rectification with a photo;
the inspector verifies it. Screenshots of each step are kept in test-artifacts/browser/."""

import pytest

from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from inspections.models import Finding
from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport", [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}], ids=["landscape", "portrait"]
)
def test_a_finding_goes_from_a_tap_on_the_plan_to_verified(world, browser, site, tmp_path, viewport):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 西墙")
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
    assert inspector.locator("#card h2").inner_text() == "1F 西墙"
    form.locator("#f-title").fill("Plaster cracked at window height")
    form.locator("#f-severity").select_option("major")
    form.locator("#f-photos").set_input_files(str(photo))
    inspector.screenshot(path=str(ARTIFACTS / f"1-card-{shot}.png"))
    with inspector.expect_navigation():  # sent through the tablet's queue, then the plan with its pin
        form.locator("button[type=submit]").click()
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
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 东墙 A")
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
        if note:
            item.locator("textarea").fill(note)
        if with_photo:
            item.locator("input[type=file]").set_input_files(str(photo))
        item.locator(f"span.{result}").click()  # the big touch target, not the hidden radio: saved as tapped
        item.locator(".item-state[data-state=saved]").wait_for()
        assert item.get_attribute("data-result") == result

    answer(1, "pass")
    answer(2, "fail", "Bed joints about 60% filled at the window sill.", with_photo=True)
    answer(3, "pass", with_photo=True)
    answer(4, "pass")
    inspector.locator("#complete button").click()  # refused on the tablet: nothing is lost, no reload
    assert "尚未作答的项目：5" in inspector.locator("#still-needed").inner_text()
    answer(5, "na")
    inspector.screenshot(path=str(ARTIFACTS / "5-checklist-filled.png"), full_page=True)
    with inspector.expect_navigation():
        inspector.locator("#complete button").click()
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
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
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
    slab = version.elements.get(name="1F 楼板")
    form.locator(f'input[name=global_ids][value="{slab.global_id}"]').check()
    form.locator("#f-title").fill("Water stain on the floor")
    form.locator("#f-photos").set_input_files(str(photo))
    inspector.screenshot(path=str(ARTIFACTS / "7-point-card.png"))
    with inspector.expect_navigation():
        form.locator("button[type=submit]").click()

    finding = Finding.objects.get(title="Water stain on the floor")
    x0, y0, x1, y1 = 0.12, 0.12, 5.94, 7.88  # the room's outline in the demo model
    assert x0 < finding.point_x < x1 and y0 < finding.point_y < y1
    assert finding.global_ids == [slab.global_id] and finding.storey_global_id == room.storey.global_id
    # back on the plan of the finding's storey (the page may pass through the plain plan first)
    inspector.wait_for_url(f"**storey={room.storey.global_id}**")
    inspector.wait_for_selector(f'#plan[data-ready] .pin[data-finding-id="{finding.pk}"]', timeout=10_000)
    assert inspector.locator(f'.pin[data-finding-id="{finding.pk}"]').count() == 1
    inspector.screenshot(path=str(ARTIFACTS / "8-point-pin.png"))


def test_a_tap_without_a_connection_says_so_and_the_next_tap_loads_the_card(world, browser, site):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 西墙")
    inspector = signed_in(browser, site, "inspector", {"width": 1024, "height": 768}, service_workers="block")
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
