"""A sign's material is chosen from a list of permanent materials: foam or composite boards
described as marble are refused, old free-text materials are mapped or flagged, problems are codes
with translated messages, and sign photos have their own size limit."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from plumbline.core.errors import PayloadTooLarge
from signage import actions
from signage.demo import sign_photo_png
from signage.models import PermanentSign
from signage.queries import check_sign

pytestmark = pytest.mark.chinese  # the messages and names asserted are the Chinese ones

migration = importlib.import_module("signage.migrations.0002_sign_material_choice")


def record(world, material, **extra):
    return actions.record_sign(
        world["project"],
        building="2#",
        material=material,
        width_mm=800,
        height_mm=600,
        thickness_mm=20,
        location_text="gate",
        actor=world["users"]["owner"],
        **extra,
    )


@pytest.mark.parametrize("material", ["泡沫仿大理石", "非金属复合板", "KT foam board", "marble-look PVC", ""])
def test_a_sign_of_foam_or_composite_is_refused_naming_the_accepted_materials(world, as_persona, material):
    code = world["project"].code
    response = as_persona("owner").post(f"/projects/{code}/signs", {"building": "2#", "material": material})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "material_not_permanent" and body["field"] == "material"
    assert "不是永久性标牌材料" in body["detail"]
    for accepted in ("granite (花岗岩)", "marble (大理石)", "stainless_steel (不锈钢)", "aluminium_plate (铝板)"):
        assert accepted in body["detail"]
    assert not world["project"].signs.filter(building="2#").exists()


def test_the_refusal_speaks_english_when_english_was_chosen(world, as_persona):
    client = as_persona("owner")
    client.client.cookies["django_language"] = "en"
    response = client.post(f"/projects/{world['project'].code}/signs", {"building": "2#", "material": "泡沫仿大理石"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "'泡沫仿大理石' is not a permanent sign material: choose one of granite"
    )


@pytest.mark.parametrize(
    ("given", "code"),
    [("granite", "granite"), ("花岗岩", "granite"), ("Stainless  Steel", "stainless_steel"), ("铸铜", "cast_copper")],
)
def test_a_material_is_chosen_by_its_code_or_its_chinese_or_english_name(world, as_persona, given, code):
    response = as_persona("owner").post(
        f"/projects/{world['project'].code}/signs",
        {"building": "2#", "material": given, "material_note": "black, gold engraved"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["material"], body["material_note"], body["has_unrecognised_material"]) == (
        code,
        "black, gold engraved",
        False,
    )
    assert body["discrepancies"] == []


def test_the_accepted_materials_are_listed_with_configured_extras(world, as_persona, settings):
    settings.SIGN_EXTRA_MATERIALS = (("titanium_plate", "钛板", "titanium plate"),)
    listed = as_persona("contractor").get("/signs/materials").json()
    assert listed[0] == {"code": "granite", "name": "花岗岩", "name_zh": "花岗岩", "name_en": "granite"}
    assert listed[-1] == {"code": "titanium_plate", "name": "钛板", "name_zh": "钛板", "name_en": "titanium plate"}
    assert record(world, "titanium plate").material == "titanium_plate"


def test_a_sign_whose_material_is_no_longer_configured_is_flagged_as_not_permanent(world, settings):
    settings.SIGN_EXTRA_MATERIALS = (("titanium_plate", "钛板", "titanium plate"),)
    sign = record(world, "titanium_plate")
    settings.SIGN_EXTRA_MATERIALS = ()
    (problem,) = check_sign(sign)
    assert (problem.code, problem.field) == ("material_not_permanent", "material")
    assert problem.message.startswith("titanium_plate 不在认可的永久性材料之列")


def test_configured_extras_must_be_code_chinese_and_english_names(monkeypatch):
    from plumbline.settings import env_sign_materials

    monkeypatch.setenv("SIGN_EXTRA_MATERIALS", "titanium_plate:钛板:titanium plate, sandstone:砂岩:sandstone")
    assert env_sign_materials("SIGN_EXTRA_MATERIALS") == (
        ("titanium_plate", "钛板", "titanium plate"),
        ("sandstone", "砂岩", "sandstone"),
    )
    for bad in ("foam", "Foam Board:泡沫板:foam board", "a:b", "x:y:z,x:y:z", "x::z"):
        monkeypatch.setenv("SIGN_EXTRA_MATERIALS", bad)
        with pytest.raises(ImproperlyConfigured, match="SIGN_EXTRA_MATERIALS"):
            env_sign_materials("SIGN_EXTRA_MATERIALS")


def test_an_extra_repeating_a_built_in_material_is_refused(settings):
    from signage.materials import accepted_materials

    settings.SIGN_EXTRA_MATERIALS = (("granite", "仿花岗岩", "granite look"),)
    with pytest.raises(ImproperlyConfigured, match="granite"):
        accepted_materials()


@pytest.mark.parametrize(
    ("old_text", "code"),
    [
        ("黑色花岗岩 black granite, gold engraved", "granite"),
        ("汉白玉大理石", "marble"),
        ("304不锈钢", "stainless_steel"),
        ("黄铜铸字", "brass"),
        ("铸铜", "cast_copper"),
        ("Aluminium, anodised", "aluminium_plate"),
        ("泡沫仿大理石", ""),
        ("非金属复合板", ""),
        ("KT foam board", ""),
        ("石材", ""),  # stone, but which
        ("金属", ""),
        ("granite with brass letters", ""),  # two materials: a person decides
    ],
)
def test_old_free_text_materials_map_to_the_list_only_when_they_clearly_name_one(old_text, code):
    assert migration.material_code(old_text) == code


def test_migrating_keeps_the_old_text_and_flags_signs_naming_no_material(world, as_persona):
    foam = record(world, "granite")
    sign = world["project"].signs.get(building="1#")
    PermanentSign.objects.filter(pk=foam.pk).update(material="泡沫仿大理石", material_note="")
    PermanentSign.objects.filter(pk=sign.pk).update(material="黑色花岗岩 black granite", material_note="")
    migration.to_codes(apps, None)
    foam.refresh_from_db()
    sign.refresh_from_db()
    assert (sign.material, sign.material_note) == ("granite", "黑色花岗岩 black granite")
    assert (foam.material, foam.material_note) == ("", "泡沫仿大理石")

    body = as_persona("owner").get(f"/projects/{world['project'].code}/signs/{foam.pk}").json()
    assert body["has_unrecognised_material"] is True
    assert [(p["code"], p["field"]) for p in body["discrepancies"]] == [("material_unrecognised", "material")]
    assert "泡沫仿大理石" in body["discrepancies"][0]["message"]
    migration.to_text(apps, None)
    foam.refresh_from_db()
    assert foam.material == "泡沫仿大理石"


def test_the_public_page_shows_register_changes_but_not_the_material_check(world, client):
    foam = record(world, "granite")
    PermanentSign.objects.filter(pk=foam.pk).update(material="", material_note="泡沫仿大理石")
    html = client.get(f"/signs/{foam.public_token}/").content.decode()
    assert "标牌内容与当前登记一致" in html
    assert "永久性材料" not in html and "泡沫仿大理石" in html
    PermanentSign.objects.filter(pk=foam.pk).update(
        material="granite", content={**foam.content, "project_name": "旧名"}
    )
    html = client.get(f"/signs/{foam.public_token}/").content.decode()
    assert "项目名称：标牌上为旧名" in html
    assert "花岗岩" in html


def test_sign_photos_have_their_own_size_limit(world, settings):
    sign = world["project"].signs.get(building="1#")
    settings.LETTER_MAX_BYTES = 100
    photo = actions.add_sign_photo(
        world["project"], sign_id=sign.pk, stream=io.BytesIO(sign_photo_png()), actor=world["users"]["owner"]
    )
    assert photo.size > 100
    settings.SIGN_PHOTO_MAX_BYTES = 100
    with pytest.raises(PayloadTooLarge):
        actions.add_sign_photo(
            world["project"],
            sign_id=sign.pk,
            stream=io.BytesIO(sign_photo_png() + b"another photo"),
            actor=world["users"]["owner"],
        )
    assert sign.photos.count() == 1


def test_a_flagged_sign_gets_its_material_corrected_without_changing_what_it_shows(world, as_persona):
    from plumbline.core.audit.models import AuditEvent

    code = world["project"].code
    sign = world["project"].signs.get(building="1#")
    PermanentSign.objects.filter(pk=sign.pk).update(material="", material_note="G654 芝麻灰")
    content = PermanentSign.objects.get(pk=sign.pk).content
    path = f"/projects/{code}/signs/{sign.pk}/material"
    refused = as_persona("owner").post(path, {"material": "仿花岗岩"})
    assert (refused.status_code, refused.json()["code"]) == (422, "material_not_permanent")
    assert as_persona("contractor").post(path, {"material": "granite"}).status_code == 403
    response = as_persona("owner").post(path, {"material": "花岗岩", "material_note": "G654 芝麻灰, 阴刻金字"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["material"], body["has_unrecognised_material"], body["discrepancies"]) == ("granite", False, [])
    assert body["content"] == content
    event = AuditEvent.objects.filter(action="sign.material_set").get()
    assert event.changes == {"material": ["", "granite"], "material_note": ["G654 芝麻灰", "G654 芝麻灰, 阴刻金字"]}
