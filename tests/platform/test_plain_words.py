"""What a person reads is in their words: an API error's every message in their language, a body
that is not JSON said so (not as missing fields), IFC classes named (墙 for IfcWall) on pages
while the API keeps the class names, claim photos by their file name, and no raw JSON linked
from the home page."""

import pytest
from django.test import Client
from django.utils import translation

from bim.ifc_names import ifc_class_label, ifc_class_name

pytestmark = pytest.mark.chinese


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_each_error_of_a_422_is_told_in_the_readers_language(world, as_persona):
    body = as_persona("contractor").post("/tokens", {"name": 5, "extra": 1}).json()
    assert body["errors"] and all(_has_chinese(e["msg"]) for e in body["errors"]), body
    assert "Input should" not in str(body["errors"]) and "Field required" not in str(body["errors"])
    assert {e["type"] for e in body["errors"]} >= {"string_type"}  # programs still switch on pydantic's type


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"])
def test_a_body_that_is_not_json_is_said_to_be_unreadable(world, as_persona, content_type):
    auditor = as_persona("auditor")
    response = auditor.client.post(
        "/api/v1/supervision/webhooks", data="{", content_type=content_type, headers=auditor.headers
    )
    body = response.json()
    assert response.status_code == 400 and body["code"] == "bad_json", body
    assert "JSON" in body["message"] and _has_chinese(body["message"]) and "必填" not in body["message"], body


def test_common_ifc_classes_have_chinese_names_and_others_stay_as_they_are():
    with translation.override("zh-hans"):
        assert ifc_class_name("IfcWall") == "墙" and ifc_class_name("IfcWallStandardCase") == "墙"
        assert [ifc_class_name(c) for c in ("IfcColumn", "IfcBeam", "IfcSlab", "IfcDoor", "IfcWindow")] == [
            "柱",
            "梁",
            "板",
            "门",
            "窗",
        ]
        assert ifc_class_name("IfcElementAssembly") == "构件组合" and ifc_class_name("IfcPile") == "桩"
        assert ifc_class_label("IfcWall") == "墙 (IfcWall)"
        assert ifc_class_label("IfcFlowController") == "IfcFlowController"


def test_the_plan_names_elements_by_their_class_in_chinese_and_the_api_keeps_the_class(world, as_persona):
    from bim.models import Element
    from bim.queries import storey_plan_svg

    wall = Element.objects.filter(version__model__project=world["project"], ifc_class="IfcWall").exclude(footprint="")
    wall = wall.select_related("storey").first()
    with translation.override("zh-hans"):
        svg = storey_plan_svg(wall.storey)
    assert f"<title>墙 {wall.name}</title>" in svg and "<title>IfcWall" not in svg
    element = as_persona("inspector").get(
        f"/projects/{world['project'].code}/versions/{wall.version_id}/elements/{wall.global_id}"
    )
    assert element.json()["ifc_class"] == "IfcWall"


def test_the_findings_filter_offers_element_classes_by_their_chinese_names(world):
    client = Client()
    client.force_login(world["users"]["inspector"])
    html = client.get(f"/projects/{world['project'].code}/findings/").content.decode()
    assert 'value="IfcWall"' in html and ">墙 (IfcWall)</option>" in html and ">IfcWall</option>" not in html


def test_a_claim_page_names_its_photos_not_their_hashes_and_its_element_class_in_chinese(world):
    import io
    import uuid

    from inspections.demo import finding_photo_png
    from insurance.actions import add_claim_photo
    from insurance.models import ClaimStatus, DefectClaim

    claim = DefectClaim.objects.filter(project=world["project"], status=ClaimStatus.FILED).first()
    data = finding_photo_png("leak")
    photo, _ = add_claim_photo(
        world["project"],
        claim_id=claim.pk,
        client_uuid=uuid.uuid4(),
        stream=io.BytesIO(data),
        size=len(data),
        original_name="卫生间渗水.png",
        actor=claim.filed_by,
    )
    client = Client()
    client.force_login(claim.filed_by)
    html = client.get(f"/projects/{world['project'].code}/claims/{claim.pk}/").content.decode()
    assert photo.sha256[:12] not in html and "卫生间渗水.png" in html
    if claim.category_inferred_from:
        assert f"依据 {claim.category_inferred_from}" not in html
        assert f"由构件类型 {claim.category_inferred_from} 推断" not in html


def test_the_home_page_links_no_raw_json_and_healthz_stays_for_machines(world):
    client = Client()
    client.force_login(world["users"]["auditor"])
    assert 'href="/healthz"' not in client.get("/").content.decode()
    assert client.get("/healthz").status_code in (200, 503)


def test_the_archive_page_says_what_its_check_does_without_naming_a_command(world):
    client = Client()
    client.force_login(world["users"]["owner"])
    html = client.get(f"/projects/{world['project'].code}/archive/").content.decode()
    assert "archive verify" not in html and "逐个打开文件" in html
