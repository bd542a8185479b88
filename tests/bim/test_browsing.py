"""Browsing a ready version: elements by class, storey, material, name or property; one element
with everything known; a storey plan as SVG; elements at a plan point."""

import pytest

from bim.models import ModelVersion


@pytest.fixture
def demo(world):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    storey = version.storeys.get(name="1F")
    return world["project"].code, version, storey


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_elements_are_filtered_by_class_storey_material_name_and_property(demo, as_persona):
    code, version, storey = demo
    api = as_persona("inspector")
    base = f"/projects/{code}/versions/{version.pk}/elements?limit=100"
    assert len(items(api.get(f"{base}&ifc_class=IfcWall"))) == 14
    assert len(items(api.get(f"{base}&ifc_class=IfcWall&storey=1F"))) == 7
    assert len(items(api.get(f"{base}&storey={storey.global_id}"))) == 15
    assert {e["name"] for e in items(api.get(f"{base}&material=%E7%9F%B3%E8%86%8F"))} == {"1F 内隔墙", "2F 内隔墙"}
    assert [e["name"] for e in items(api.get(f"{base}&name=%E5%85%A5%E6%88%B7&storey=2F"))] == ["2F 入户门"]
    fire = items(api.get(f"{base}&pset=Pset_WallCommon&prop=FireRating&value=EI30"))
    assert {e["name"] for e in fire} == {"1F 内隔墙", "2F 内隔墙"}
    internal = items(api.get(f"{base}&pset=Pset_WallCommon&prop=IsExternal&value=false"))
    assert len(internal) == 4


def test_one_element_comes_with_everything_known_about_it(demo, as_persona):
    code, version, _ = demo
    wall = version.elements.get(name="1F 南墙")
    body = as_persona("auditor").get(f"/projects/{code}/versions/{version.pk}/elements/{wall.global_id}").json()
    assert body["ifc_class"] == "IfcWall" and body["storey_name"] == "1F"
    assert body["psets"]["Pset_WallCommon"]["FireRating"] == "REI90"
    assert body["footprint_wkt"].startswith("POLYGON") and body["z_max"] == pytest.approx(3.0)
    missing = as_persona("auditor").get(f"/projects/{code}/versions/{version.pk}/elements/0000000000000000000000")
    assert missing.status_code == 404


def test_the_storey_plan_is_an_svg_with_clickable_element_ids(demo, as_persona):
    code, version, storey = demo
    api = as_persona("inspector")
    response = api.client.get(
        f"/api/v1/projects/{code}/versions/{version.pk}/storeys/{storey.global_id}/plan.svg", headers=api.headers
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    for element in storey.elements.all():
        assert f'data-global-id="{element.global_id}"' in svg
    assert 'class="element IfcColumn"' in svg and 'class="space"' in svg


def test_elements_at_a_plan_point_are_found_nearest_first(demo, as_persona):
    code, version, storey = demo
    api = as_persona("inspector")
    url = f"/projects/{code}/versions/{version.pk}/storeys/{storey.global_id}/elements-at"
    at_column = api.get(f"{url}?x=11.8&y=0.2&tolerance=0.05").json()
    assert at_column[0]["name"] == "1F 柱 C2"
    assert "1F 楼板" in [e["name"] for e in at_column]
    in_the_cut_out = api.get(f"{url}?x=10&y=6&tolerance=0.1").json()  # the L-shaped slab's missing corner
    assert in_the_cut_out == []
    outside = api.get(f"{url}?x=500&y=500")
    assert outside.status_code == 422 and "outside storey 1F" in outside.json()["detail"]


def test_a_version_that_failed_cannot_be_browsed_and_says_why(world, as_persona, upload):
    failed = upload(b"not a model at all", name="junk.ifc", model_name="Junk")
    response = as_persona("inspector").get(f"/projects/{world['project'].code}/versions/{failed.pk}/elements")
    assert response.status_code == 409
    assert "This is not an IFC file" in response.json()["detail"]
