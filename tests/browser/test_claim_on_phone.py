"""In real Chromium at phone size (390 x 844) the demo home owner files a claim from their home
page in at most five taps plus photos; a claim made with no network waits on the phone and
arrives once, with its photo, when the network is back."""

import time

import pytest
from django.db import OperationalError

from inspections.demo import finding_photo_png
from insurance.models import DefectClaim
from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def read(query):
    for _ in range(200):
        try:
            return query()
        except OperationalError:  # the in-memory SQLite locks a table while the live server writes it
            time.sleep(0.05)
    return query()


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OperationalError:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_home_owner_files_a_claim_in_five_taps_at_phone_size(world, browser, site, tmp_path):
    code = world["project"].code
    photo = tmp_path / "leak.png"
    photo.write_bytes(finding_photo_png("leak"))
    before = read(lambda: DefectClaim.objects.count())
    page = signed_in(browser, site, "home_owner", PHONE)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(f"{site}/projects/{code}/my-home/")
    assert page.locator("[data-unit='1-201']").is_visible()
    # nothing is wider than the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    taps = 0
    page.click("#file-claim")  # 1: report a defect
    taps += 1
    page.wait_for_selector("#new-claim")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("label.tile:has(input[value=plumbing])")  # 2: what kind
    taps += 1
    page.click("#claim-description")  # 3: into the description, then typing
    taps += 1
    page.keyboard.type("厨房水槽下水管渗漏")
    page.set_input_files("#claim-photos", str(photo))  # the photo (not counted: the camera's own taps)
    page.screenshot(path=str(ARTIFACTS / "claim-390x844.png"), full_page=True)
    page.click("#new-claim button[type=submit]")  # 4: send
    taps += 1
    page.wait_for_url(f"{site}/projects/{code}/my-home/")
    assert taps <= 5

    claim = read(lambda: DefectClaim.objects.exclude(pk__in=[]).order_by("-pk").first())
    assert read(lambda: DefectClaim.objects.count()) == before + 1
    assert (claim.category, claim.unit.number, claim.description) == ("plumbing", "1-201", "厨房水槽下水管渗漏")
    assert read(lambda: claim.photos.count()) == 1
    row = page.locator(f"a[href='/projects/{code}/claims/{claim.pk}/']")
    assert row.is_visible()
    assert "plumbing" not in row.inner_text()  # labels in the page's language, not codes
    page.screenshot(path=str(ARTIFACTS / "my-home-390x844.png"), full_page=True)
    page.goto(f"{site}/projects/{code}/claims/{claim.pk}/")
    assert page.locator("#cover li").first.is_visible()  # why it is covered or not, at once
    page.screenshot(path=str(ARTIFACTS / "claim-page-390x844.png"), full_page=True)  # why it is covered or not, at once
    assert violations == []
    print(f"\nfiling a claim at 390x844 took {taps} taps plus the photo")


def test_a_claim_made_offline_arrives_once_when_the_network_is_back(world, browser, site, tmp_path):
    code = world["project"].code
    photo = tmp_path / "crack.png"
    photo.write_bytes(finding_photo_png("crack"))
    before = read(lambda: DefectClaim.objects.count())
    page = signed_in(browser, site, "home_owner", PHONE)
    page.goto(f"{site}/projects/{code}/claims/new/")
    page.click("label.tile:has(input[value=decoration])")
    page.fill("#claim-description", "客厅墙面开裂")
    page.set_input_files("#claim-photos", str(photo))
    page.context.set_offline(True)
    page.click("#new-claim button[type=submit]")
    page.wait_for_selector(".saved-offline")
    assert read(lambda: DefectClaim.objects.count()) == before
    page.context.set_offline(False)
    page.evaluate("() => window.PlumblineClaims.flush()")
    wait_for(lambda: DefectClaim.objects.count() == before + 1)
    claim = DefectClaim.objects.order_by("-pk").first()
    wait_for(lambda: claim.photos.count() == 1)
    page.evaluate("() => window.PlumblineClaims.flush()")
    assert read(lambda: DefectClaim.objects.count()) == before + 1


def test_a_tap_on_the_units_plan_files_on_that_element_in_three_taps(world, browser, site):
    from bim.models import ModelVersion
    from insurance.models import Unit

    project = world["project"]
    unit = Unit.objects.get(building__project=project, number="1-201")  # the demo home owner's, apartment 2F01
    version = ModelVersion.objects.get(model__project=project, model__name="1# 建筑")
    wall = version.elements.get(name="2F 西墙")
    page = signed_in(browser, site, "home_owner", PHONE)
    page.goto(f"{site}/projects/{project.code}/my-home/")
    taps = 0
    page.locator(f"[data-unit='1-201'] .plan .element[data-global-id='{wall.global_id}']").click()  # 1: the wall
    taps += 1
    page.wait_for_selector("#new-claim")
    assert page.locator(f"input[name=global_ids][value='{wall.global_id}']").is_checked()
    page.click("#claim-description")  # 2
    taps += 1
    page.keyboard.type("西墙内侧渗水发霉")
    page.click("#new-claim button[type=submit]")  # 3: no kind picked: read from the wall
    taps += 1
    page.wait_for_url(f"{site}/projects/{project.code}/my-home/")
    claim = read(lambda: DefectClaim.objects.order_by("-pk").first())
    assert (claim.unit_id, claim.global_ids, claim.category) == (unit.pk, [wall.global_id], "envelope")
    assert claim.category_inferred_from == "IfcWall"
    print(f"\nfiling on a tapped element at 390x844 took {taps} taps")
