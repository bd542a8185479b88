"""Permanent signs: content from the register, a check against it, a QR code to a public page."""

import datetime
import io

import pytest
from PIL import Image

from plumbline.core.errors import Conflict
from projects import actions as project_actions
from signage import actions


@pytest.fixture
def sign(world):
    return world["project"].signs.get(building="1#")


def test_a_sign_shows_the_register_as_it_was_recorded(sign):
    parties = {p["party"]: (p["organisation"], p["leader"]) for p in sign.content["parties"]}
    assert parties["contractor"] == ("中建华南建设集团有限公司", "张施工")
    assert parties["supervisor"] == ("广州建设监理咨询有限公司", "钱总监")
    assert sign.content["design_service_life_years"] == 50
    assert sign.content["construction_started_on"] == "2026-04-01"


def test_a_leader_replaced_after_installation_shows_as_a_discrepancy(world, sign, as_persona):
    code = world["project"].code
    assert as_persona("owner").get(f"/projects/{code}/signs/{sign.pk}").json()["discrepancies"] == []
    outsider = world["users"]["outsider"].person
    project_actions.appoint_party(
        world["project"],
        party="contractor",
        organisation_id=outsider.organisation_id,
        leader_id=outsider.pk,
        start_date=datetime.date(2026, 9, 1),
        actor=world["users"]["owner"],
    )
    client = as_persona("auditor")
    client.client.cookies["django_language"] = "en"
    problems = client.get(f"/projects/{code}/signs/{sign.pk}").json()["discrepancies"]
    assert problems == [
        {
            "code": "party_leader_changed",
            "message": "contractor (施工单位) project manager (项目经理): the sign shows 张施工, the register names 何路人",
            "field": "content.parties.contractor.leader",
        }
    ]
    client.client.cookies["django_language"] = "zh-hans"
    (problem,) = client.get(f"/projects/{code}/signs/{sign.pk}").json()["discrepancies"]
    assert problem["code"] == "party_leader_changed"
    assert problem["message"] == "施工单位项目经理：标牌上为张施工，登记为何路人"


def test_a_second_active_sign_for_a_building_is_refused(world, as_persona):
    code = world["project"].code
    response = as_persona("owner").post(f"/projects/{code}/signs", {"building": "1#", "material": "granite"})
    assert response.status_code == 409, response.json()
    assert response.json()["detail"] == "Building 1# already has an active sign: retire it first."
    assert world["project"].signs.count() == 1


def test_a_retired_sign_can_be_replaced(world, sign):
    owner = world["users"]["owner"]
    actions.retire_sign(world["project"], sign_id=sign.pk, reason="leader changed", actor=owner)
    replacement = actions.record_sign(
        world["project"],
        building="1#",
        material="granite",
        width_mm=800,
        height_mm=600,
        thickness_mm=20,
        location_text="entrance",
        actor=owner,
    )
    assert replacement.status == "active"
    with pytest.raises(Conflict, match="already retired"):
        actions.retire_sign(world["project"], sign_id=sign.pk, reason="again", actor=owner)


def test_the_qr_code_leads_to_a_public_page_without_private_data(world, sign, client):
    svg = client.get(f"/signs/{sign.public_token}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/signs/{sign.public_token}/qr.png")
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    page = client.get(f"/signs/{sign.public_token}/")  # anonymous, as a passer-by with a phone
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("珠江新城保障性住房项目", "张施工", "钱总监", "中建华南建设集团有限公司", "50"):
        assert shown in html
    for person in world["users"].values():
        if hasattr(person, "person") and person.person.id_number:
            assert person.person.id_number not in html
            assert person.person.id_number[-6:] not in html
    assert client.get("/signs/not-a-real-token/").status_code == 404
