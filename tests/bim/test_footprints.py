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


def box(model, x0, y0, x1, y1, z0, z1):
    """One extruded box item of a body, from (x0, y0, z0) to (x1, y1, z1)."""
    point = lambda *c: model.create_entity("IfcCartesianPoint", Coordinates=c)  # noqa: E731
    position2d = model.create_entity("IfcAxis2Placement2D", Location=point((x0 + x1) / 2, (y0 + y1) / 2))
    profile = model.create_entity(
        "IfcRectangleProfileDef", ProfileType="AREA", Position=position2d, XDim=x1 - x0, YDim=y1 - y0
    )
    return model.create_entity(
        "IfcExtrudedAreaSolid",
        SweptArea=profile,
        Position=model.create_entity("IfcAxis2Placement3D", Location=point(0.0, 0.0, z0)),
        ExtrudedDirection=model.create_entity("IfcDirection", DirectionRatios=(0.0, 0.0, 1.0)),
        Depth=z1 - z0,
    )


def footprint_of(b, storey, items, ifc_class="IfcBuildingElementProxy"):
    product = api("root.create_entity", b.model, ifc_class=ifc_class, name="body")
    representation = b.model.create_entity(
        "IfcShapeRepresentation",
        ContextOfItems=b.body,
        RepresentationIdentifier="Body",
        RepresentationType="SweptSolid",
        Items=items,
    )
    api("geometry.assign_representation", b.model, product=product, representation=representation)
    placed(b.model, product, turn(0, 0, 0))
    api("spatial.assign_container", b.model, relating_structure=storey, products=[product])
    (footprint,) = compute_footprints(b.model, [product])
    return shapely.from_wkt(footprint.wkt), footprint


def test_bodies_of_several_solids_are_outlined_as_their_union_in_plan():
    b = ModelBuilder("IFC4", "solids")
    storey = b.storey("1F", 0.0)
    m = b.model
    # a table: its top over four legs, and a stool beside it: two separate areas
    legs = [box(m, x, y, x + 0.05, y + 0.05, 0.0, 0.7) for x in (0.0, 1.15) for y in (0.0, 0.75)]
    got, fp = footprint_of(
        b, storey, [box(m, 0.0, 0.0, 1.2, 0.8, 0.7, 0.75), *legs, box(m, 2.0, 0.0, 2.4, 0.4, 0, 0.45)]
    )
    assert got.geom_type == "MultiPolygon"
    assert got.symmetric_difference(shapely.box(0, 0, 1.2, 0.8).union(shapely.box(2.0, 0.0, 2.4, 0.4))).area < 1e-6
    assert (fp.z_min, fp.z_max) == pytest.approx((0.0, 0.75))
    # a flight of five steps: each step's top meets the next one's in plan, at another height
    steps = [box(m, 0.3 * i, 0.0, 0.3 * (i + 1), 1.0, 0.0, 0.17 * (i + 1)) for i in range(5)]
    got, _ = footprint_of(b, storey, steps, "IfcStair")
    assert got.symmetric_difference(shapely.box(0, 0, 1.5, 1.0)).area < 1e-6
    # a frame around a pane: four bars leave a hole the pane fills at another depth
    bars = [
        box(m, 0.0, 0.0, 1.0, 0.1, 0, 1),
        box(m, 0.0, 0.9, 1.0, 1.0, 0, 1),
        box(m, 0.0, 0.1, 0.1, 0.9, 0, 1),
        box(m, 0.9, 0.1, 1.0, 0.9, 0, 1),
    ]
    frame, _ = footprint_of(b, storey, bars)
    assert frame.area == pytest.approx(1.0 - 0.8 * 0.8, abs=1e-6)
    assert len(frame.interiors) == 1  # the frame alone keeps its hole
    filled, _ = footprint_of(b, storey, [*bars, box(m, 0.1, 0.1, 0.9, 0.9, 0.4, 0.6)])
    assert filled.symmetric_difference(shapely.box(0, 0, 1, 1)).area < 1e-6


def test_a_slab_with_a_void_keeps_the_void_in_its_outline():
    b = ModelBuilder("IFC4", "void")
    storey = b.storey("1F", 0.0)
    m = b.model

    def polyline(points):
        return m.create_entity(
            "IfcPolyline",
            Points=[m.create_entity("IfcCartesianPoint", Coordinates=p) for p in [*points, points[0]]],
        )

    outer = [(0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0)]
    shaft = [(2.0, 1.0), (3.0, 1.0), (3.0, 2.5), (2.0, 2.5)]
    profile = m.create_entity(
        "IfcArbitraryProfileDefWithVoids", ProfileType="AREA", OuterCurve=polyline(outer), InnerCurves=[polyline(shaft)]
    )
    solid = m.create_entity(
        "IfcExtrudedAreaSolid",
        SweptArea=profile,
        Position=m.create_entity(
            "IfcAxis2Placement3D", Location=m.create_entity("IfcCartesianPoint", Coordinates=(0.0, 0.0, 0.0))
        ),
        ExtrudedDirection=m.create_entity("IfcDirection", DirectionRatios=(0.0, 0.0, 1.0)),
        Depth=0.2,
    )
    got, _ = footprint_of(b, storey, [solid], "IfcSlab")
    assert got.symmetric_difference(shapely.Polygon(outer, [shaft])).area < 1e-6


def test_a_surface_that_passes_over_itself_is_outlined_as_all_it_covers():
    """A spiral ramp of one and a half turns, one surface whose upper turn lies over its lower one,
    and a ledge drawn twice over a landing beside it: the outline is what they cover seen from
    above, the same as unioning every upward triangle."""
    b = ModelBuilder("IFC4", "spiral")
    storey = b.storey("1F", 0.0)
    m = b.model
    segments, turns = 48, 1.5
    points, faces = [], []
    for i in range(int(segments * turns) + 1):
        a, z = 2 * np.pi * i / segments, 0.5 * i / segments
        points += [(np.cos(a), np.sin(a), z), (2 * np.cos(a), 2 * np.sin(a), z)]
        if i:
            p = 2 * i + 1  # 1-based: this step's inner and outer point, after the last step's
            faces += [(p - 2, p - 1, p + 1), (p - 2, p + 1, p)]
    ramp = m.create_entity(
        "IfcTriangulatedFaceSet",
        Coordinates=m.create_entity("IfcCartesianPointList3D", CoordList=points),
        CoordIndex=faces,
    )
    ledge = [(3.0, 0.0, 1.0), (4.0, 0.0, 1.0), (4.0, 1.0, 1.0), (3.0, 1.0, 1.0), (3.0, 0.0, 1.2), (4.0, 0.0, 1.2)]
    drawn_twice = m.create_entity(
        "IfcTriangulatedFaceSet",
        Coordinates=m.create_entity("IfcCartesianPointList3D", CoordList=ledge),
        CoordIndex=[(1, 2, 3), (1, 3, 4), (1, 2, 3), (5, 6, 3)],
    )
    got, fp = footprint_of(b, storey, [ramp, drawn_twice])
    ramp_triangles = np.array([[points[i - 1][:2] for i in f] for f in faces])
    expected = shapely.union_all(shapely.polygons(np.concatenate([ramp_triangles, ramp_triangles[:, :1]], axis=1)))
    expected = expected.union(shapely.box(3.0, 0.0, 4.0, 1.0))
    assert not fp.is_approximate
    assert not got.covers(shapely.Point(0, 0))  # the well of the spiral stays open
    assert got.symmetric_difference(expected).area < 1e-3  # the kernel's mesh, to 0.1 mm
    assert got.area == pytest.approx(expected.area, rel=1e-4)
    assert (fp.z_min, fp.z_max) == pytest.approx((0.0, 1.2))
