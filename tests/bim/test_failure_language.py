"""Why a model failed is stored as a code with its parameters (bim/ifc stays free of Django) and
shown in the reader's language, on the pages and through the API; the English stays beside it."""

import pytest
from django.utils import translation

from bim.ifc.failures import FAILURES
from bim.models import failure_message

pytestmark = pytest.mark.chinese


def test_every_failure_reason_has_its_chinese():
    with translation.override("zh-hans"):
        untranslated = [
            code for code, text in FAILURES.items() if failure_message(code, _params(text), "") == text % _params(text)
        ]
    assert untranslated == []


def _params(text: str) -> dict:
    import re

    return {name: "x" for name in re.findall(r"%\((\w+)\)s", text)}


def test_a_file_that_is_not_ifc_fails_with_a_chinese_reason_on_the_page_and_the_api(world, upload, client, as_persona):
    version = upload(b"%PDF-1.4 a drawing, not a model", name="drawing.ifc", model_name="Bad")
    assert version.status == "failed" and version.failure_code == "not_ifc"
    assert "This is not an IFC file" in version.failure_reason  # the English kept beside the code
    client.force_login(world["users"]["contractor"])
    code = world["project"].code
    page = client.get(f"/projects/{code}/versions/{version.pk}/").content.decode()
    assert "这不是 IFC 文件" in page and "This is not an IFC file" not in page
    body = as_persona("contractor").get(f"/projects/{code}/versions/{version.pk}").json()
    assert body["failure_code"] == "not_ifc" and body["failure_reason"].startswith("这不是 IFC 文件"), body
