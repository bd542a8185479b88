"""Footprints of extruded bodies read straight from the model: the same outline and heights as the
kernel's tessellation gives, in metres whatever the file's unit, and whatever cannot be read with
certainty (an arc, a clipping, a sloped sweep, a profile crossing itself) is tessellated instead."""

import ifcopenshell.ifcopenshell_wrapper as wrapper
import numpy as np
import pytest
import shapely

from bim.ifc.build import ModelBuilder, api
from bim.ifc.extrusions import POSITIONS, ExtrusionReader, outlines
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

    def product(self, name, items, *, at=(0.0, 0.0, 0.0), turn_deg=0.0, ifc_class="IfcBuildingElementProxy"):
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
            Axis=self.direction(0.0, 0.0, 1.0),
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


L_SHAPE = [(0.0, 0.0), (2.0, 0.0), (2.0, 0.5), (0.5, 0.5), (0.5, 1.5), (0.0, 1.5)]


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
    read, left = outlines(ExtrusionReader(1.0 / b.unit), products)
    assert [p.Name for p in left] == []
    assert len(read) == len(products)
    reference = tessellated_outlines(b.model, products)
    for product, outline, z_min, z_max in read:
        expected, low, high = reference[product.GlobalId]
        assert shapely.symmetric_difference(outline, expected).area <= 1e-4 * expected.length, (
            product.Name
        )  # 0.1 mm grid
        assert (z_min, z_max) == pytest.approx((low, high), abs=1e-6), product.Name
    # and the footprints the ingest writes are those outlines
    footprints = {fp.global_id: fp for fp in compute_footprints(b.model, products)}
    for product, outline, z_min, z_max in read:
        written = shapely.from_wkt(footprints[product.GlobalId].wkt)
        assert shapely.hausdorff_distance(written, outline) < 1e-4, product.Name  # WKT keeps 0.1 mm
        assert (footprints[product.GlobalId].z_min, footprints[product.GlobalId].z_max) == (z_min, z_max)
    assert shapely.from_wkt(footprints[b.products["slab with a shaft"].GlobalId].wkt).interiors
    mirrored = shapely.from_wkt(footprints[b.products["mapped and mirrored"].GlobalId].wkt)
    assert mirrored.bounds == pytest.approx((56.0, -1.5, 58.0, 0.0))  # the L turned over its x axis


def test_bodies_that_cannot_be_read_with_certainty_are_tessellated_and_still_right():
    b = Bodies("IFC4", millimetres=False)
    b.product("sloped sweep", [b.extrusion(b.rectangle(1, 1), 2.0, direction=(0.0, 0.6, 0.8))])
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
    read, left = outlines(ExtrusionReader(1.0), products)
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
    sloped = shapely.from_wkt(footprints[b.products["sloped sweep"].GlobalId].wkt)
    assert sloped.area == pytest.approx(1.0 * (1.0 + 2.0 * 0.6), rel=1e-3)  # the profile and where it sweeps to
    clipped_wall = shapely.from_wkt(footprints[b.products["clipped wall"].GlobalId].wkt)
    assert clipped_wall.area < 4 * 0.2 * 0.9  # the part cut away is not in the plan
