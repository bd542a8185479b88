"""In real Chromium at 1024x768: the contractor opens the concrete batch from the materials page,
records a sample on site naming the witness, and the witness confirms it on their own tablet;
the failed rebar batch shows its report and the elements it went into. Screenshots are kept in
test-artifacts/browser/."""

import pytest

from acceptance.materials.models import MaterialBatch, Sample
from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 1024, "height": 768}


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_sample_is_taken_on_site_and_the_witness_confirms_it_on_a_tablet(world, browser, site):
    code = world["project"].code
    concrete = MaterialBatch.objects.get(project=world["project"], category="concrete_cubes")

    contractor = signed_in(browser, site, "contractor", TABLET)
    contractor.click(f"a[href='/projects/{code}/materials/']")  # tap 1: from the home page
    assert contractor.locator('#witness-report tr[data-category="cement"]').get_attribute("data-below") == "1"
    assert fits_the_screen(contractor)
    contractor.screenshot(path=str(ARTIFACTS / "materials-1-list.png"), full_page=True)
    contractor.click(f"tr[data-batch='{concrete.pk}'] a")  # tap 2: the batch
    form = contractor.locator("#new-sample")
    form.locator("#code").fill("HNT-SITE-01")  # the date defaults to today, all tests are ticked
    form.locator("#sampler_1_name").fill("刘取样")
    form.locator("#sampler_1_certificate").fill("粤取样-2026-0107")
    form.locator("#sampler_2_name").fill("黄取样")
    form.locator("#sampler_2_certificate").fill("粤取样-2026-0108")
    form.locator("#witness").select_option(label="赵监理 (粤见证-2026-0231)")
    assert fits_the_screen(contractor)
    contractor.screenshot(path=str(ARTIFACTS / "materials-2-sampling.png"), full_page=True)
    with contractor.expect_navigation():
        form.locator("button[type=submit]").click()  # tap 3 (after the fields): record it
    sample = contractor.locator('.sample[data-sample="HNT-SITE-01"]')
    assert sample.get_attribute("data-witnessed") == "0"
    assert Sample.objects.get(code="HNT-SITE-01").witness.name == "赵监理"

    witness = signed_in(browser, site, "inspector", TABLET)
    witness.goto(f"{site}/projects/{code}/materials/{concrete.pk}/")
    mine = witness.locator('.sample[data-sample="HNT-SITE-01"]')
    with witness.expect_navigation():
        mine.locator("button.confirm-witness").click()  # the witness's one tap
    assert witness.locator('.sample[data-sample="HNT-SITE-01"]').get_attribute("data-witnessed") == "1"
    assert witness.locator(".confirm-witness").count() == 0
    witness.screenshot(path=str(ARTIFACTS / "materials-3-witnessed.png"), full_page=True)
    assert Sample.objects.get(code="HNT-SITE-01").is_witnessed


def test_the_failed_rebar_batch_page_shows_its_report_and_elements_on_a_tablet(world, browser, site):
    code = world["project"].code
    rebar = MaterialBatch.objects.get(project=world["project"], category="rebar")
    page = signed_in(browser, site, "owner", TABLET)
    page.goto(f"{site}/projects/{code}/materials/{rebar.pk}/")
    assert page.locator("#batch-status").get_attribute("data-status") == "failed"
    assert page.locator('.sample[data-passed="0"]').count() == 1
    assert page.locator("#elements tr[data-global-id]").count() == 4
    assert page.locator("#new-sample").count() == 0  # the owner does not take samples
    assert fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "materials-4-failed-rebar.png"), full_page=True)


def test_the_failed_batchs_elements_are_marked_on_the_storey_plan(world, browser, site):
    code = world["project"].code
    rebar = MaterialBatch.objects.get(project=world["project"], category="rebar")
    page = signed_in(browser, site, "inspector", TABLET)
    page.goto(f"{site}/projects/{code}/materials/{rebar.pk}/")
    plan = page.locator('.plan[data-storey="2F"]')
    column = rebar.elements.first().global_id
    fill = plan.locator(f'[data-global-id="{column}"]').evaluate("e => getComputedStyle(e).fill")
    wall_fill = plan.locator(".IfcWall").first.evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(166, 27, 27)" and wall_fill != fill
    plan.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "materials-5-plan.png"))
