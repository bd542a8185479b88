"""Plan footprints read straight from the model, without the geometry kernel. A body made of
extrusions of straight-edged profiles (most walls, slabs, columns, beams and spaces) has as its
plan outline what its profiles cover as they are swept, exactly, and its z range from their
depths; a faceted brep (windows, doors, furniture, steel from Tekla) or an IFC4 tessellated body
has the union of its upward faces, read in breps.py.

Only what is certain is read here: IfcExtrudedAreaSolid itself (not tapered or clipped), of a
rectangle, of polylines (with voids) or of composite curves of polylines, swept upright (its
profile, placed) or any other way (what the profile covers as it moves: a beam, a sloped slab);
and closed faceted breps and face sets; directly or through a mapped item. Anything else (an arc
in a profile, a boolean clipping, an open shell, a grid placement) goes to the mesh path in
footprints.py, as does a whole product when one of its items does. Coordinates are in metres,
like the geometry iterator's.
"""

import math

import numpy as np
import shapely
import shapely.affinity
from ifcopenshell.ifcopenshell_wrapper import get_info_cpp
from shapely.errors import GEOSException

from . import breps
from .breps import NotCertain
from .metadata import attribute_value

Affine = tuple[tuple[float, float, float, float], tuple[float, float, float, float], tuple[float, float, float, float]]
IDENTITY: Affine = ((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0))
VERTICAL = 1e-5  # metres: a sweep that moves less than this in plan over its depth is upright
NOT_READ = object()  # a cached outline that could not be read
MAX_SWEPT_EDGES = 2000  # a profile with more edges, swept aslant, goes to the kernel

# Attributes are read by position (a fifth of the cost of reading them by name); the positions are
# the same in IFC2X3, IFC4 and IFC4X3, which tests/bim/test_bodies.py checks against each schema.
OBJECT_PLACEMENT, REPRESENTATION = 5, 6  # IfcProduct
PLACEMENT_REL_TO, RELATIVE_PLACEMENT = 0, 1  # IfcLocalPlacement
LOCATION, AXIS, REF_DIRECTION = 0, 1, 2  # IfcAxis2Placement3D
REF_DIRECTION_2D = 1  # IfcAxis2Placement2D
REPRESENTATIONS = 2  # IfcProductDefinitionShape
REPRESENTATION_IDENTIFIER, ITEMS = 1, 3  # IfcShapeRepresentation
SWEPT_AREA, POSITION, EXTRUDED_DIRECTION, DEPTH = 0, 1, 2, 3  # IfcExtrudedAreaSolid
PROFILE_TYPE, PROFILE_POSITION, X_DIM, Y_DIM = 0, 2, 3, 4  # IfcRectangleProfileDef
OVERALL_WIDTH, OVERALL_DEPTH = 3, 4  # IfcIShapeProfileDef
OUTER_FILLET_RADIUS = 7  # IfcRectangleHollowProfileDef
OUTER_CURVE, INNER_CURVES = 2, 3  # IfcArbitraryClosedProfileDef, IfcArbitraryProfileDefWithVoids
POINTS, SEGMENTS = 0, 1  # IfcPolyline, IfcIndexedPolyCurve
COMPOSITE_SEGMENTS, SAME_SENSE, PARENT_CURVE = 0, 1, 2  # IfcCompositeCurve, IfcCompositeCurveSegment
MAPPING_SOURCE, MAPPING_TARGET = 0, 1  # IfcMappedItem
MAPPING_ORIGIN, MAPPED_REPRESENTATION = 0, 1  # IfcRepresentationMap
OPERATOR_AXIS1, OPERATOR_AXIS2, OPERATOR_ORIGIN, OPERATOR_SCALE, OPERATOR_AXIS3 = 0, 1, 2, 3, 4
POSITIONS = {
    "IfcProduct": {"ObjectPlacement": OBJECT_PLACEMENT, "Representation": REPRESENTATION},
    "IfcLocalPlacement": {"PlacementRelTo": PLACEMENT_REL_TO, "RelativePlacement": RELATIVE_PLACEMENT},
    "IfcAxis2Placement3D": {"Location": LOCATION, "Axis": AXIS, "RefDirection": REF_DIRECTION},
    "IfcAxis2Placement2D": {"Location": LOCATION, "RefDirection": REF_DIRECTION_2D},
    "IfcProductDefinitionShape": {"Representations": REPRESENTATIONS},
    "IfcShapeRepresentation": {"RepresentationIdentifier": REPRESENTATION_IDENTIFIER, "Items": ITEMS},
    "IfcExtrudedAreaSolid": {
        "SweptArea": SWEPT_AREA,
        "Position": POSITION,
        "ExtrudedDirection": EXTRUDED_DIRECTION,
        "Depth": DEPTH,
    },
    "IfcRectangleProfileDef": {"ProfileType": PROFILE_TYPE, "Position": PROFILE_POSITION, "XDim": X_DIM, "YDim": Y_DIM},
    "IfcIShapeProfileDef": {"Position": PROFILE_POSITION, "OverallWidth": OVERALL_WIDTH, "OverallDepth": OVERALL_DEPTH},
    "IfcRectangleHollowProfileDef": {"XDim": X_DIM, "YDim": Y_DIM, "OuterFilletRadius": OUTER_FILLET_RADIUS},
    "IfcArbitraryClosedProfileDef": {"ProfileType": PROFILE_TYPE, "OuterCurve": OUTER_CURVE},
    "IfcArbitraryProfileDefWithVoids": {"OuterCurve": OUTER_CURVE, "InnerCurves": INNER_CURVES},
    "IfcPolyline": {"Points": POINTS},
    "IfcIndexedPolyCurve": {"Points": POINTS, "Segments": SEGMENTS},
    "IfcCompositeCurve": {"Segments": COMPOSITE_SEGMENTS},
    "IfcCompositeCurveSegment": {"SameSense": SAME_SENSE, "ParentCurve": PARENT_CURVE},
    "IfcCartesianPoint": {"Coordinates": 0},
    "IfcCartesianPointList2D": {"CoordList": 0},
    "IfcDirection": {"DirectionRatios": 0},
    "IfcMappedItem": {"MappingSource": MAPPING_SOURCE, "MappingTarget": MAPPING_TARGET},
    "IfcRepresentationMap": {"MappingOrigin": MAPPING_ORIGIN, "MappedRepresentation": MAPPED_REPRESENTATION},
    "IfcCartesianTransformationOperator3D": {
        "Axis1": OPERATOR_AXIS1,
        "Axis2": OPERATOR_AXIS2,
        "LocalOrigin": OPERATOR_ORIGIN,
        "Scale": OPERATOR_SCALE,
        "Axis3": OPERATOR_AXIS3,
    },
}


def _compose(a: Affine, b: Affine) -> Affine:
    """a @ b for affine 3x4 matrices."""
    (b0, b1, b2, b3), (c0, c1, c2, c3), (d0, d1, d2, d3) = b
    return tuple(
        (x * b0 + y * c0 + z * d0, x * b1 + y * c1 + z * d1, x * b2 + y * c2 + z * d2, x * b3 + y * c3 + z * d3 + t)
        for x, y, z, t in a
    )


def _unit(v) -> tuple[float, float, float]:
    x, y, z = (tuple(v) + (0.0, 0.0, 0.0))[:3]
    n = math.sqrt(x * x + y * y + z * z)
    if n < 1e-12:
        raise NotCertain
    return x / n, y / n, z / n


def _frame(origin, z_axis, x_ref) -> Affine:
    """The placement of an origin with axes z and x (x made square to z), as IFC defines it."""
    zx, zy, zz = _unit(z_axis)
    rx, ry, rz = _unit(x_ref)
    d = rx * zx + ry * zy + rz * zz
    xx, xy, xz = _unit((rx - d * zx, ry - d * zy, rz - d * zz))
    yx, yy, yz = zy * xz - zz * xy, zz * xx - zx * xz, zx * xy - zy * xx
    ox, oy, oz = (tuple(origin) + (0.0, 0.0, 0.0))[:3]
    return ((xx, yx, zx, ox), (xy, yy, zy, oy), (xz, yz, zz, oz))


class BodyReader:
    """Reads footprints of one model; caches placements, which many products share, and the
    outlines of breps, which the instances of a type share."""

    def __init__(self, unit_scale: float):
        self.scale = unit_scale
        self._placements: dict[int, Affine] = {}
        self._outlines: dict = {}  # brep or mapped representation -> its outline in its own coordinates

    def _point(self, point) -> tuple:
        return tuple(c * self.scale for c in point.get_argument(0))

    def axis2placement(self, placement) -> Affine:
        if placement is None:
            return IDENTITY
        kind = placement.is_a()
        if kind == "IfcAxis2Placement3D":
            return _frame(
                self._point(placement.get_argument(LOCATION)),
                _ratios(placement.get_argument(AXIS), (0.0, 0.0, 1.0)),
                _ratios(placement.get_argument(REF_DIRECTION), (1.0, 0.0, 0.0)),
            )
        if kind == "IfcAxis2Placement2D":
            return _frame(
                self._point(placement.get_argument(LOCATION)),
                (0.0, 0.0, 1.0),
                _ratios(placement.get_argument(REF_DIRECTION_2D), (1.0, 0.0)),
            )
        raise NotCertain  # a linear placement (IFC4X3)

    def object_placement(self, placement) -> Affine:
        if placement is None:
            return IDENTITY
        key = placement.id()
        cached = self._placements.get(key)
        if cached is None:
            if placement.is_a() != "IfcLocalPlacement":
                raise NotCertain  # a grid or linear placement
            relative = self.axis2placement(placement.get_argument(RELATIVE_PLACEMENT))
            parent = placement.get_argument(PLACEMENT_REL_TO)
            cached = _compose(self.object_placement(parent), relative) if parent is not None else relative
            self._placements[key] = cached
        return cached

    def _mapping(self, item) -> Affine:
        """A mapped item's transform: its target operator after its source's origin."""
        target = item.get_argument(MAPPING_TARGET)
        if target.is_a() != "IfcCartesianTransformationOperator3D":  # 2D or non-uniform: mesh
            raise NotCertain
        scale = target.get_argument(OPERATOR_SCALE)
        scale = 1.0 if scale is None else scale
        frame = _frame(
            self._point(target.get_argument(OPERATOR_ORIGIN)),
            _ratios(target.get_argument(OPERATOR_AXIS3), (0.0, 0.0, 1.0)),
            _ratios(target.get_argument(OPERATOR_AXIS1), (1.0, 0.0, 0.0)),
        )
        # IFC's y axis (IfcSecondProjAxis) is Axis2, or else (0, 1, 0), made square to x and z:
        # where it points against z by x the operator mirrors (an Axis1 along -x does, unless
        # Axis2 says otherwise)
        ax, ay, az = _unit(_ratios(target.get_argument(OPERATOR_AXIS2), (0.0, 1.0, 0.0)))
        if frame[0][1] * ax + frame[1][1] * ay + frame[2][1] * az < 0:
            frame = tuple((r[0], -r[1], r[2], r[3]) for r in frame)
        frame = tuple((r[0] * scale, r[1] * scale, r[2] * scale, r[3]) for r in frame)
        return _compose(frame, self.axis2placement(item.get_argument(MAPPING_SOURCE).get_argument(MAPPING_ORIGIN)))

    def _points(self, curve, nested: bool = False) -> list[tuple[float, float]]:
        kind = curve.is_a()
        points = curve.get_argument(POINTS)
        if kind == "IfcPolyline":
            scale = self.scale
            return [(c[0] * scale, c[1] * scale) for c in (p.get_argument(0) for p in points)]
        if (
            kind == "IfcIndexedPolyCurve"
            and not curve.get_argument(SEGMENTS)
            and points.is_a("IfcCartesianPointList2D")
        ):
            return [(x * self.scale, y * self.scale) for x, y in points.get_argument(0)]
        if kind == "IfcCompositeCurve" and not nested:  # of polylines (Revit's profiles): joined end to end
            joined: list[tuple[float, float]] = []
            for segment in curve.get_argument(COMPOSITE_SEGMENTS):
                part = self._points(segment.get_argument(PARENT_CURVE), nested=True)
                if not segment.get_argument(SAME_SENSE):
                    part.reverse()
                joined += part[1:] if joined and part and joined[-1] == part[0] else part
            return joined
        raise NotCertain  # arcs and trimmed curves: tessellated by the kernel

    def _curve(self, curve) -> list[tuple[float, float]]:
        """A closed curve's corners, the closing one not repeated."""
        points = self._points(curve)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            raise NotCertain
        return points

    def _rectangle(self, profile, x_dim: float, y_dim: float) -> list[tuple[float, float]]:
        """The corners of a profile's x_dim by y_dim rectangle about its position."""
        x, y = x_dim * self.scale / 2, y_dim * self.scale / 2
        if x <= 0 or y <= 0:
            raise NotCertain
        (a, b, _, tx), (c, d, _, ty), _ = self.axis2placement(profile.get_argument(PROFILE_POSITION))
        return [(a * px + b * py + tx, c * px + d * py + ty) for px, py in ((-x, -y), (x, -y), (x, y), (-x, y))]

    def profile(self, profile, edge_on: bool = False) -> tuple[list, list[list]]:
        """A profile's outer ring and holes, in its own plane (its position applied). `edge_on`:
        only its extent matters (it is seen edge-on from above), so an I-section or a hollow
        rectangle may be given as the rectangle around it: their outer corners are sharp, whatever
        their fillets inside."""
        if profile.get_argument(PROFILE_TYPE) != "AREA":
            raise NotCertain
        kind = profile.is_a()
        if kind == "IfcRectangleProfileDef":
            return self._rectangle(profile, profile.get_argument(X_DIM), profile.get_argument(Y_DIM)), []
        if kind == "IfcArbitraryClosedProfileDef":
            return self._curve(profile.get_argument(OUTER_CURVE)), []
        if kind == "IfcArbitraryProfileDefWithVoids":
            holes = [self._curve(c) for c in profile.get_argument(INNER_CURVES)]
            return self._curve(profile.get_argument(OUTER_CURVE)), holes
        if edge_on and kind == "IfcIShapeProfileDef" and not attribute_value(profile, "FlangeEdgeRadius"):
            return self._rectangle(
                profile, profile.get_argument(OVERALL_WIDTH), profile.get_argument(OVERALL_DEPTH)
            ), []
        if edge_on and kind == "IfcRectangleHollowProfileDef" and not profile.get_argument(OUTER_FILLET_RADIUS):
            return self._rectangle(profile, profile.get_argument(X_DIM), profile.get_argument(Y_DIM)), []
        raise NotCertain  # circles, I-sections seen from above, derived profiles: the kernel's

    def solid(self, solid, placed: Affine) -> tuple:
        """One extrusion's plan and z range: its profile's rings (outer, holes) when swept
        upright, else the outline the profile covers as it is swept (a beam, a sloped slab)."""
        if solid.is_a() != "IfcExtrudedAreaSolid":  # not its tapered subtype either
            raise NotCertain
        matrix = _compose(placed, self.axis2placement(solid.get_argument(POSITION)))
        dx, dy, dz = _unit(solid.get_argument(EXTRUDED_DIRECTION).get_argument(0))
        depth = solid.get_argument(DEPTH) * self.scale
        sx, sy, sz = (depth * (matrix[r][0] * dx + matrix[r][1] * dy + matrix[r][2] * dz) for r in range(3))
        (a, b, _, tx), (c, d, _, ty), (e, f, _, tz) = matrix
        upright = abs(a * d - b * c) < 1e-9  # the profile seen edge-on from above: a line in plan
        swept = math.hypot(sx, sy) > VERTICAL
        outer, holes = self.profile(solid.get_argument(SWEPT_AREA), edge_on=upright and swept)
        heights = [e * x + f * y + tz for x, y in outer]
        z_min, z_max = min(heights) + min(0.0, sz), max(heights) + max(0.0, sz)
        outer = [(a * x + b * y + tx, c * x + d * y + ty) for x, y in outer]
        holes = [[(a * x + b * y + tx, c * x + d * y + ty) for x, y in ring] for ring in holes]
        if not swept:
            if upright:
                raise NotCertain  # a wall of no thickness seen from above: the kernel's edge-on case
            return (outer, holes), z_min, z_max
        return _swept(outer, holes, (sx, sy), upright), z_min, z_max

    def _local(self, key, make) -> tuple[shapely.Geometry, float, float]:
        """An outline in its own coordinates, made once: the instances of a type share it, and
        share its being unreadable too."""
        found = self._outlines.get(key)
        if found is None:
            try:
                found = make()
            except UNREADABLE:
                found = NOT_READ
            self._outlines[key] = found
        if found is NOT_READ:
            raise NotCertain
        return found

    def brep(self, brep, placed: Affine) -> tuple[shapely.Geometry, float, float]:
        """A faceted brep's or tessellated body's plan outline and z range; outlined once in its
        own coordinates when the placement keeps plan and height apart, then moved."""
        loops = BREPS[brep.is_a()]

        def outline(affine=None):
            return breps.outline(loops(get_info_cpp(brep, True, False)), self.scale, affine)

        if not keeps_plan_apart(placed):  # tilted: outlined as placed
            return outline(placed)
        return _moved(self._local(brep.id(), outline), placed)

    def _union(self, items) -> tuple[shapely.Geometry, float, float]:
        """The outline of several items in their own coordinates."""
        pieces = list(self._items(items, IDENTITY, nested=True))
        shapes = _shapes([p for p, _, _ in pieces])
        if not _good(shapes).all():
            raise NotCertain
        shape = shapely.union_all(shapes, grid_size=breps.GRID)
        return shape, min(p[1] for p in pieces), max(p[2] for p in pieces)

    def _items(self, items, placed: Affine, nested: bool = False):
        for item in items:
            kind = item.is_a()
            if kind == "IfcMappedItem" and not nested:
                source = item.get_argument(MAPPING_SOURCE).get_argument(MAPPED_REPRESENTATION)
                mapped, mapping = source.get_argument(ITEMS), _compose(placed, self._mapping(item))
                if len(mapped) > 1 and keeps_plan_apart(mapping):  # a type of many parts: unioned once
                    yield _moved(self._local(("map", source.id()), lambda m=mapped: self._union(m)), mapping)
                else:
                    yield from self._items(mapped, mapping, True)
            elif kind in BREPS:
                yield self.brep(item, placed)
            else:
                yield self.solid(item, placed)

    def pieces(self, product) -> tuple[list, float, float] | None:
        """The product's plan pieces, (outer, holes) rings per extrusion and an outline per brep,
        and its z range; None when its body is not only such items."""
        try:
            shape = product.get_argument(REPRESENTATION)
            if shape is None:
                return None
            representations = shape.get_argument(REPRESENTATIONS)
            bodies = [r for r in representations if r.get_argument(REPRESENTATION_IDENTIFIER) == "Body"]
            if len(bodies) != 1:
                return None
            items = bodies[0].get_argument(ITEMS)
            if not all(_readable(item) for item in items):  # a clipping, a sweep along a curve: the kernel's
                return None
            placed = self.object_placement(product.get_argument(OBJECT_PLACEMENT))
            pieces = list(self._items(items, placed))
        except UNREADABLE:
            return None
        if not pieces:
            return None
        return [p[0] for p in pieces], min(p[1] for p in pieces), max(p[2] for p in pieces)


UNREADABLE = (  # what reading a body this module does not expect can raise: the kernel's then
    NotCertain,
    AttributeError,  # an attribute left unset
    TypeError,
    ValueError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    RuntimeError,  # ifcopenshell's, on an entity it cannot read
    GEOSException,  # geometry GEOS cannot take
)
BREPS = {  # bodies given as faces, and how to read them
    "IfcFacetedBrep": breps.brep_loops,
    "IfcFacetedBrepWithVoids": breps.brep_loops,  # the voids are inside: not seen from above
    "IfcTriangulatedFaceSet": breps.faceset_loops,
    "IfcPolygonalFaceSet": breps.faceset_loops,
}
READABLE = ("IfcExtrudedAreaSolid", *BREPS)


def _readable(item) -> bool:
    """The item is an extrusion or a faceted brep, or a mapped item of those only."""
    kind = item.is_a()
    if kind == "IfcMappedItem":
        source = item.get_argument(MAPPING_SOURCE).get_argument(MAPPED_REPRESENTATION)
        return all(i.is_a() in READABLE for i in source.get_argument(ITEMS))
    return kind in READABLE


def _swept(outer: list, holes: list[list], sweep: tuple[float, float], upright: bool) -> shapely.Geometry:
    """What a profile (placed in plan) covers as it moves by `sweep` in plan: the profile, where
    it ends, and what each of its edges sweeps over; for a profile seen edge-on (a line in plan,
    as a beam's is) the parallelogram of that line and the sweep."""
    sx, sy = sweep
    if upright:
        hull = shapely.convex_hull(shapely.MultiPoint(outer + [(x + sx, y + sy) for x, y in outer]))
        if hull.geom_type != "Polygon" or hull.area <= 0:
            raise NotCertain  # swept along its own line
        return hull
    if len(outer) + sum(len(ring) for ring in holes) > MAX_SWEPT_EDGES:
        raise NotCertain  # a union of that many pieces: the kernel's path, with its time limit
    pieces = [shapely.Polygon(outer, holes or None)]
    pieces.append(shapely.affinity.translate(pieces[0], sx, sy))
    for ring in (outer, *holes):
        for (xa, ya), (xb, yb) in zip(ring, ring[1:] + ring[:1], strict=True):
            pieces.append(shapely.Polygon([(xa, ya), (xb, yb), (xb + sx, yb + sy), (xa + sx, ya + sy)]))
    pieces = np.array(pieces, dtype=object)
    pieces = pieces[shapely.area(pieces) > 0]  # an edge along the sweep covers nothing more
    if not shapely.is_valid(pieces).all():
        raise NotCertain  # a profile crossing itself
    return shapely.union_all(pieces, grid_size=breps.GRID)


def keeps_plan_apart(placed) -> bool:
    """The placement maps plan to plan and height to height (any turn, mirror or scale about the
    vertical), so an outline can be moved by it. `placed`: an Affine, or any matrix whose first
    three rows are read so (the kernel's 4x4 placements too)."""
    x, y, z = placed[0], placed[1], placed[2]
    c, f, g, h, k = x[2], y[2], z[0], z[1], z[2]
    return bool(abs(c) < 1e-9 and abs(f) < 1e-9 and abs(g) < 1e-9 and abs(h) < 1e-9 and k > 0)


def _moved(local: tuple[shapely.Geometry, float, float], placed: Affine) -> tuple[shapely.Geometry, float, float]:
    shape, z_min, z_max = local
    (a, b, _, tx), (d, e, _, ty), (_, _, k, tz) = placed
    return shapely.affinity.affine_transform(shape, (a, b, d, e, tx, ty)), z_min * k + tz, z_max * k + tz


def _ratios(direction, default: tuple) -> tuple:
    return default if direction is None else direction.get_argument(0)


def _shapes(pieces: list) -> np.ndarray:
    """Pieces as shapes: an extrusion's (outer, holes) rings made a polygon, outlines as they are."""
    return np.array([shapely.Polygon(p[0], p[1] or None) if isinstance(p, tuple) else p for p in pieces], dtype=object)


def _good(shapes: np.ndarray) -> np.ndarray:
    """Which shapes are valid and cover something (not a profile crossing itself)."""
    return shapely.is_valid(shapes) & (shapely.area(shapes) > 0)


def outlines(reader: BodyReader, products: list, failed=None) -> tuple[list[tuple], list]:
    """(product, outline, z min, z max) for each product read directly, and the products left
    for the mesh path. The extrusions' polygons are made and checked in bulk: an outline that is
    not valid (a profile crossing itself) sends its product to the mesh path too, as does any
    error reading one product, which `failed(product, exception)` hears of."""
    found, rest = [], []
    for product in products:
        try:
            read = reader.pieces(product)
        except Exception as exc:  # a fault of this reader: the product goes to the kernel, the rest go on
            if failed is not None:
                failed(product, exc)
            read = None
        if read is None:
            rest.append(product)
        else:
            found.append((product, *read))
    if not found:
        return [], rest
    shapes = _shapes([p for _, pieces, _, _ in found for p in pieces])
    good = _good(shapes)
    result, at = [], 0
    for product, pieces, z_min, z_max in found:
        mine, at = slice(at, at + len(pieces)), at + len(pieces)
        if not good[mine].all():
            rest.append(product)
        elif len(pieces) == 1:
            result.append((product, shapes[mine.start], z_min, z_max))
        else:
            try:
                result.append((product, shapely.union_all(shapes[mine], grid_size=breps.GRID), z_min, z_max))
            except GEOSException:
                rest.append(product)
            except Exception as exc:
                if failed is not None:
                    failed(product, exc)
                rest.append(product)
    return result, rest
