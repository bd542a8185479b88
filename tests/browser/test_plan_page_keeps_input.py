"""In real Chromium at tablet size, the inspector's plan page: every element of the plan can be
tapped without scrolling, however long a model's name (the tabs stay one row, the empty sheet
covers nothing); the card open is in the address, so back and reload open it again with what was
typed in it (a draft kept on the tablet until the finding is logged or the draft discarded, the
offline queue working as before); a refused file gets no thumbnail. Screenshots in
test-artifacts/browser/."""

import io
import time
from urllib.parse import quote, unquote

import pytest
from django.db import OperationalError

from bim import actions as bim_actions
from bim.ifc.build import ModelBuilder
from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from inspections.models import Finding
from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDSCAPE, PORTRAIT = {"width": 1024, "height": 768}, {"width": 768, "height": 1024}
LONG_NAME = (  # 100 characters, the longest a model name may be
    "珠江新城保障性住房项目 1# 住宅楼 结构专业 施工图深化模型（含地下室、转换层、屋面构架、钢结构连廊、幕墙预埋件及机电管线综合预留洞口）第三次报审稿 2026 年 5 月版第二次修订，请各方会签确认"
)
DRAFTS = "() => Object.keys(localStorage).filter((k) => k.startsWith('plumbline-draft:'))"


def read(query):
    """The test's own read of what the live server wrote, once SQLite lets go of the table."""
    for _ in range(200):
        try:
            return query()
        except OperationalError:
            time.sleep(0.05)
    return query()


def upload_long_named_model(world):
    builder = ModelBuilder("IFC4", "long name")
    storey = builder.storey("1F", 0.0)
    builder.column(storey, "KZ1", 3, 3)
    data = builder.model.to_string().encode()
    version, _ = bim_actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(data),
        original_name="long.ifc",
        model_name=LONG_NAME,
        size=len(data),
        actor=world["users"]["contractor"],
    )
    version.refresh_from_db()
    assert version.status == "ready"


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_lowest_element_of_the_plan_is_tapped_without_scrolling(world, browser, site, viewport):
    assert len(LONG_NAME) == 100
    upload_long_named_model(world)
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    page = signed_in(browser, site, "inspector", viewport)
    page.goto(f"{site}/projects/{world['project'].code}/plan/?version={version.pk}")
    page.wait_for_selector("#plan[data-ready]")
    page.wait_for_selector("#plan[data-zoom-ready]")
    tabs = page.locator("#models").bounding_box()
    assert tabs["height"] < 70, tabs  # one row: the long name ends in an ellipsis
    long_tab = page.locator("#models a", has_text="珠江新城保障性住房项目")
    assert long_tab.get_attribute("title") == LONG_NAME
    plot = page.locator("#plan svg").bounding_box()
    assert plot["y"] + plot["height"] <= viewport["height"], plot  # the whole plan on the first screen
    # the element whose middle is lowest on the plan, where a finger touches the element itself
    lowest = page.evaluate(
        """() => [...document.querySelectorAll('#plan .element')].map((el) => {
            const r = el.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
            return document.elementFromPoint(x, y) === el ? {x, y, gid: el.dataset.globalId} : null;
        }).filter(Boolean).sort((a, b) => b.y - a.y)[0]"""
    )
    assert lowest["y"] <= viewport["height"], lowest
    assert page.evaluate("() => window.scrollY") == 0
    page.mouse.click(lowest["x"], lowest["y"])
    page.locator(f'#card [data-element="{lowest["gid"]}"]').wait_for()
    assert page.locator("#new-finding").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"plan-lowest-element-{viewport['width']}x{viewport['height']}.png"))


def test_back_from_the_findings_list_brings_the_card_and_the_half_typed_finding_back(world, browser, site):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 西墙")
    page = signed_in(browser, site, "inspector", LANDSCAPE)
    page.goto(f"{site}/projects/{code}/plan/")
    page.wait_for_selector("#plan[data-ready]")
    page.wait_for_selector("#offline-queue[data-offline-ready]", state="attached")
    page.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    form = page.locator("#new-finding")
    form.wait_for()
    form.locator("#f-title").fill("输入一半的问题")
    form.locator("#f-description").fill("很重要的说明")
    form.locator("#f-severity").select_option("major")
    assert unquote(page.url).endswith(f"#element={wall.global_id}")  # a GlobalId may hold $ (%24)

    with page.expect_navigation():
        page.locator("main a", has_text="质量问题").first.click()
    page.go_back()
    page.locator(f'#card [data-element="{wall.global_id}"]').wait_for()
    assert form.locator("#f-title").input_value() == "输入一半的问题"
    assert form.locator("#f-description").input_value() == "很重要的说明"
    assert form.locator("#f-severity").input_value() == "major"
    assert page.locator("#new-finding .draft-restored").is_visible()
    assert page.locator(f'.element.selected[data-global-id="{wall.global_id}"]').count() == 1
    page.screenshot(path=str(ARTIFACTS / "plan-back-keeps-draft-1024x768.png"))

    page.reload()  # a reload too
    page.locator(f'#card [data-element="{wall.global_id}"]').wait_for()
    assert form.locator("#f-title").input_value() == "输入一半的问题"

    # logged with no network: the queue keeps it, the draft has done its work
    page.context.set_offline(True)
    form.locator("button[type=submit]").click()
    page.locator("#card .saved-offline").wait_for()
    assert page.evaluate(DRAFTS) == []
    assert not read(lambda: Finding.objects.filter(title="输入一半的问题").exists())
    page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('offline-queue').dataset.waiting === '0'")
    finding = read(lambda: Finding.objects.get(title="输入一半的问题"))
    assert finding.description == "很重要的说明" and finding.severity == "major"
    assert finding.global_ids == [wall.global_id]


def test_a_discarded_draft_is_gone_and_a_refused_file_gets_no_thumbnail(world, browser, site, tmp_path):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 东墙 A")
    readme = tmp_path / "readme.txt"
    readme.write_text("不是照片")
    photo = tmp_path / "crack.png"
    photo.write_bytes(finding_photo_png("crack"))
    page = signed_in(browser, site, "inspector", LANDSCAPE)
    page.goto(f"{site}/projects/{code}/plan/#element={quote(wall.global_id, safe='')}")  # an address with a card
    page.locator(f'#card [data-element="{wall.global_id}"]').wait_for()
    form = page.locator("#new-finding")

    form.locator("#f-photos").set_input_files(str(readme))
    error = form.locator('.field-error[data-field="photos"]')
    error.wait_for()  # said as it is chosen
    assert "readme.txt" in error.inner_text()
    assert form.locator(".markup-strip img").count() == 0  # no broken image under the message
    page.screenshot(path=str(ARTIFACTS / "plan-refused-file-1024x768.png"))
    form.locator("#f-photos").set_input_files(str(photo))
    assert form.locator(".markup-strip img").count() == 1 and error.count() == 0

    form.locator("#f-title").fill("放弃的草稿")
    page.reload()
    page.locator("#new-finding .draft-restored").wait_for()
    assert form.locator("#f-title").input_value() == "放弃的草稿"
    page.locator("#new-finding .draft-discard").click()
    assert form.locator("#f-title").input_value() == ""
    assert page.evaluate(DRAFTS) == []
    page.reload()
    page.locator(f'#card [data-element="{wall.global_id}"]').wait_for()
    assert form.locator("#f-title").input_value() == "" and page.locator(".draft-restored").count() == 0
