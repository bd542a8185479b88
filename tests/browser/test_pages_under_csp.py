"""In real Chromium, under the Content-Security-Policy: the storey plan still answers a tap, the
API docs (Swagger UI) still render, and no page reports a violation."""

import pytest

from bim.models import ModelVersion
from tests.browser.conftest import signed_in  # browser and site are fixtures of conftest.py

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page) -> list[str]:
    seen = []
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))
    return seen


def test_the_plan_and_the_api_docs_work_under_the_policy(world, browser, site):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 西墙")
    page = signed_in(browser, site, "inspector", {"width": 1024, "height": 768})
    violations = watch_violations(page)

    response = page.goto(f"{site}/projects/{code}/plan/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#plan[data-ready]")
    page.locator(f'.element[data-global-id="{wall.global_id}"]').click()
    page.locator("#new-finding").wait_for()
    assert page.locator("#card h2").inner_text() == "1F 西墙"

    page.goto(f"{site}/api/v1/docs")
    page.wait_for_selector("#swagger-ui .info .title")
    assert "Plumbline API" in page.locator("#swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock")  # the operations were read from openapi.json

    page.goto(f"{site}/admin/login/")
    page.goto(f"{site}/")
    assert violations == []
