"""In real Chromium at tablet size: the findings list's "Export" asks for a report of what the
list shows, shows its progress, and ends with a download link that gives the file."""

import io

import pytest
from openpyxl import load_workbook

from inspections.models import Finding
from tests.browser.conftest import ARTIFACTS, signed_in
from tests.browser.test_pages_under_csp import watch_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_exporting_the_filtered_findings_list_ends_with_a_download_of_those_findings(world, browser, site):
    code = world["project"].code
    closed = Finding.objects.get(project=world["project"], status="closed")
    page = signed_in(browser, site, "inspector", {"width": 1024, "height": 768})
    violations = watch_violations(page)
    page.goto(f"{site}/projects/{code}/findings/?status=closed")
    form = page.locator("#export-report")
    form.locator("[name=format]").select_option("xlsx")
    form.locator("button[type=submit]").click()
    link = form.locator("a.report-download")
    link.wait_for(state="visible")
    assert form.get_attribute("data-status") == "done"
    assert form.locator("progress").get_attribute("value") == "100"
    page.screenshot(path=str(ARTIFACTS / "findings-report-export-1024x768.png"))
    assert link.get_attribute("download") == f"{code}-findings.xlsx"
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    sheet = load_workbook(io.BytesIO(response.body())).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [(closed.pk, closed.title)]  # only what the list showed
    assert violations == []  # the page's script is a static file, as the policy wants
