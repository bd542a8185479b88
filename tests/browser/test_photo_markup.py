"""In real Chromium at 1024x768: the inspector draws an arrow and a circle on a photo in the
finding form before saving it, the contractor circles the repair in the rectification form; each
time both photos reach the server, the marked-up one red where it was drawn on, the original
untouched, and the finding's page shows the marked-up one with a link to the original."""

import io

import pytest
from PIL import Image

from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from inspections.models import Finding
from storage import get_storage
from tests.browser.conftest import ARTIFACTS, signed_in
from tests.browser.test_pages_under_csp import watch_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORT = {"width": 1024, "height": 768}


def red_pixels(photo) -> int:
    with get_storage().open(photo.file_key) as handle:
        image = Image.open(io.BytesIO(handle.read())).convert("RGB")
    image.thumbnail((320, 320))
    r, g, b = image.split()
    mask = Image.eval(r, lambda v: 255 if v > 180 else 0)
    mask = Image.composite(mask, Image.new("L", image.size), Image.eval(g, lambda v: 255 if v < 90 else 0))
    mask = Image.composite(mask, Image.new("L", image.size), Image.eval(b, lambda v: 255 if v < 90 else 0))
    return mask.histogram()[255]


def drag(page, canvas, start, end):
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=8)
    page.mouse.up()


def mark_up(page, form, tool_shapes, shot):
    form.locator(".markup-strip .markup-open").first.click()
    editor = page.locator(".markup-editor")
    editor.wait_for(state="visible")
    canvas = editor.locator("canvas")
    for tool, start, end in tool_shapes:
        editor.locator(f"[data-markup-action={tool}]").click()
        drag(page, canvas, start, end)
    assert editor.get_attribute("data-shapes") == str(len(tool_shapes))
    page.screenshot(path=str(ARTIFACTS / f"markup-{shot}-1024x768.png"))
    editor.locator("[data-markup-action=done]").click()
    form.locator(".markup-strip figure[data-marked]").wait_for()


def test_photos_marked_up_before_saving_are_kept_beside_their_originals(world, browser, site, tmp_path):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 西墙")
    photo = tmp_path / "crack.png"
    photo.write_bytes(finding_photo_png("crack"))

    inspector = signed_in(browser, site, "inspector", VIEWPORT)
    violations = watch_violations(inspector)
    inspector.goto(f"{site}/projects/{code}/plan/?version={version.pk}")
    inspector.wait_for_selector("#plan[data-ready]")
    inspector.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    form = inspector.locator("#new-finding")
    form.wait_for()
    form.locator("#f-title").fill("墙面裂缝（已标注）")
    form.locator("#f-photos").set_input_files(str(photo))
    mark_up(inspector, form, [("arrow", (0.2, 0.8), (0.5, 0.5)), ("circle", (0.45, 0.4), (0.7, 0.65))], "finding")
    with inspector.expect_navigation():
        form.locator("button[type=submit]").click()
    finding = Finding.objects.get(title="墙面裂缝（已标注）")
    original = finding.photos.get(marks_up__isnull=True)
    marked = finding.photos.get(marks_up=original)
    assert red_pixels(original) == 0 and red_pixels(marked) > 100

    inspector.goto(f"{site}/projects/{code}/findings/{finding.pk}/")
    shown = inspector.locator("figure[data-photo]")
    assert shown.count() == 1 and shown.get_attribute("data-photo") == str(marked.pk)
    original_link = shown.locator("a.original-photo")
    assert inspector.request.get(original_link.get_attribute("href")).body() == photo.read_bytes()

    contractor = signed_in(browser, site, "contractor", VIEWPORT)
    contractor.goto(f"{site}/projects/{code}/findings/{finding.pk}/")
    move = contractor.locator('form[data-move="submit_rectification"]')
    move.locator("input[type=file]").set_input_files(str(photo))
    mark_up(contractor, move, [("circle", (0.3, 0.3), (0.6, 0.6))], "rectification")
    move.locator("textarea").fill("已重新抹灰")
    move.locator("button[type=submit]").click()
    contractor.wait_for_load_state()
    assert contractor.locator("#status").get_attribute("data-status") == "rectification_submitted"
    rectified = finding.photos.filter(uploaded_by__username="contractor")
    assert rectified.count() == 2
    repair = rectified.get(marks_up__isnull=False)
    assert repair.marks_up in rectified and red_pixels(repair) > 100
    contractor.screenshot(path=str(ARTIFACTS / "markup-rectified-1024x768.png"), full_page=True)
    assert violations == []  # markup.js is a static file, as the policy wants
