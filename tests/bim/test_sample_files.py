"""Every real model in ../shared/ifc-samples (when the workplace provides them) ingests to ready
with exactly the physical elements, spaces and storeys ifcopenshell finds, and a footprint for
every one that has a body."""

from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import pytest

from bim.ifc.footprints import KERNEL, _settings
from bim.ifc.metadata import physical_elements
from bim.ifc.reading import open_ifc, unpacked
from plumbline.celery import tasks_in_this_process

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ifc-samples"
FILES = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in (".ifc", ".ifczip")) if SAMPLES.exists() else []

pytestmark = pytest.mark.integration


def what_ifcopenshell_finds(path: Path) -> dict:
    with unpacked(path) as ifc_path:
        model = open_ifc(ifc_path)
        products = physical_elements(model) + list(model.by_type("IfcSpace"))
        with_body = set()
        iterator = ifcopenshell.geom.iterator(_settings(), model, 1, include=products, geometry_library=KERNEL)
        if products and iterator.initialize():
            while True:
                shape = iterator.get()
                if len(shape.geometry.faces):
                    with_body.add(shape.guid)
                if not iterator.next():
                    break
        return {
            "elements": {e.GlobalId for e in physical_elements(model)},
            "spaces": {s.GlobalId for s in model.by_type("IfcSpace")},
            "storeys": {s.GlobalId for s in model.by_type("IfcBuildingStorey")},
            "with_body": with_body,
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
