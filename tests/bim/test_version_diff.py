"""A new version is compared with the previous one by GlobalId; re-exported elements that got a
new GlobalId are proposed as remaps, and accepted remaps let records follow their element."""

import ifcopenshell.guid
import pytest

from bim import actions, queries
from bim.ifc.build import ModelBuilder

G = {
    name: ifcopenshell.guid.new() for name in ("wall", "moved", "renamed", "column", "door", "door2", "window", "slab")
}


def building(version: int) -> bytes:
    b = ModelBuilder("IFC4", "diff test")
    storey = b.storey("1F", 0.0)
    b.slab(storey, "floor", [(0, 0), (10, 0), (10, 6), (0, 6)], global_id=G["slab"])
    b.wall(storey, "south", (0, 0), 10, global_id=G["wall"])
    b.wall(storey, "north", (0, 6 if version == 1 else 6.5), 10, global_id=G["moved"])  # moved 0.5 m in v2
    b.wall(storey, "west" if version == 1 else "west (fire wall)", (0, 0), 6, rotation=90, global_id=G["renamed"])
    if version == 1:
        b.column(storey, "C1", 5, 3, global_id=G["column"])  # deleted in v2
    # the same door, re-exported with a new GlobalId in v2
    b.door(storey, "D1", 2, 0.07, global_id=G["door"] if version == 1 else G["door2"])
    if version == 2:
        b.window(storey, "W1", 7, 0.07, global_id=G["window"])  # added in v2
    return b.model.to_string().encode()


@pytest.fixture
def versions(upload):
    return upload(building(1), model_name="Diff"), upload(building(2), model_name="Diff")


def test_the_diff_names_added_removed_changed_and_moved_elements(versions, world, as_persona):
    first, second = versions
    assert second.previous_id == first.pk
    diff = as_persona("inspector").get(f"/projects/{world['project'].code}/versions/{second.pk}/diff").json()
    assert set(diff["added"]) == {G["window"], G["door2"]}
    assert set(diff["removed"]) == {G["column"], G["door"]}
    changed = {c["global_id"]: c["fields"] for c in diff["changed"]}
    assert set(changed) == {G["moved"], G["renamed"]}
    assert "footprint" in changed[G["moved"]]
    assert changed[G["renamed"]] == {"name": ["west", "west (fire wall)"]}
    assert diff["proposed_remaps"] == [{"from": G["door"], "to": G["door2"], "iou": 1.0}]


def test_an_accepted_remap_lets_records_follow_their_element(versions, world, as_persona):
    first, second = versions
    code = world["project"].code
    assert queries.follow_global_id(second, G["door"]) is None
    refused = as_persona("inspector").post(
        f"/projects/{code}/versions/{second.pk}/remaps", {"old_global_id": G["door"], "new_global_id": G["door2"]}
    )
    assert refused.status_code == 403
    accepted = as_persona("contractor").post(
        f"/projects/{code}/versions/{second.pk}/remaps", {"old_global_id": G["door"], "new_global_id": G["door2"]}
    )
    assert accepted.status_code == 201
    assert queries.follow_global_id(second, G["door"]) == G["door2"]
    assert queries.follow_global_id(second, G["wall"]) == G["wall"]
    assert queries.follow_global_id(second, G["column"]) is None


def test_a_remap_of_elements_that_did_not_change_is_refused(versions, world):
    _, second = versions
    with pytest.raises(Exception, match="is not an element that disappeared"):
        actions.accept_remap(
            world["project"],
            version_id=second.pk,
            old_global_id=G["wall"],
            new_global_id=G["window"],
            actor=world["users"]["contractor"],
        )


def test_the_first_version_has_no_diff(upload):
    assert upload(building(1), model_name="Alone").diff == {}


SLAB = ifcopenshell.guid.new()
OUTLINE = [(0, 0), (10, 0), (10, 6), (0, 6)]


def slab_model(*, raised=0.0, depth=0.2, shifted=0.0) -> bytes:
    """One floor slab, its top at the storey's level unless raised (metres), `depth` thick."""
    from bim.ifc.build import _placed

    b = ModelBuilder("IFC4", "slab diff test")
    storey = b.storey("1F", 0.0)
    slab = b.slab(storey, "floor", [(x + shifted, y) for x, y in OUTLINE], depth=depth, global_id=SLAB)
    _placed(b.model, slab, 0, 0, raised - depth)
    return b.model.to_string().encode()


def slab_change(upload, as_persona, world, model_name, **edit) -> dict:
    upload(slab_model(), model_name=model_name)
    second = upload(slab_model(**edit), model_name=model_name)
    assert second.status == "ready", second.failure_reason
    diff = as_persona("inspector").get(f"/projects/{world['project'].code}/versions/{second.pk}/diff").json()
    (change,) = diff["changed"]
    assert change["global_id"] == SLAB and diff["counts"]["changed"] == 1
    return change


def test_a_slab_raised_200_mm_is_changed_and_says_how_far_it_moved(upload, as_persona, world):
    change = slab_change(upload, as_persona, world, "Raised", raised=0.2)
    assert change["fields"] == {"z_range": [[-0.2, 0.0], [0.0, 0.2]]}  # the same outline in plan
    assert change["moved"] == {"dx": 0.0, "dy": 0.0, "dz": 0.2}
    assert change["grown"] == {"area": 1.0, "height": 1.0}


def test_a_slab_made_one_and_a_half_times_thicker_is_changed_and_says_by_how_much(upload, as_persona, world):
    change = slab_change(upload, as_persona, world, "Thicker", depth=0.3)
    assert change["fields"] == {"z_range": [[-0.2, 0.0], [-0.3, 0.0]]}
    assert change["moved"] == {"dx": 0.0, "dy": 0.0, "dz": -0.1}  # its bottom went 100 mm down
    assert change["grown"] == {"area": 1.0, "height": 1.5}


def test_a_slab_moved_in_plan_says_which_way_and_the_page_shows_it(upload, as_persona, world, client):
    change = slab_change(upload, as_persona, world, "Shifted", shifted=-1.5)
    assert change["fields"] == {"footprint": [60.0, 60.0]}
    assert change["moved"] == {"dx": -1.5, "dy": 0.0, "dz": 0.0}
    assert change["grown"] == {"area": 1.0, "height": 1.0}
    from bim.models import ModelVersion

    version = ModelVersion.objects.get(model__name="Shifted", number=2)
    client.force_login(world["users"]["inspector"])
    page = client.get(f"/projects/{world['project'].code}/versions/{version.pk}/").content.decode()
    assert SLAB in page and "dx -1.500" in page and "×1.000" in page


def test_a_change_within_the_tolerance_is_no_change():
    from bim.ifc.diff import geometry_change

    before = {"footprint": "POLYGON ((0 0, 10 0, 10 6, 0 6, 0 0))", "z_min": -0.2, "z_max": 0.0}
    assert geometry_change(before, {**before, "z_min": -0.205, "z_max": 0.004}) is None
    assert geometry_change(before, {**before, "z_max": 0.02}) is not None
    assert geometry_change(before, {**before, "footprint": ""})["fields"] == {"footprint": [60.0, None]}
