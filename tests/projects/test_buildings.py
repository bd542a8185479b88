"""A project's buildings (单体): recorded by the owner, read by every member, linked to the
IfcBuilding of the models, and the building each permanent sign hangs on."""

import importlib

from django.apps import apps

from plumbline.core.audit.models import AuditEvent
from projects.models import Building
from signage.models import PermanentSign

migration = importlib.import_module("signage.migrations.0003_signs_hang_on_buildings")


def test_the_demo_building_1_is_linked_to_the_ifc_building_of_the_demo_model(world, as_persona):
    from bim.models import Storey

    body = as_persona("home_owner").get(f"/projects/{world['project'].code}/buildings").json()
    assert [b["name"] for b in body] == ["1#", "2#"]
    one = body[0]
    storey_buildings = set(
        Storey.objects.filter(version__model__project=world["project"]).values_list("building_global_id", flat=True)
    )
    assert one["ifc_global_ids"] and set(one["ifc_global_ids"]) == storey_buildings
    assert world["project"].signs.get(building="1#").building_record.name == "1#"


def test_the_owner_adds_a_building_and_the_event_names_its_fields(world, as_persona):
    code = world["project"].code
    response = as_persona("owner").post(
        f"/projects/{code}/buildings",
        {"name": " 3# ", "use": "商业", "storeys_above_ground": 5, "storeys_below_ground": 2, "floor_area_m2": 4200.5},
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "3#"
    event = AuditEvent.objects.filter(action="building.created").latest("id")
    assert event.changes["name"] == [None, "3#"] and event.changes["floor_area_m2"] == [None, "4200.50"]


def test_a_second_building_of_the_same_name_is_a_conflict_and_nothing_is_written(world, as_persona):
    api = as_persona("owner")
    before = Building.objects.count(), AuditEvent.objects.count()
    response = api.post(f"/projects/{world['project'].code}/buildings", {"name": "1#"})
    assert response.status_code == 409 and response.json()["code"] == "building_exists"
    assert (Building.objects.count(), AuditEvent.objects.count()) == before


def test_a_malformed_global_id_or_negative_storeys_is_refused_with_the_field(world, as_persona):
    api, code = as_persona("owner"), world["project"].code
    bad_id = api.post(f"/projects/{code}/buildings", {"name": "4#", "ifc_global_ids": ["not-a-guid"]})
    assert bad_id.status_code == 422 and bad_id.json()["field"] == "ifc_global_ids"
    assert "not an IFC GlobalId" in bad_id.json()["detail"]
    negative = api.post(f"/projects/{code}/buildings", {"name": "4#", "storeys_above_ground": -1})
    assert negative.status_code == 422
    assert not Building.objects.filter(name="4#").exists()


def test_updating_a_building_records_only_what_changed(world, as_persona):
    building = world["project"].buildings.get(name="2#")
    response = as_persona("owner").patch(
        f"/projects/{world['project'].code}/buildings/{building.pk}", {"use": "商业", "storeys_above_ground": 18}
    )
    assert response.status_code == 200 and response.json()["use"] == "商业"
    event = AuditEvent.objects.filter(action="building.updated").latest("id")
    assert event.changes == {"use": ["住宅", "商业"]}


def test_a_sign_for_an_unrecorded_building_records_the_building_with_it(world, as_persona):
    response = as_persona("owner").post(
        f"/projects/{world['project'].code}/signs", {"building": "5#", "material": "granite"}
    )
    assert response.status_code == 201, response.content
    building = Building.objects.get(project=world["project"], name="5#")
    assert response.json()["building_id"] == building.pk
    assert AuditEvent.objects.filter(action="sign.recorded").latest("id").changes["building_created"] == [None, "5#"]


def test_migrating_signs_makes_one_building_per_name_and_keeps_the_text(world):
    project = world["project"]
    sign = project.signs.get(building="1#")
    old = PermanentSign.objects.create(
        project=project,
        building="6#",
        content={},
        width_mm=1,
        height_mm=1,
        thickness_mm=1,
        location_text="",
        status="retired",
    )
    PermanentSign.objects.create(
        project=project, building="6#", content={}, width_mm=1, height_mm=1, thickness_mm=1, location_text=""
    )
    PermanentSign.objects.update(building_record=None)
    migration.link_buildings(apps, None)
    old.refresh_from_db()
    sign.refresh_from_db()
    assert old.building == "6#" and old.building_record.name == "6#"
    assert Building.objects.filter(project=project, name="6#").count() == 1
    assert PermanentSign.objects.filter(building="6#").values("building_record").distinct().count() == 1
    assert sign.building_record == project.buildings.get(name="1#")  # an existing record is reused
    migration.unlink_buildings(apps, None)
    assert not PermanentSign.objects.filter(building_record__isnull=False).exists()
