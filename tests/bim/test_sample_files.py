"""Every real model in ../shared/ifc-samples (when the workplace provides them) ingests to ready
with exactly the physical elements, spaces and storeys ifcopenshell finds, and a footprint for
every one that has a body: the union of its upward faces seen from above."""

from pathlib import Path

import pytest
import shapely

from bim.ifc.metadata import physical_elements
from bim.ifc.reading import open_ifc, unpacked
from plumbline.core.inline import tasks_in_this_process

from .meshes import tessellated_outlines

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ifc-samples"
FILES = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in (".ifc", ".ifczip")) if SAMPLES.exists() else []

pytestmark = pytest.mark.integration


def what_ifcopenshell_finds(path: Path) -> dict:
    with unpacked(path) as ifc_path:
        model = open_ifc(ifc_path)
        products = physical_elements(model) + list(model.by_type("IfcSpace"))
        meshes = tessellated_outlines(model, products)
        return {
            "elements": {e.GlobalId for e in physical_elements(model)},
            "spaces": {s.GlobalId for s in model.by_type("IfcSpace")},
            "storeys": {s.GlobalId for s in model.by_type("IfcBuildingStorey")},
            "with_body": set(meshes),
            "outlines": {g: found[0] for g, found in meshes.items()},
            "heights": {g: found[1:] for g, found in meshes.items()},
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
    heights = {g: (low, high) for g, low, high in version.elements.values_list("global_id", "z_min", "z_max")}
    heights.update((g, (low, high)) for g, low, high in version.spaces.values_list("global_id", "z_min", "z_max"))
    for global_id, (low, high) in expected["heights"].items():
        assert heights[global_id] == pytest.approx((low, high), abs=1e-4), global_id
