"""In real Chromium at tablet size, the plans a site team works on: the model and version they
pick (the latest ready one by default), a finding's plan opened at the finding's version with its
pin, the version page's plan tappable with its pins; zoom and pan by wheel, drag and pinch, pins
and taps 40 px wide at any zoom, and the card over the plan with its submit button in view.
Screenshots are kept in test-artifacts/browser/."""

import pytest

from bim.ifc.build import ModelBuilder
from bim.models import ModelVersion
from inspections.models import Finding
from tests.browser.conftest import ARTIFACTS, signed_in
from tests.model_versions import accept_remaps, upload_next

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDSCAPE, PORTRAIT = {"width": 1024, "height": 768}, {"width": 768, "height": 1024}
VIEWPORTS = pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])


def structure_model() -> bytes:
    b = ModelBuilder("IFC4", "1# structure")
    storey = b.storey("1F", 0.0)
    b.column(storey, "KZ1 structural column", 3, 3)
    b.slab(storey, "1F structural slab", [(0, 0), (6, 0), (6, 6), (0, 6)])
    return b.model.to_string().encode()


def upload_structure(world):
    import io

    from bim import actions

    data = structure_model()
    version, _ = actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(data),
        original_name="structure.ifc",
        model_name="2# Structure",
        size=len(data),
        actor=world["users"]["contractor"],
    )
    version.refresh_from_db()
    assert version.status == "ready"
    return version


def view_box(page) -> list[float]:
    return [float(v) for v in page.locator("#plan svg").get_attribute("viewBox").split()]


def test_the_latest_version_of_each_model_is_picked_and_a_findings_plan_link_opens_its_version(world, browser, site):
    code = world["project"].code
    first = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    second, _ = upload_next(world, first, rename=["1F 窗 W1"])
    structure = upload_structure(world)

    inspector = signed_in(browser, site, "inspector", PORTRAIT)
    inspector.goto(f"{site}/projects/{code}/plan/")
    inspector.wait_for_selector("#plan[data-ready]")
    assert inspector.locator("#pick-version").input_value() == str(second.pk)  # the latest, not v1
    assert inspector.locator("#models a").all_inner_texts() == ["1# 建筑", "2# Structure"]
    assert inspector.locator(".pin").count() >= 3  # v1's findings, on v2's plan
    inspector.screenshot(path=str(ARTIFACTS / "plans-1-picker-768x1024.png"))

    inspector.locator("#models a", has_text="2# Structure").click()
    inspector.wait_for_selector("#plan[data-ready]")
    assert inspector.locator("#pick-version").input_value() == str(structure.pk)
    assert inspector.locator("#plan .element").count() == 2
    inspector.locator("#models a", has_text="1# 建筑").click()
    inspector.wait_for_selector("#plan[data-ready]")
    inspector.locator("#pick-version").select_option(str(first.pk))  # an earlier version, on its own
    inspector.wait_for_url(f"**/plan/?version={first.pk}*")
    assert inspector.locator("#pick-version").input_value() == str(first.pk)

    crack = Finding.objects.get(title="墙体裂缝：南墙开裂")
    inspector.goto(f"{site}/projects/{code}/findings/{crack.pk}/")
    inspector.locator("#plan-link").click()
    inspector.wait_for_selector("#plan[data-ready]")
    assert f"version={first.pk}" in inspector.url
    assert inspector.locator("#pick-version").input_value() == str(first.pk)
    highlighted = inspector.locator(".pin.highlighted")
    assert highlighted.count() == 1 and highlighted.get_attribute("data-finding-id") == str(crack.pk)


def test_the_version_pages_plan_shows_its_pins_and_opens_an_elements_card(world, browser, site):
    code = world["project"].code
    first = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    second, new_ids = upload_next(world, first, regenerate=["1F 南墙"])
    accept_remaps(world, second)
    crack = Finding.objects.get(title="墙体裂缝：南墙开裂")

    inspector = signed_in(browser, site, "inspector", LANDSCAPE)
    inspector.goto(f"{site}/projects/{code}/versions/{second.pk}/")
    inspector.wait_for_selector("#plan[data-pins='1']")
    assert inspector.locator(f'.pin[data-finding-id="{crack.pk}"]').count() == 1  # followed through the remap
    inspector.locator(f'.element[data-global-id="{new_ids["1F 南墙"]}"]').click()
    inspector.locator("#card h2").wait_for()
    assert inspector.locator("#card h2").inner_text() == "1F 南墙"
    assert "墙体裂缝：南墙开裂" in inspector.locator("#card").inner_text()
    inspector.screenshot(path=str(ARTIFACTS / "plans-2-version-page-1024x768.png"))


@VIEWPORTS
def test_a_plan_zooms_and_pans_and_keeps_its_taps_a_finger_wide(world, browser, site, viewport):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    west = version.elements.get(name="1F 西墙")
    south = version.elements.get(name="1F 南墙")
    crack = Finding.objects.get(title="墙体裂缝：南墙开裂")
    shot = f"{viewport['width']}x{viewport['height']}"
    page = signed_in(browser, site, "inspector", viewport)
    page.goto(f"{site}/projects/{code}/plan/")
    page.wait_for_selector("#plan[data-zoom-ready]")
    page.screenshot(path=str(ARTIFACTS / f"plans-3-plan-{shot}.png"))

    def pin_target():
        box = page.locator(f'.pin[data-finding-id="{crack.pk}"] .pin-hit').bounding_box()
        return box["width"], box["height"]

    assert min(pin_target()) >= 40
    home = view_box(page)
    plot = page.locator("#plan svg").bounding_box()
    middle = (plot["x"] + plot["width"] / 2, plot["y"] + plot["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.wheel(0, -600)
    page.wait_for_function("() => parseFloat(document.getElementById('plan').dataset.zoom) > 1.5")
    zoomed = view_box(page)
    assert zoomed[2] < home[2] / 1.5
    assert min(pin_target()) >= 40  # the same finger-wide target, zoomed in

    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 120, middle[1] + 60, steps=6)
    page.mouse.up()
    panned = view_box(page)
    assert panned[0] < zoomed[0] and panned[1] < zoomed[1] and panned[2] == zoomed[2]
    assert page.locator("#card #new-finding").count() == 0  # a drag is not a tap

    page.locator("#plan .zoom button").nth(2).click()  # the whole plan again
    assert view_box(page) == home

    # a tap 12 px beside the west wall (inside the room) picks the wall, the nearest element
    wall = page.locator(f'.element[data-global-id="{west.global_id}"]').bounding_box()
    page.mouse.click(wall["x"] + wall["width"] + 12, wall["y"] + wall["height"] / 2)
    page.locator("#card h2").wait_for()
    assert page.locator("#card h2").inner_text() == "1F 西墙"
    assert page.locator(f'.element.selected[data-global-id="{west.global_id}"]').count() == 1

    if viewport is PORTRAIT:  # the sheet over the plan closes to show the whole plan again
        page.locator("#sheet .sheet-close").click()
        assert not page.locator("#sheet").is_visible()

    # the element under a pin's point is tappable: the pin's head stands above it
    foot = page.locator(f'.pin-anchor:has(.pin[data-finding-id="{crack.pk}"]) .pin-foot').bounding_box()
    under = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('[data-global-id]')?.dataset.globalId",
        [foot["x"] + foot["width"] / 2, foot["y"] + foot["height"] / 2],
    )
    assert under == south.global_id

    # the card opens over (portrait) or beside (landscape) the plan, its submit button in view
    page.mouse.click(foot["x"] + foot["width"] / 2, foot["y"] + foot["height"] / 2)
    page.wait_for_function("() => document.querySelector('#card h2')?.textContent === '1F 南墙'")
    submit = page.locator("#new-finding button[type=submit]").bounding_box()
    assert submit["y"] >= 0 and submit["y"] + submit["height"] <= viewport["height"]
    sheet = page.locator("#sheet").bounding_box()
    if viewport is PORTRAIT:
        assert sheet["y"] + sheet["height"] == pytest.approx(viewport["height"], abs=1)
        assert sheet["height"] <= viewport["height"] * 0.55
        plot = page.locator("#plan svg").bounding_box()
        assert plot["y"] < sheet["y"]  # the plan shows above the sheet, not 800 px below it
    page.screenshot(path=str(ARTIFACTS / f"plans-4-card-{shot}.png"))


def test_a_plan_zooms_with_two_fingers(world, browser, site):
    code = world["project"].code
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = context.new_page()
    page.goto(f"{site}/login/")
    page.fill("#id_username", "inspector")
    page.fill("#id_password", "plumbline-demo")
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{site}/")
    page.goto(f"{site}/projects/{code}/plan/")
    page.wait_for_selector("#plan[data-zoom-ready]")
    home = view_box(page)
    plot = page.locator("#plan svg").bounding_box()
    cx, cy = plot["x"] + plot["width"] / 2, plot["y"] + plot["height"] / 2
    cdp = context.new_cdp_session(page)

    def touch(kind, spread):
        points = (
            []
            if kind == "touchEnd"
            else [
                {"x": cx - spread, "y": cy, "id": 1},
                {"x": cx + spread, "y": cy, "id": 2},
            ]
        )
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", 40)
    for spread in range(50, 170, 10):
        touch("touchMove", spread)
    touch("touchEnd", 0)
    page.wait_for_function("() => parseFloat(document.getElementById('plan').dataset.zoom) > 2")
    assert view_box(page)[2] < home[2] / 2
    assert page.locator("#card #new-finding").count() == 0  # a pinch is not a tap
