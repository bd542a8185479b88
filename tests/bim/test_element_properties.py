"""What an element's card says about it: properties and quantities it carries, those it inherits
from its type (its own value wins), a property set shared by several elements, the material it
inherits from its type, and its predefined type; the same as ifcopenshell's own utilities say."""

import ifcopenshell.api
import ifcopenshell.util.element as ue
import pytest

from bim.ifc.build import ModelBuilder
from bim.ifc.metadata import read_elements

from .conftest import ifc_bytes

api = ifcopenshell.api.run


def typed_model(schema: str):
    b = ModelBuilder(schema, "Typed")
    storey = b.storey("1F", 0.0)
    column_type = api("root.create_entity", b.model, ifc_class="IfcColumnType", name="C400", predefined_type="COLUMN")
    type_pset = api("pset.add_pset", b.model, product=column_type, name="Pset_ColumnCommon")
    api("pset.edit_pset", b.model, pset=type_pset, properties={"Reference": "C400", "LoadBearing": True})
    steel = api("material.add_material", b.model, name="Steel Q355")
    api("material.assign_material", b.model, products=[column_type], material=steel)
    columns = [b.column(storey, f"C{i}", 2.0 * i, 0.0) for i in range(3)]
    api("type.assign_type", b.model, related_objects=columns, relating_type=column_type)
    # C0 overrides the type's reference; C1 and C2 share one inspection property set
    own = api("pset.add_pset", b.model, product=columns[0], name="Pset_ColumnCommon")
    api("pset.edit_pset", b.model, pset=own, properties={"Reference": "C400-special"})
    shared = api("pset.add_pset", b.model, product=columns[1], name="Plumbline_Inspection")
    api("pset.edit_pset", b.model, pset=shared, properties={"Lot": "L-07"})
    rels = [r for r in columns[1].IsDefinedBy if r.is_a("IfcRelDefinesByProperties")]
    next(r for r in rels if r.RelatingPropertyDefinition == shared).RelatedObjects = [
        columns[1],
        columns[2],
    ]
    api("material.unassign_material", b.model, products=[columns[0]])  # C0 inherits its type's material
    quantities = api("pset.add_qto", b.model, product=columns[2], name="Qto_ColumnBaseQuantities")
    api("pset.edit_qto", b.model, qto=quantities, properties={"Length": 3.0})
    return b.model


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_an_element_shows_its_own_its_types_and_its_shared_properties(upload, schema):
    version = upload(ifc_bytes(typed_model(schema)))
    assert version.status == "ready", version.failure_reason
    c0, c1, c2 = (version.elements.get(name=f"C{i}") for i in range(3))
    assert c0.psets["Pset_ColumnCommon"] == {"Reference": "C400-special", "LoadBearing": True}
    assert c1.psets["Pset_ColumnCommon"] == {"Reference": "C400", "LoadBearing": True}
    assert c1.psets["Plumbline_Inspection"] == c2.psets["Plumbline_Inspection"] == {"Lot": "L-07"}
    assert "Plumbline_Inspection" not in c0.psets
    assert c2.qsets == {"Qto_ColumnBaseQuantities": {"Length": 3.0}}
    assert "Qto_ColumnBaseQuantities" not in c2.psets
    assert {c.type_name for c in (c0, c1, c2)} == {"C400"}
    assert c1.predefined_type == "COLUMN"
    assert c0.materials == [{"name": "Steel Q355"}]  # from its type
    assert c1.materials == [{"name": "混凝土 C40"}]  # its own


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_element_rows_say_what_ifcopenshell_utilities_say(schema):
    model = typed_model(schema)
    for element, row in zip(model.by_type("IfcColumn"), read_elements(model), strict=True):
        expected = ue.get_psets(element)
        quantity_sets = {n for n, p in expected.items() if model.by_id(p["id"]).is_a("IfcElementQuantity")}
        strip = lambda sets: {n: {k: v for k, v in p.items() if k != "id"} for n, p in sets.items()}  # noqa: E731
        assert row["psets"] == {n: p for n, p in strip(expected).items() if n not in quantity_sets}
        assert row["qsets"] == {n: p for n, p in strip(expected).items() if n in quantity_sets}
        material = ue.get_material(element, should_skip_usage=True)
        assert [m["name"] for m in row["materials"]] == (
            [material.Name]
            if material.is_a("IfcMaterial")
            else [layer.Material.Name for layer in material.MaterialLayers]
            if material.is_a("IfcMaterialLayerSet")
            else [p.Material.Name for p in material.MaterialProfiles]
        )
        assert row["predefined_type"] == (ue.get_predefined_type(element) or "")
        assert row["type_name"] == ue.get_type(element).Name
