"""Every real model in ../shared/ifc-samples (when the workplace provides them) ingests to ready
with exactly the physical elements, spaces and storeys ifcopenshell finds, and a footprint for
every one that has a body: the union of its upward faces seen from above."""

from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import numpy as np
import pytest
import shapely

from bim.ifc.footprints import GRID, KERNEL, _settings
from bim.ifc.metadata import physical_elements
from bim.ifc.reading import open_ifc, unpacked
from plumbline.celery import tasks_in_this_process

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ifc-samples"
FILES = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in (".ifc", ".ifczip")) if SAMPLES.exists() else []

pytestmark = pytest.mark.integration


def union_of_upward_faces(shape):
    """The plain definition of a footprint: every face that looks up, seen from above, unioned
    (faces seen edge-on only when there is no other)."""
    vertices = np.frombuffer(shape.geometry.verts_buffer, dtype="d").reshape(-1, 3)
    xy = vertices[np.frombuffer(shape.geometry.faces_buffer, dtype=np.int32).reshape(-1, 3)][:, :, :2]
    twice = (xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1]) - (xy[:, 2, 0] - xy[:, 0, 0]) * (
        xy[:, 1, 1] - xy[:, 0, 1]
    )
    up = xy[twice > 1e-10] if (twice > 1e-10).any() else xy[np.abs(twice) > 1e-10]
    return shapely.union_all(shapely.polygons(np.concatenate([up, up[:, :1]], axis=1)), grid_size=GRID)


def what_ifcopenshell_finds(path: Path) -> dict:
    with unpacked(path) as ifc_path:
        model = open_ifc(ifc_path)
        products = physical_elements(model) + list(model.by_type("IfcSpace"))
        outlines = {}
        settings = _settings()
        settings.set("use-world-coords", True)
        iterator = ifcopenshell.geom.iterator(settings, model, 1, include=products, geometry_library=KERNEL)
        if products and iterator.initialize():
            while True:
                shape = iterator.get()
                if len(shape.geometry.faces):
                    outlines[shape.guid] = union_of_upward_faces(shape)
                if not iterator.next():
                    break
        return {
            "elements": {e.GlobalId for e in physical_elements(model)},
            "spaces": {s.GlobalId for s in model.by_type("IfcSpace")},
            "storeys": {s.GlobalId for s in model.by_type("IfcBuildingStorey")},
            "with_body": set(outlines),
            "outlines": outlines,
        }


def test_the_workplace_provides_sample_files():
    assert FILES, f"no IFC samples in {SAMPLES}"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_real_model_ingests_with_exactly_what_ifcopenshell_finds(path, upload):
    expected = what_ifcopenshell_finds(path)
    with tasks_in_this_process():  # integration tests get no eager tasks by default
        version = upload(path.read_bytes(), name=path.name, model_name=path.stem)
    assert version.status == "ready", version.failure_reason
    assert set(version.elements.values_list("global_id", flat=True)) == expected["elements"]
    assert set(version.spaces.values_list("global_id", flat=True)) == expected["spaces"]
    assert set(version.storeys.values_list("global_id", flat=True)) == expected["storeys"]
    with_footprint = set(version.elements.exclude(footprint="").values_list("global_id", flat=True))
    with_footprint |= set(version.spaces.exclude(footprint="").values_list("global_id", flat=True))
    assert expected["with_body"] <= with_footprint
    footprints = dict(version.elements.exclude(footprint="").values_list("global_id", "footprint"))
    footprints.update(version.spaces.exclude(footprint="").values_list("global_id", "footprint"))
    for global_id, reference in expected["outlines"].items():
        if reference.is_empty:
            continue
        got = shapely.from_wkt(footprints[global_id])
        # the same outline to the 0.1 mm grid along its edges (an L-shaped slab stays L-shaped)
        assert shapely.symmetric_difference(got, reference).area <= 2e-4 * reference.length, global_id
