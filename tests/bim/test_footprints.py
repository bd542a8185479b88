"""Footprints of instances of one type: the type's mesh is outlined once and moved by each
instance's placement; turned, raised and tilted instances still get their own true outline, the
same as outlining each instance's mesh in world coordinates."""

import numpy as np
import pytest
import shapely

from bim.ifc.build import ModelBuilder, api
from bim.ifc.footprints import compute_footprints

L_SHAPE = [(0.0, 0.0), (2.0, 0.0), (2.0, 0.5), (0.5, 0.5), (0.5, 1.5), (0.0, 1.5)]


def placed(model, product, matrix):
    api("geometry.edit_object_placement", model, product=product, matrix=matrix)


def turn(deg, x, y, z=0.0):
    matrix = np.eye(4)
    a = np.radians(deg)
    matrix[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    matrix[:3, 3] = [x, y, z]
    return matrix


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_every_instance_of_a_type_gets_its_own_true_outline(schema):
    b = ModelBuilder(schema, "types")
    storey = b.storey("1F", 0.0)
    model = b.model
    column_type = api("root.create_entity", model, ifc_class="IfcColumnType", name="L column")
    curve = model.create_entity(
        "IfcPolyline", Points=[model.create_entity("IfcCartesianPoint", Coordinates=p) for p in [*L_SHAPE, L_SHAPE[0]]]
    )
    profile = model.create_entity("IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=curve)
    representation = api("geometry.add_profile_representation", model, context=b.body, profile=profile, depth=0.75)
    api("geometry.assign_representation", model, product=column_type, representation=representation)

    placements = {
        "plain": turn(0, 10, 5),
        "turned": turn(90, 20, 5),
        "askew": turn(30, 30, 5),
        "raised": turn(0, 40, 5, z=3.0),
    }
    tilted = np.eye(4)
    tilted[:3, :3] = [[1, 0, 0], [0, 0, -1], [0, 1, 0]]  # lying on its side: turned 90 degrees about x
    tilted[:3, 3] = [50, 5, 0]
    placements["tilted"] = tilted
    columns = {}
    for name, matrix in placements.items():
        column = api("root.create_entity", model, ifc_class="IfcColumn", name=name)
        api("type.assign_type", model, related_objects=[column], relating_type=column_type)
        placed(model, column, matrix)
        api("spatial.assign_container", model, relating_structure=storey, products=[column])
        columns[name] = column
    footprints = {fp.global_id: fp for fp in compute_footprints(model, list(columns.values()))}
    assert len(footprints) == len(columns)

    def expected(matrix):
        points = np.array([(x, y, 0.0, 1.0) for x, y in L_SHAPE]) @ matrix.T
        return shapely.Polygon(points[:, :2])

    for name in ("plain", "turned", "askew", "raised"):
        got = shapely.from_wkt(footprints[columns[name].GlobalId].wkt)
        want = expected(placements[name])
        assert shapely.hausdorff_distance(got, want) < 2e-4, name  # WKT keeps 0.1 mm
    raised = footprints[columns["raised"].GlobalId]
    assert (raised.z_min, raised.z_max) == pytest.approx((3.0, 3.75))
    lying = footprints[columns["tilted"].GlobalId]  # seen from above: 2 m long, 0.75 m deep
    assert shapely.from_wkt(lying.wkt).area == pytest.approx(2.0 * 0.75, rel=1e-6)
    assert (lying.z_min, lying.z_max) == pytest.approx((0.0, 1.5))

    # the same as outlining every instance's own mesh in world coordinates
    import ifcopenshell.geom

    from bim.ifc.footprints import KERNEL, _settings, outline

    settings = _settings()
    settings.set("use-world-coords", True)
    iterator = ifcopenshell.geom.iterator(settings, model, 1, include=list(columns.values()), geometry_library=KERNEL)
    assert iterator.initialize()
    while True:
        shape = iterator.get()
        vertices = np.asarray(shape.geometry.verts, dtype=float).reshape(-1, 3)
        faces = np.asarray(shape.geometry.faces, dtype=np.int64).reshape(-1, 3)
        reference, _ = outline(vertices, faces, 5.0)
        assert shapely.hausdorff_distance(reference, shapely.from_wkt(footprints[shape.guid].wkt)) < 2e-4
        if not iterator.next():
            break
