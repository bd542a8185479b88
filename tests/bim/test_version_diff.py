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
