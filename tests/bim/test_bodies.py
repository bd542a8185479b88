"""Footprints of extruded bodies read straight from the model: the same outline and heights as the
kernel's tessellation gives, in metres whatever the file's unit, and whatever cannot be read with
certainty (an arc, a clipping, a taper, a profile crossing itself) is tessellated instead."""

import ifcopenshell.ifcopenshell_wrapper as wrapper
import numpy as np
import pytest
import shapely

from bim.ifc.bodies import POSITIONS, BodyReader, outlines
from bim.ifc.build import ModelBuilder, api
from bim.ifc.footprints import compute_footprints

from .meshes import tessellated_outlines


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4", "IFC4X3_ADD2"])
def test_attributes_read_by_position_are_the_named_ones_in_every_schema(schema):
    declarations = wrapper.schema_by_name(schema)
    for entity, positions in POSITIONS.items():
        if schema == "IFC2X3" and entity in ("IfcIndexedPolyCurve", "IfcCartesianPointList2D"):
            continue  # new in IFC4
        names = [a.name() for a in declarations.declaration_by_name(entity).all_attributes()]
        for name, position in positions.items():
            assert names[position] == name, (schema, entity, name)


class Bodies:
    """Products with one body each, in a model whose length unit is the metre or the millimetre
    (coordinates are given in metres and written in the file's unit)."""

    def __init__(self, schema: str, millimetres: bool):
        self.builder = ModelBuilder(schema, "extrusions")
        self.model = self.builder.model
        self.unit = 1000.0 if millimetres else 1.0
        if millimetres:
            (length,) = [u for u in self.model.by_type("IfcSIUnit") if u.UnitType == "LENGTHUNIT"]
            length.Prefix = "MILLI"
        self.storey = self.builder.storey("1F", 0.0)
        self.products = {}

    def point(self, *coordinates):
        return self.model.create_entity("IfcCartesianPoint", Coordinates=[c * self.unit for c in coordinates])

    def direction(self, *ratios):
        return self.model.create_entity("IfcDirection", DirectionRatios=ratios)

    def polyline(self, points):
        return self.model.create_entity("IfcPolyline", Points=[self.point(*p) for p in [*points, points[0]]])

    def rectangle(self, width, depth, x=0.0, y=0.0, turned=(1.0, 0.0)):
        position = self.model.create_entity(
            "IfcAxis2Placement2D", Location=self.point(x, y), RefDirection=self.direction(*turned)
        )
        return self.model.create_entity(
            "IfcRectangleProfileDef",
            ProfileType="AREA",
            Position=position,
            XDim=width * self.unit,
            YDim=depth * self.unit,
        )

    def extrusion(
        self, profile, depth, *, z=0.0, direction=(0.0, 0.0, 1.0), axis=None, ref=None, ifc="IfcExtrudedAreaSolid"
    ):
        position = self.model.create_entity(
            "IfcAxis2Placement3D",
            Location=self.point(0.0, 0.0, z),
            Axis=self.direction(*axis) if axis else None,
            RefDirection=self.direction(*ref) if ref else None,
        )
        extra = {"EndSweptArea": profile} if ifc == "IfcExtrudedAreaSolidTapered" else {}
        return self.model.create_entity(
            ifc,
            SweptArea=profile,
            Position=position,
            ExtrudedDirection=self.direction(*direction),
            Depth=depth * self.unit,
            **extra,
        )

    def product(
        self,
        name,
        items,
        *,
        at=(0.0, 0.0, 0.0),
        turn_deg=0.0,
        axis=(0.0, 0.0, 1.0),
        ifc_class="IfcBuildingElementProxy",
    ):
        product = api("root.create_entity", self.model, ifc_class=ifc_class, name=name)
        product.Representation = self.model.create_entity(
            "IfcProductDefinitionShape",
            Representations=[
                self.model.create_entity(
                    "IfcShapeRepresentation",
                    ContextOfItems=self.builder.body,
                    RepresentationIdentifier="Body",
                    RepresentationType="SweptSolid",
                    Items=items,
                )
            ],
        )
        a = np.radians(turn_deg)
        relative = self.model.create_entity(
            "IfcAxis2Placement3D",
            Location=self.point(*at),
            Axis=self.direction(*axis),
            RefDirection=self.direction(float(np.cos(a)), float(np.sin(a)), 0.0),
        )
        product.ObjectPlacement = self.model.create_entity(
            "IfcLocalPlacement", PlacementRelTo=self.storey.ObjectPlacement, RelativePlacement=relative
        )
        api("spatial.assign_container", self.model, relating_structure=self.storey, products=[product])
        self.products[name] = product
        return product

    def mapped(
        self, items, *, origin=(0.0, 0.0, 0.0), target=(0.0, 0.0, 0.0), axis1=(1.0, 0.0, 0.0), axis2=None, scale=None
    ):
        source = self.model.create_entity(
            "IfcRepresentationMap",
            MappingOrigin=self.model.create_entity("IfcAxis2Placement3D", Location=self.point(*origin)),
            MappedRepresentation=self.model.create_entity(
                "IfcShapeRepresentation",
                ContextOfItems=self.builder.body,
                RepresentationIdentifier="Body",
                RepresentationType="SweptSolid",
                Items=items,
            ),
        )
        operator = self.model.create_entity(
            "IfcCartesianTransformationOperator3D",
            Axis1=self.direction(*axis1),
            Axis2=self.direction(*axis2) if axis2 else None,
            LocalOrigin=self.point(*target),
            Scale=scale,
        )
        return self.model.create_entity("IfcMappedItem", MappingSource=source, MappingTarget=operator)

    def brep(self, faces, *, inward=False, flipped_bounds=False, holes_as_faces=False, unmarked=False):
        """A faceted brep of faces given as (outer loop, inner loops) of 3D points, outer loops
        counter-clockwise seen from outside; `inward` turns every face round, `flipped_bounds`
        writes each loop backwards with its bound's Orientation false (the same faces),
        `holes_as_faces` writes inner loops in their face's sense, `unmarked` gives no bound the
        outer bound's type (all three seen in files)."""

        def bound(points, kind, inner=False):
            points = points[::-1] if inward != flipped_bounds else points
            points = points[::-1] if inner and holes_as_faces else points
            loop = self.model.create_entity("IfcPolyLoop", Polygon=[self.point(*p) for p in points])
            kind = "IfcFaceBound" if unmarked else kind
            return self.model.create_entity(kind, Bound=loop, Orientation=not flipped_bounds)

        shell = self.model.create_entity(
            "IfcClosedShell",
            CfsFaces=[
                self.model.create_entity(
                    "IfcFace",
                    Bounds=[bound(outer, "IfcFaceOuterBound"), *[bound(i, "IfcFaceBound", True) for i in inner]],
                )
                for outer, inner in faces
            ],
        )
        return self.model.create_entity("IfcFacetedBrep", Outer=shell)


def prism(outline, z0, z1, holes=()):
    """The faces of a vertical prism over a counter-clockwise outline (with clockwise holes)."""
    top = ([(x, y, z1) for x, y in outline], [[(x, y, z1) for x, y in h] for h in holes])
    bottom = ([(x, y, z0) for x, y in outline[::-1]], [[(x, y, z0) for x, y in h[::-1]] for h in holes])
    sides = []
    for ring in (outline, *holes):
        for (xa, ya), (xb, yb) in zip(ring, ring[1:] + ring[:1], strict=True):
            sides.append(([(xa, ya, z0), (xb, yb, z0), (xb, yb, z1), (xa, ya, z1)], []))
    return [top, bottom, *sides]


L_SHAPE = [(0.0, 0.0), (2.0, 0.0), (2.0, 0.5), (0.5, 0.5), (0.5, 1.5), (0.0, 1.5)]


def assert_as_the_kernel_draws_them(model, read) -> None:
    """Each outline read is the kernel's mesh's (its upward faces, to the 0.1 mm grid), and so is
    its z range."""
    reference = tessellated_outlines(model, [product for product, *_ in read])
    for product, outline, z_min, z_max in read:
        expected, low, high = reference[product.GlobalId]
        assert shapely.symmetric_difference(outline, expected).area <= 1e-4 * expected.length, product.Name
        assert (z_min, z_max) == pytest.approx((low, high), abs=1e-6), product.Name


def readable_bodies(schema: str, millimetres: bool) -> Bodies:
    b = Bodies(schema, millimetres)
    b.product("column", [b.extrusion(b.rectangle(0.4, 0.6, x=0.1, turned=(0.6, 0.8)), 3.0)], at=(5, 2, 0), turn_deg=30)
    b.product(
        "L slab",
        [
            b.extrusion(
                b.model.create_entity(
                    "IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=b.polyline(L_SHAPE)
                ),
                0.2,
            )
        ],
        at=(10, 0, 3.0),
    )
    b.product(
        "slab hung below its placement",
        [b.extrusion(b.rectangle(4, 3), 0.25, direction=(0.0, 0.0, -1.0))],
        at=(0, 10, 3),
    )
    outer, shaft = [(0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0)], [(2.0, 1.0), (3.0, 1.0), (3.0, 2.5), (2.0, 2.5)]
    voided = b.model.create_entity(
        "IfcArbitraryProfileDefWithVoids",
        ProfileType="AREA",
        OuterCurve=b.polyline(outer),
        InnerCurves=[b.polyline(shaft)],
    )
    b.product("slab with a shaft", [b.extrusion(voided, 0.2)], at=(20, 0, 0), turn_deg=-45)
    # a profile drawn upside down (its position's z axis pointing down) and swept down: upward
    b.product(
        "upside down",
        [b.extrusion(b.rectangle(1, 2, x=0.5), 1.0, axis=(0, 0, -1), direction=(0.0, 0.0, 1.0))],
        at=(30, 0, 2),
    )
    b.product(
        "table",
        [
            b.extrusion(b.rectangle(1.2, 0.8), 0.05, z=0.7),
            *[b.extrusion(b.rectangle(0.05, 0.05, x=x, y=y), 0.7) for x in (-0.5, 0.5) for y in (-0.3, 0.3)],
        ],
        at=(40, 0, 0),
    )
    b.product("sloped sweep", [b.extrusion(b.rectangle(1, 1), 2.0, direction=(0.0, 0.6, 0.8))], at=(0, 20, 0))
    l_profile = b.model.create_entity(
        "IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=b.polyline(L_SHAPE)
    )
    b.product("L swept aslant", [b.extrusion(l_profile, 1.5, direction=(0.36, -0.48, 0.8))], at=(5, 20, 0), turn_deg=10)
    # beams: profiles standing upright, swept level (one lying along x, one turned in plan)
    b.product("beam", [b.extrusion(b.rectangle(0.3, 0.5), 6.0)], at=(10, 20, 3.0), axis=(0.0, -1.0, 0.0))
    b.product(
        "beam turned", [b.extrusion(b.rectangle(0.3, 0.5), 4.0)], at=(20, 20, 3.0), turn_deg=30, axis=(0.0, -1.0, 0.0)
    )
    leg = b.extrusion(b.rectangle(0.3, 0.3), 2.5)
    b.product(
        "mapped, turned and scaled",
        [b.mapped([leg], origin=(0.1, 0.0, 0.0), target=(1.0, 1.0, 0.5), axis1=(0.0, 1.0, 0.0), scale=2.0)],
        at=(50, 0, 0),
    )
    l_column = b.extrusion(
        b.model.create_entity("IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=b.polyline(L_SHAPE)), 3.0
    )
    b.product(
        "mapped and mirrored", [b.mapped([l_column], target=(1.0, 0.0, 0.0), axis2=(0.0, -1.0, 0.0))], at=(55, 0, 0)
    )
    # an L drawn as two polylines, the second one backwards (Revit writes profiles so)
    first, second = b.polyline(L_SHAPE[:4])[0][:-1], b.polyline(L_SHAPE[3:] + L_SHAPE[:1])[0][:-1]
    segments = [
        b.model.create_entity(
            "IfcCompositeCurveSegment",
            Transition="CONTINUOUS",
            SameSense=same_sense,
            ParentCurve=b.model.create_entity("IfcPolyline", Points=points),
        )
        for points, same_sense in ((first, True), (tuple(reversed(second)), False))
    ]
    composite = b.model.create_entity("IfcCompositeCurve", Segments=segments, SelfIntersect=False)
    profile = b.model.create_entity("IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=composite)
    b.product("composite L", [b.extrusion(profile, 2.8)], at=(65, 0, 0), turn_deg=15)
    if schema != "IFC2X3":
        indexed = b.model.create_entity(
            "IfcIndexedPolyCurve",
            Points=b.model.create_entity(
                "IfcCartesianPointList2D", CoordList=[(x * b.unit, y * b.unit) for x, y in L_SHAPE]
            ),
        )
        profile = b.model.create_entity("IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=indexed)
        b.product("indexed L", [b.extrusion(profile, 1.0)], at=(60, 0, 0), turn_deg=90)
    return b


@pytest.mark.parametrize(("schema", "millimetres"), [("IFC4", False), ("IFC4", True), ("IFC2X3", True)])
def test_extruded_bodies_are_read_with_the_outline_and_heights_their_tessellation_has(schema, millimetres):
    b = readable_bodies(schema, millimetres)
    products = list(b.products.values())
    read, left = outlines(BodyReader(1.0 / b.unit), products)
    assert [p.Name for p in left] == []
    assert len(read) == len(products)
    assert_as_the_kernel_draws_them(b.model, read)
    # and the footprints the ingest writes are those outlines
    footprints = {fp.global_id: fp for fp in compute_footprints(b.model, products)}
    for product, outline, z_min, z_max in read:
        written = shapely.from_wkt(footprints[product.GlobalId].wkt)
        assert shapely.hausdorff_distance(written, outline) < 1e-4, product.Name  # WKT keeps 0.1 mm
        assert (footprints[product.GlobalId].z_min, footprints[product.GlobalId].z_max) == (z_min, z_max)
    assert shapely.from_wkt(footprints[b.products["slab with a shaft"].GlobalId].wkt).interiors
    sloped = shapely.from_wkt(footprints[b.products["sloped sweep"].GlobalId].wkt)
    assert sloped.area == pytest.approx(1.0 * (1.0 + 2.0 * 0.6), rel=1e-3)  # the profile and where it sweeps to
    beam = shapely.from_wkt(footprints[b.products["beam"].GlobalId].wkt)
    assert beam.symmetric_difference(shapely.box(9.85, 14.0, 10.15, 20.0)).area < 1e-6  # 0.3 wide, 6 long
    mirrored = shapely.from_wkt(footprints[b.products["mapped and mirrored"].GlobalId].wkt)
    assert mirrored.bounds == pytest.approx((56.0, -1.5, 58.0, 0.0))  # the L turned over its x axis


def test_bodies_that_cannot_be_read_with_certainty_are_tessellated_and_still_right():
    b = Bodies("IFC4", millimetres=False)
    circle = b.model.create_entity("IfcCircleProfileDef", ProfileType="AREA", Radius=0.3)
    b.product("round column", [b.extrusion(circle, 3.0)], at=(5, 0, 0))
    bow_tie = b.model.create_entity(
        "IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=b.polyline([(0, 0), (1, 1), (1, 0), (0, 1)])
    )
    b.product("profile crossing itself", [b.extrusion(bow_tie, 1.0)], at=(10, 0, 0))
    b.product("tapered", [b.extrusion(b.rectangle(1, 1), 1.0, ifc="IfcExtrudedAreaSolidTapered")], at=(15, 0, 0))
    wall = b.extrusion(b.rectangle(4, 0.2), 3.0)
    cut = b.model.create_entity(
        "IfcHalfSpaceSolid",
        BaseSurface=b.model.create_entity(
            "IfcPlane",
            Position=b.model.create_entity(
                "IfcAxis2Placement3D", Location=b.point(1.0, 0.0, 0.0), Axis=b.direction(1.0, 0.0, 0.0)
            ),
        ),
        AgreementFlag=False,
    )
    clipped = b.model.create_entity(
        "IfcBooleanClippingResult", Operator="DIFFERENCE", FirstOperand=wall, SecondOperand=cut
    )
    b.product("clipped wall", [clipped], at=(20, 0, 0))
    b.product(
        "a column and a round one",
        [b.extrusion(b.rectangle(0.3, 0.3), 3.0), b.extrusion(circle, 3.0, z=0.0)],
        at=(25, 0, 0),
    )
    products = list(b.products.values())
    read, left = outlines(BodyReader(1.0), products)
    assert read == [] and len(left) == len(products)
    reference = tessellated_outlines(b.model, products)
    footprints = {fp.global_id: fp for fp in compute_footprints(b.model, products)}
    for name, product in b.products.items():
        expected, low, high = reference[product.GlobalId]
        if expected.is_empty:  # the bow tie: its halves cancel out in the kernel's mesh too
            assert product.GlobalId not in footprints, name
            continue
        written = shapely.from_wkt(footprints[product.GlobalId].wkt)
        assert shapely.symmetric_difference(written, expected).area <= 2e-4 * expected.length, name
        assert (footprints[product.GlobalId].z_min, footprints[product.GlobalId].z_max) == pytest.approx((low, high))
    clipped_wall = shapely.from_wkt(footprints[b.products["clipped wall"].GlobalId].wkt)
    assert clipped_wall.area < 4 * 0.2 * 0.9  # the part cut away is not in the plan


def readable_breps(schema: str, millimetres: bool) -> Bodies:
    b = Bodies(schema, millimetres)
    b.product("box", [b.brep(prism([(0, 0), (1, 0), (1, 0.5), (0, 0.5)], 0.0, 2.0))], at=(0, 0, 0), turn_deg=20)
    b.product("L block", [b.brep(prism(L_SHAPE, 0.5, 1.0))], at=(5, 0, 0))
    square, shaft = [(0, 0), (2, 0), (2, 2), (0, 2)], [(0.5, 0.5), (0.5, 1.5), (1.5, 1.5), (1.5, 0.5)]
    b.product("tube", [b.brep(prism(square, 0.0, 3.0, holes=[shaft]))], at=(10, 0, 0), turn_deg=45)
    b.product(
        "tube with holes drawn like faces",
        [b.brep(prism(square, 0.0, 3.0, holes=[shaft]), holes_as_faces=True)],
        at=(12, 5, 0),
    )
    # a channel lying on its side: its lower flange's top lies partly under its upper flange's
    channel = [(0, 0), (1.5, 0), (1.5, 0.1), (0.1, 0.1), (0.1, 0.9), (1, 0.9), (1, 1), (0, 1)]
    b.product("channel on its side", [b.brep(prism(channel, 0.0, 3.0))], at=(45, 0, 0), axis=(0, -1, 0))
    b.product("inward box", [b.brep(prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0, 1), inward=True)], at=(15, 0, 0))
    b.product(
        "bounds written backwards", [b.brep(prism(L_SHAPE, 0, 1), flipped_bounds=True)], at=(20, 0, 0), turn_deg=-30
    )
    # a shelf: its top over a narrower foot, one shell whose upward faces overlap in plan
    shelf = [
        ([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)], []),  # top
        ([(0, 0, 0.9), (0, 1, 0.9), (0.6, 1, 0.9), (0.6, 0, 0.9)], []),  # underside of the top
        ([(0.6, 0, 0.9), (0.6, 1, 0.9), (0.6, 1, 0), (0.6, 0, 0)], []),  # the foot's outer side
        ([(0.6, 0, 0), (0.6, 1, 0), (1, 1, 0), (1, 0, 0)], []),  # the foot's bottom
        ([(0, 0, 0.9), (0.6, 0, 0.9), (0.6, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1)], []),  # front
        ([(0, 1, 0.9), (0, 1, 1), (1, 1, 1), (1, 1, 0), (0.6, 1, 0), (0.6, 1, 0.9)], []),  # back
        ([(0, 0, 0.9), (0, 0, 1), (0, 1, 1), (0, 1, 0.9)], []),  # the top's free end
        ([(1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1)], []),  # the foot's wall side
    ]
    b.product("shelf", [b.brep(shelf)], at=(25, 0, 0))
    chair = b.brep(prism([(0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5)], 0.4, 0.45))
    leg = b.brep(prism([(0, 0), (0.05, 0), (0.05, 0.05), (0, 0.05)], 0.0, 0.4))
    first = b.mapped([chair, leg])
    b.product("chair", [first], at=(30, 0, 0))
    for i, turn in enumerate((90, 180, 33)):  # more of the same type, turned
        again = b.model.create_entity(
            "IfcMappedItem", MappingSource=first.MappingSource, MappingTarget=first.MappingTarget
        )
        b.product(f"chair turned {turn}", [again], at=(30 + i, 2, 0), turn_deg=turn)
    b.product(
        "box on its side",
        [b.brep(prism([(0, 0), (1, 0), (1, 0.5), (0, 0.5)], 0.0, 2.0))],
        at=(40, 0, 0),
        axis=(0, -1, 0),
    )
    # georeferenced: project coordinates in the millions of metres
    b.product(
        "channel on its side, far out", [b.brep(prism(channel, 0.0, 3.0))], at=(500000, 2500000, 0), axis=(0, -1, 0)
    )
    return b


@pytest.mark.parametrize(("schema", "millimetres"), [("IFC4", False), ("IFC2X3", True)])
def test_faceted_breps_are_read_with_the_outline_and_heights_their_tessellation_has(schema, millimetres):
    b = readable_breps(schema, millimetres)
    products = list(b.products.values())
    read, left = outlines(BodyReader(1.0 / b.unit), products)
    assert [p.Name for p in left] == []
    assert_as_the_kernel_draws_them(b.model, read)
    tube = dict((p.Name, o) for p, o, _, _ in read)["tube"]
    assert len(tube.interiors) == 1 and tube.area == pytest.approx(4 - 1)
    read = {p.Name: (o, low, high) for p, o, low, high in read}
    assert read["shelf"][0].area == pytest.approx(1.0)
    assert read["tube with holes drawn like faces"][0].area == pytest.approx(4 - 1)
    far, _, _ = read["channel on its side, far out"]
    assert far.symmetric_difference(shapely.box(500000, 2499997, 500001.5, 2500000)).area < 1e-6
    channel, low, high = read["channel on its side"]
    assert channel.symmetric_difference(shapely.box(45, -3, 46.5, 0)).area < 1e-6 and (low, high) == pytest.approx(
        (0, 1)
    )


def test_a_shell_that_is_not_closed_goes_to_the_kernel():
    b = Bodies("IFC4", millimetres=False)
    lidless = prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0, 1)[1:]  # no top
    b.product("open box", [b.brep(lidless)])
    read, left = outlines(BodyReader(1.0), list(b.products.values()))
    assert read == [] and [p.Name for p in left] == ["open box"]
    (footprint,) = compute_footprints(b.model, left)  # the kernel's mesh of it still has a plan
    assert shapely.from_wkt(footprint.wkt).area == pytest.approx(1.0)


def test_a_face_whose_outer_bound_is_not_marked_takes_its_largest_loop_as_outer():
    """The kernel leaves such a tube without a mesh; read from its faces it has its outline."""
    b = Bodies("IFC4", millimetres=False)
    square, shaft = [(0, 0), (2, 0), (2, 2), (0, 2)], [(0.5, 0.5), (0.5, 1.5), (1.5, 1.5), (1.5, 0.5)]
    b.product("tube", [b.brep(prism(square, 0.0, 3.0, holes=[shaft]), unmarked=True)])
    ((_, outline, low, high),), _ = outlines(BodyReader(1.0), list(b.products.values()))
    assert outline.symmetric_difference(shapely.Polygon(square, [shaft])).area < 1e-9 and (low, high) == (0, 3)


def _face_set(b, faces, *, polygonal=False, closed=True, through_pn_index=False):
    """An IFC4 tessellated body of the same faces (outer loop, inner loops), points listed once."""
    points, index = [], {}

    def at(p):
        if p not in index:
            index[p] = len(points) + 1
            points.append(p)
        return index[p]

    loops = [([at(p) for p in outer], [[at(p) for p in ring] for ring in inner]) for outer, inner in faces]
    coordinates = [tuple(c * b.unit for c in p) for p in points]
    extra = {}
    if through_pn_index:  # the points listed backwards, the faces reaching them through PnIndex
        coordinates = coordinates[::-1]
        extra["PnIndex"] = [len(points) - i for i in range(len(points))]
    point_list = b.model.create_entity("IfcCartesianPointList3D", CoordList=coordinates)
    if not polygonal:
        triangles = [
            t for outer, _ in loops for t in ((outer[0], outer[k], outer[k + 1]) for k in range(1, len(outer) - 1))
        ]
        return b.model.create_entity(
            "IfcTriangulatedFaceSet", Coordinates=point_list, CoordIndex=triangles, Closed=closed, **extra
        )
    polygons = [
        b.model.create_entity("IfcIndexedPolygonalFaceWithVoids", CoordIndex=outer, InnerCoordIndices=inner)
        if inner
        else b.model.create_entity("IfcIndexedPolygonalFace", CoordIndex=outer)
        for outer, inner in loops
    ]
    return b.model.create_entity("IfcPolygonalFaceSet", Coordinates=point_list, Faces=polygons, Closed=closed, **extra)


@pytest.mark.parametrize("millimetres", [False, True])
def test_tessellated_bodies_are_read_with_the_outline_and_heights_their_tessellation_has(millimetres):
    b = Bodies("IFC4", millimetres)
    box = prism([(0, 0), (1, 0), (1, 0.5), (0, 0.5)], 0.0, 2.0)
    b.product("triangulated box", [_face_set(b, box)], turn_deg=20)
    b.product("triangulated L", [_face_set(b, prism(L_SHAPE, 0.5, 1.0), through_pn_index=True)], at=(5, 0, 0))
    square, shaft = [(0, 0), (2, 0), (2, 2), (0, 2)], [(0.5, 0.5), (0.5, 1.5), (1.5, 1.5), (1.5, 0.5)]
    tube = prism(square, 0.0, 3.0, holes=[shaft])
    b.product("polygonal tube", [_face_set(b, tube, polygonal=True)], at=(10, 0, 0), turn_deg=45)
    b.product(
        "polygonal tube, points by PnIndex", [_face_set(b, tube, polygonal=True, through_pn_index=True)], at=(15, 0, 0)
    )
    chair = b.mapped([_face_set(b, prism([(0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5)], 0.4, 0.45)), _face_set(b, box)])
    b.product("chair", [chair], at=(20, 0, 0))
    again = b.model.create_entity("IfcMappedItem", MappingSource=chair.MappingSource, MappingTarget=chair.MappingTarget)
    b.product("chair turned", [again], at=(25, 0, 0), turn_deg=90)
    products = list(b.products.values())
    read, left = outlines(BodyReader(1.0 / b.unit), products)
    assert [p.Name for p in left] == []
    assert_as_the_kernel_draws_them(b.model, read)
    read = {p.Name: o for p, o, _, _ in read}
    assert read["polygonal tube"].area == pytest.approx(3.0) and len(read["polygonal tube"].interiors) == 1
    assert read["polygonal tube, points by PnIndex"].area == pytest.approx(3.0)


def test_a_tessellated_surface_goes_to_the_kernel():
    b = Bodies("IFC4", millimetres=False)
    lidless = prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0, 1)[1:]
    b.product("open, said so", [_face_set(b, prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0, 1), closed=False)])
    b.product("open, not said", [_face_set(b, lidless, closed=None)], at=(5, 0, 0))
    read, left = outlines(BodyReader(1.0), list(b.products.values()))
    assert read == [] and len(left) == 2
    footprints = list(compute_footprints(b.model, left))
    assert [round(shapely.from_wkt(f.wkt).area, 6) for f in footprints] == [1.0, 1.0]


@pytest.mark.parametrize(("schema", "millimetres"), [("IFC4", False), ("IFC2X3", True)])
def test_level_steel_sections_are_read_from_their_extent_and_standing_ones_go_to_the_kernel(schema, millimetres):
    """A level I-beam or hollow section is seen from above as its width swept along its length,
    whatever its fillets; standing up, its fillets are in the plan, drawn by the kernel."""
    b = Bodies(schema, millimetres)
    origin = b.model.create_entity("IfcAxis2Placement2D", Location=b.point(0.0, 0.0))
    i_section = b.model.create_entity(
        "IfcIShapeProfileDef",
        ProfileType="AREA",
        Position=origin,
        OverallWidth=0.2 * b.unit,
        OverallDepth=0.4 * b.unit,
        WebThickness=0.01 * b.unit,
        FlangeThickness=0.015 * b.unit,
        FilletRadius=0.02 * b.unit,
    )
    hollow = b.model.create_entity(
        "IfcRectangleHollowProfileDef",
        ProfileType="AREA",
        Position=origin,
        XDim=0.3 * b.unit,
        YDim=0.2 * b.unit,
        WallThickness=0.01 * b.unit,
        InnerFilletRadius=0.01 * b.unit,
    )
    level = (0.0, -1.0, 0.0)  # the extrusion's z along the world's -y: lying level
    b.product("I-beam", [b.extrusion(i_section, 6.0)], at=(0, 0, 3.0), axis=level)
    b.product("I-beam turned", [b.extrusion(i_section, 5.0)], at=(10, 0, 3.0), turn_deg=35, axis=level)
    b.product("hollow beam", [b.extrusion(hollow, 4.0)], at=(20, 0, 3.0), axis=level)
    b.product("I-column", [b.extrusion(i_section, 3.0)], at=(30, 0, 0))
    products = list(b.products.values())
    read, left = outlines(BodyReader(1.0 / b.unit), products)
    assert [p.Name for p in left] == ["I-column"]
    assert_as_the_kernel_draws_them(b.model, read)
    beam = {p.Name: o for p, o, _, _ in read}["I-beam"]
    assert beam.symmetric_difference(shapely.box(-0.1, -6.0, 0.1, 0.0)).area < 1e-9
    (column,) = [fp for fp in compute_footprints(b.model, left)]
    assert shapely.from_wkt(column.wkt).area < 0.2 * 0.4  # the I, not its box


def test_a_body_the_reader_cannot_make_sense_of_goes_to_the_kernel_and_the_others_are_still_read():
    b = Bodies("IFC4", millimetres=False)
    faces = prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0, 1)
    broken = b.brep(faces)
    loop = broken.Outer.CfsFaces[0].Bounds[0].Bound
    loop.Polygon = [
        *loop.Polygon[:-1],
        b.model.create_entity("IfcCartesianPoint", Coordinates=(0.0, 1.0)),
    ]  # a 2D corner
    b.product("a corner in 2D", [broken])
    b.product("box", [b.brep(faces)], at=(5, 0, 0))
    read, left = outlines(BodyReader(1.0), list(b.products.values()))
    assert [p.Name for p, *_ in read] == ["box"] and [p.Name for p in left] == ["a corner in 2D"]
    footprints = {fp.global_id for fp in compute_footprints(b.model, list(b.products.values()))}
    assert b.products["box"].GlobalId in footprints


def test_a_mapped_item_whose_x_axis_points_back_is_mirrored_as_ifc_defines():
    """With no Axis2 the operator's y axis is (0, 1, 0) made square to the others: an Axis1 along
    -x (or anywhere with a negative x) mirrors the type's shape rather than turning it."""
    b = Bodies("IFC4", millimetres=False)
    l_profile = b.model.create_entity(
        "IfcArbitraryClosedProfileDef", ProfileType="AREA", OuterCurve=b.polyline(L_SHAPE)
    )
    for name, axis1 in (
        ("along -x", (-1.0, 0.0, 0.0)),
        ("turned back", (-0.6, 0.8, 0.0)),
        ("along +y", (0.0, 1.0, 0.0)),
    ):
        b.product(name, [b.mapped([b.extrusion(l_profile, 3.0)], axis1=axis1)], at=(10.0 * len(b.products), 0, 0))
    products = list(b.products.values())
    read, left = outlines(BodyReader(1.0), products)
    assert left == []
    assert_as_the_kernel_draws_them(b.model, read)
    along = {p.Name: o for p, o, _, _ in read}["along -x"]
    assert along.bounds == pytest.approx((-2.0, 0.0, 0.0, 1.5))  # mirrored over the y axis


def test_a_shell_whose_faces_turn_different_ways_goes_to_the_kernel():
    """Two faces wound the wrong way can cancel out in the plan areas; the box must still cover
    its whole square."""
    b = Bodies("IFC4", millimetres=False)
    triangles = [
        ([outer[0], outer[k], outer[k + 1]], [])
        for outer, _ in prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0.0, 1.0)
        for k in range(1, len(outer) - 1)
    ]
    triangles[1] = (triangles[1][0][::-1], [])  # half the top turned down
    triangles[3] = (triangles[3][0][::-1], [])  # and the half of the bottom under the other half
    b.product("soup", [_face_set(b, triangles, closed=None)])
    read, left = outlines(BodyReader(1.0), list(b.products.values()))
    assert read == [] and len(left) == 1
    (footprint,) = compute_footprints(b.model, left)
    assert shapely.from_wkt(footprint.wkt).area == pytest.approx(1.0)


def test_a_mapped_item_without_its_source_goes_to_the_kernel_without_failing_the_others():
    b = Bodies("IFC4", millimetres=False)
    orphan = b.mapped([b.extrusion(b.rectangle(1, 1), 1.0)])
    orphan.MappingSource.MappedRepresentation = None
    b.product("orphan", [orphan])
    b.product("box", [b.extrusion(b.rectangle(1, 1), 1.0)], at=(5, 0, 0))
    read, left = outlines(BodyReader(1.0), list(b.products.values()))
    assert [p.Name for p, *_ in read] == ["box"] and [p.Name for p in left] == ["orphan"]


def test_two_solids_of_one_shell_touching_along_an_edge_are_read():
    """Four faces meet at the edge the two blocks share (as on the AC20 stair's handrail): the
    shell is still closed and turns one way, so it is read."""
    b = Bodies("IFC4", millimetres=False)
    faces = prism([(0, 0), (1, 0), (1, 1), (0, 1)], 0, 1) + prism([(1, 1), (2, 1), (2, 2), (1, 2)], 0, 1)
    b.product("blocks", [b.brep(faces)])
    read, left = outlines(BodyReader(1.0), list(b.products.values()))
    assert left == []
    ((_, outline, _, _),) = read
    assert outline.symmetric_difference(shapely.box(0, 0, 1, 1).union(shapely.box(1, 1, 2, 2))).area < 1e-9
