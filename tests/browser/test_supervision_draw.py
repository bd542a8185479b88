"""The housing department draws a period and signs a drawn project's result on a tablet held
upright (768x1024) in real Chromium, in Chinese: the form refuses a result with points but no
organisation and keeps what was typed, then signs it; nothing scrolls sideways."""

import pytest

from tests.browser.conftest import ARTIFACTS, signed_in  # browser and site are fixtures of conftest.py

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UPRIGHT = {"width": 768, "height": 1024}


def fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_auditor_draws_a_period_and_signs_a_result_at_768_wide(world, browser, site):
    from django.utils import timezone

    from projects.models import Organisation
    from supervision.models import OrganisationCredit, SupervisionDraw, SupervisionResult

    contractor = Organisation.objects.get(kind="contractor")
    OrganisationCredit.objects.update_or_create(  # tier D: the demo project is drawn for sure
        organisation=contractor, defaults={"points": 20, "tier": "D", "computed_at": timezone.now()}
    )
    page = signed_in(browser, site, "auditor", UPRIGHT)
    page.click("#desk-links a[href='/supervision/draws/']")
    page.wait_for_selector("#draw-form")
    assert fits_the_width(page)
    page.fill("#period", "2027-Q1")
    page.fill("#seed", "2027-01-05 体彩排列三 第2027003期")
    page.click("#draw-submit")
    page.wait_for_selector("#result-form")
    draw = SupervisionDraw.objects.get(period="2027-Q1")
    assert page.url.endswith(f"/supervision/draws/{draw.pk}/sign/")
    assert page.locator(".drawn-project[data-project='GZ-2026-001'][data-signed='0']").count() == 1

    page.select_option("#project", "GZ-2026-001")
    page.select_option("#outcome", "orders")
    page.fill("#summary", "二层楼板钢筋间距超标，责令整改")
    page.fill("#violation_points", "5")
    page.click("#sign-submit")
    page.wait_for_selector("#error-violation_organisation_id")
    assert "记分" in page.inner_text("#error-violation_organisation_id")
    assert page.input_value("#summary") == "二层楼板钢筋间距超标，责令整改"
    assert page.input_value("#violation_points") == "5"
    assert not SupervisionResult.objects.filter(draw=draw).exists()
    assert fits_the_width(page)

    page.select_option("#violation_organisation_id", str(contractor.pk))
    page.click("#sign-submit")
    page.wait_for_selector(".drawn-project[data-project='GZ-2026-001'][data-signed='1']")
    assert "已签署并公布" in page.inner_text("main")
    result = SupervisionResult.objects.get(draw=draw)
    assert (result.outcome, result.violation_organisation_id, result.violation_points) == ("orders", contractor.pk, 5)
    assert fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "supervision-draw-768.png"), full_page=True)


def test_the_contractors_new_forms_fit_a_landscape_tablet(world, browser, site):
    """The register's letter form and the materials forms at 1024x768: nothing scrolls sideways."""
    import datetime

    from django.utils import timezone

    from acceptance.materials.models import MaterialBatch
    from projects import actions
    from projects.models import Organisation

    actions.appoint_party(  # a new project manager whose letters are still to file
        world["project"],
        party="contractor",
        organisation_id=Organisation.objects.get(kind="contractor").pk,
        leader_id=world["users"]["outsider"].person.pk,
        start_date=timezone.localdate() - datetime.timedelta(days=2),
        actor=world["users"]["owner"],
    )
    code = world["project"].code
    page = signed_in(browser, site, "contractor", {"width": 1024, "height": 768})
    page.click(f"a[href='/projects/{code}/register/']")
    page.wait_for_selector(".letter-form")
    assert fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "register-1024.png"), full_page=True)
    page.goto(f"{site}/projects/{code}/materials/")
    page.wait_for_selector("#new-batch")
    assert fits_the_width(page)
    batch = MaterialBatch.objects.filter(project=world["project"], category="concrete_cubes").first()
    page.goto(f"{site}/projects/{code}/materials/{batch.pk}/")
    page.wait_for_selector("#new-certificate")
    assert fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "material-batch-1024.png"), full_page=True)
