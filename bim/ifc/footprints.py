"""Plan footprints: each body tessellated (openings not subtracted, Body context) and its
upward-facing triangles projected to the plan and unioned, which gives the true outline (an
L-shaped slab stays L-shaped) in metres, in the model's project coordinates, with its z range.

The union is rarely computed triangle by triangle: where the upward triangles tile the outline
(the top of an extrusion, a flight of steps) it is traced from the edges only one triangle has,
and checked by its exact area; where they overlap (a table top over its legs) each patch of
triangles sharing edges in space is traced so, tiny patches are taken as their triangles, and the
pieces the largest covers are left out of the union. A patch that does not tile (a surface over
itself, a chair's shell) is halved until its parts do, down to small parts unioned triangle by
triangle. Every coordinate is snapped to the 0.1 mm grid first, so all of this is exact on it.

Shapes come in local coordinates (the iterator's default), so the many instances of one type (the
same chair, window or column a hundred times) share one mesh: its outline is computed once and
moved by each instance's placement, which is exact when the placement keeps plan and height apart
(any turn, mirror or scale about the vertical axis). A tilted placement gets its own outline.

Extrusions of straight-edged profiles (most walls, slabs, columns, beams, spaces) and closed
faceted breps (most windows, doors and furniture) are not tessellated at all: their outline is read
from the model by bodies.py.

A body whose union takes longer than `seconds_per_element` gets its convex hull instead, marked
as approximate, so one pathological shape cannot stall a model. Nor can one shape fail it: an
error outlining a product sends it on to the next way (read from the model, then the kernel's
mesh, then its convex hull, then no footprint), and is reported as a warning naming it.
"""

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.unit
import numpy as np
import shapely

from .bodies import BodyReader, keeps_plan_apart, outlines
from .tracing import GRID, connected, rings_of, snap, snap_few, union_on_grid

KERNEL = "hybrid-cgal-simple-opencascade"
SMALL_MESH = 200  # triangles: fewer are outlined in plain Python rather than numpy
SMALL_PATCH = 4  # triangles: a patch this small is unioned as its triangles, not traced
SPLIT_FROM = 64  # triangles: a patch that does not tile is halved from this size, else unioned


@dataclass(frozen=True)
class Footprint:
    global_id: str
    wkt: str
    z_min: float
    z_max: float
    bounds: tuple[float, float, float, float]  # min x, min y, max x, max y
    is_approximate: bool = False


def _settings():
    settings = ifcopenshell.geom.settings()
    settings.set("disable-opening-subtractions", True)
    settings.set("context-identifiers", ["Body"])
    return settings


class _Plan:
    """The upward triangles (n, 3, 3) of one mesh, snapped to GRID once (half up, as GEOS does):
    distinct plan points in integer grid units, each triangle's three point ids and twice its
    area in grid units, from which the whole mesh and each of its patches are outlined.

    A triangle the snapping flattens (a near-vertical sliver) has no area at this precision and
    is left out; one it turns over (a sliver narrower than the grid) is unioned on its own."""

    def __init__(self, upward: np.ndarray):
        self.upward = upward
        if len(upward) <= SMALL_MESH:  # plain Python: numpy's cost per call is most of the work here
            points, corners = snap_few(upward[:, :, :2].reshape(-1, 2).tolist())
            self.point_list = points
            self.triangle_list = list(zip(corners[0::3], corners[1::3], corners[2::3], strict=True))
            self.points = np.array(points, dtype=np.int64)
            self.triangles = None
            self.twice = [
                (points[b][0] - points[a][0]) * (points[c][1] - points[a][1])
                - (points[c][0] - points[a][0]) * (points[b][1] - points[a][1])
                for a, b, c in self.triangle_list
            ]
        else:
            self.points, index = snap(upward[:, :, :2].reshape(-1, 2))
            self.triangles = index.reshape(-1, 3)
            self.point_list = self.triangle_list = None
            p = self.points[self.triangles].astype("d")  # exact below 2**53 grid units
            self.twice = (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1]) - (p[:, 2, 0] - p[:, 0, 0]) * (
                p[:, 1, 1] - p[:, 0, 1]
            )

    def patches(self) -> list:
        """The triangles with an area grouped into patches (index lists or arrays) that share
        edges in space: see _patches. A turned-over triangle is a patch of its own."""
        if self.triangles is None:
            kept = [i for i, twice in enumerate(self.twice) if twice > 0]
            turned = [[i] for i, twice in enumerate(self.twice) if twice < 0]
        else:
            kept = np.flatnonzero(self.twice > 0)
            turned = [[i] for i in np.flatnonzero(self.twice < 0).tolist()]
        if not len(kept):
            return turned
        return [
            kept[p] if isinstance(kept, np.ndarray) else [kept[i] for i in p] for p in _patches(self.upward[kept])
        ] + turned

    def outline(self, rows=None) -> shapely.Geometry | None:
        """The outline of the triangles `rows` (all when None) if they tile it, from the edges that
        only one triangle has, chained into rings (counter-clockwise shells, clockwise holes); or
        None when they do not (overlap, rings touching at a vertex, an area that does not add up),
        and the caller unions them instead. Areas are counted exactly, in grid units."""
        count = len(self.upward) if rows is None else len(rows)
        if count <= SMALL_MESH:
            if self.triangle_list is None:
                self.point_list = [tuple(p) for p in self.points.tolist()]
                self.triangle_list = [tuple(t) for t in self.triangles.tolist()]
            if rows is None:
                found = _boundary_small(self.triangle_list, self.twice)
            else:
                found = _boundary_small([self.triangle_list[i] for i in rows], [self.twice[i] for i in rows])
        else:
            if self.triangles is None:
                self.triangles = np.array(self.triangle_list, dtype=np.int64)
                self.twice = np.array(self.twice, dtype="d")
            if rows is None:
                found = _boundary(len(self.points), self.triangles, self.twice)
            else:
                found = _boundary(len(self.points), self.triangles[rows], self.twice[rows])
        return None if found is None else rings_of(self.points, *found)

    def triangles_of(self, rows) -> np.ndarray:
        """The triangles `rows` as polygons, on the grid."""
        if self.triangles is None:
            self.triangles = np.array(self.triangle_list, dtype=np.int64)
            self.twice = np.array(self.twice, dtype="d")
        corners = self.points[self.triangles[rows]] * GRID
        return shapely.polygons(np.concatenate([corners, corners[:, :1]], axis=1))


def _boundary(n: int, tri: np.ndarray, twice: np.ndarray) -> tuple[list, float] | None:
    """Boundary edges and twice the area (grid units) of triangles given by point ids (of `n`
    points) and their twice-areas, with numpy."""
    if (twice < 0).any():  # turned over by the snapping
        return None
    tri, twice = tri[twice > 0], twice[twice > 0]  # flattened by the snapping: no area, no edge
    if not len(tri):
        return None
    first = np.argmin(tri, axis=1)  # the same triangle twice (a face drawn twice, panes stacked): once
    turned = tri[np.arange(len(tri))[:, None], (first[:, None] + np.arange(3)) % 3]
    _, keep = np.unique(turned, axis=0, return_index=True)
    if len(keep) < len(tri):
        keep.sort()
        tri, twice = tri[keep], twice[keep]
    edges = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    keys = edges[:, 0] * n + edges[:, 1]
    unique_keys, counts = np.unique(keys, return_counts=True)
    if (counts > 1).any():  # two triangles on the same side of an edge: they overlap
        return None
    boundary = edges[~np.isin(edges[:, 1] * n + edges[:, 0], unique_keys)]
    return [tuple(e) for e in boundary.tolist()], float(twice.sum())


def _boundary_small(triangles: list[tuple[int, int, int]], twices: list[int]) -> tuple[list, int] | None:
    """The same as _boundary, in plain Python: quicker for the few triangles of a beam or a
    door, where numpy's cost per call is most of the work."""
    edges: set[tuple[int, int]] = set()
    seen: set[tuple[int, int, int]] = set()
    twice_total = 0
    for (a, b, c), twice in zip(triangles, twices, strict=True):
        if twice < 0:  # turned over by the snapping
            return None
        if twice == 0:  # flattened by the snapping: no area, no edge
            continue
        same = (a, b, c) if a < b and a < c else (b, c, a) if b < c else (c, a, b)
        if same in seen:  # the same triangle twice (a face drawn twice, panes stacked): once is enough
            continue
        seen.add(same)
        twice_total += twice
        for edge in ((a, b), (b, c), (c, a)):
            if edge in edges:  # two triangles on the same side of an edge: they overlap
                return None
            edges.add(edge)
    if not edges:
        return None
    return [e for e in edges if (e[1], e[0]) not in edges], twice_total


def _patches(upward: np.ndarray) -> list:
    """Triangles (n, 3, 3) grouped into patches that share edges in space (between snapped
    vertices, one triangle on either side, as in a surface): the top of each solid of a body, or of each step of a stair, which usually lie in
    one layer and tile their outline even when the patches of a body overlap in plan (a chair's
    seat over its legs, a window's sill under its frame). Each patch is the indices of its
    triangles in their order; patches come in the order of their first triangle."""
    if len(upward) <= SMALL_MESH:
        return _patches_small(upward)
    _, index = snap(upward.reshape(-1, 3))
    tri = index.reshape(-1, 3)
    count = len(tri)
    edges = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    n = int(index.max()) + 1
    keys, reverse = edges[:, 0] * n + edges[:, 1], edges[:, 1] * n + edges[:, 0]
    owner = np.tile(np.arange(count), 3)
    order = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys[order], reverse), len(keys) - 1)
    meets = keys[order][at] == reverse
    a, b = owner[meets], owner[order][at][meets]  # triangles on either side of an edge
    labels = np.arange(count)
    while True:  # spread the lowest label across shared edges, then jump pointers
        before = labels.copy()
        lowest = np.minimum(labels[a], labels[b])
        np.minimum.at(labels, a, lowest)
        np.minimum.at(labels, b, lowest)
        labels = labels[labels]
        if np.array_equal(labels, before):
            break
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, cuts)


def _patches_small(upward: np.ndarray) -> list[list[int]]:
    """The same as _patches, in plain Python: each triangle joined to the first one before it
    that has one of its edges the other way round."""
    _, corners = snap_few(upward.reshape(-1, 3).tolist())
    owners: dict[tuple[int, int], int] = {}
    joined = []
    for t in range(len(upward)):
        a, b, c = corners[3 * t : 3 * t + 3]
        for u, v in ((a, b), (b, c), (c, a)):
            owner = owners.get((v, u))
            if owner is not None:
                joined.append((owner, t))
            owners.setdefault((u, v), t)
    return connected(range(len(upward)), joined)


def outline(vertices: np.ndarray, faces: np.ndarray, seconds: float) -> tuple[shapely.Geometry | None, bool]:
    """The plan outline of a mesh, or its convex hull (approximate=True) if the union is too slow.

    When the upward triangles tile the outline (the usual case: the top of an extrusion, a flight
    of steps) it comes from their boundary edges. Otherwise each patch of triangles sharing edges
    in space is outlined so, or unioned triangle by triangle if it does not tile either, and the
    patches are unioned."""
    if not len(faces):
        return None, False
    triangles = vertices[faces]
    xy = triangles[:, :, :2]
    twice_area = (xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1]) - (xy[:, 2, 0] - xy[:, 0, 0]) * (
        xy[:, 1, 1] - xy[:, 0, 1]
    )
    upward = triangles[twice_area > 1e-10]
    if not len(upward):  # a mesh with only vertical faces, or inward normals: use both sides
        sideways = np.abs(twice_area) > 1e-10
        if not sideways.any():
            return None, False
        upward = np.where((twice_area[sideways] < 0)[:, None, None], triangles[sideways][:, ::-1], triangles[sideways])
    started = time.perf_counter()
    if len(upward) > 20000 and seconds < 5:
        return shapely.convex_hull(shapely.multipoints(upward[:, :, :2].reshape(-1, 2))), True
    plan = _Plan(upward)
    shape = plan.outline()  # the whole body in one layer: walls, slabs, steps
    if shape is not None:
        return shape, False
    pieces, loose = [], []  # outlines of patches; triangles of patches that do not tile
    patches = plan.patches()
    if len(patches) == 1:  # tried as a whole already
        rows = patches[0]
        patches = [rows[: len(rows) // 2], rows[len(rows) // 2 :]] if len(rows) >= SPLIT_FROM else []
        loose += [] if patches else [rows]
    elif len(patches) > 1:  # the largest is traced; small ones go as triangles, mostly under it
        twice = np.asarray(plan.twice)
        largest = max(range(len(patches)), key=lambda i: twice[patches[i]].sum())
        loose += [rows for i, rows in enumerate(patches) if i != largest and len(rows) <= SMALL_PATCH]
        patches = [rows for i, rows in enumerate(patches) if i == largest or len(rows) > SMALL_PATCH]
    while patches:
        rows = patches.pop()
        shape = plan.outline(rows)
        if shape is not None:
            pieces.append(shape)
        elif len(rows) >= SPLIT_FROM:  # a surface over itself (a chair's shell) tiles by parts
            patches += [rows[: len(rows) // 2], rows[len(rows) // 2 :]]
        else:
            loose.append(rows)
        if time.perf_counter() - started > seconds:
            return shapely.convex_hull(shapely.multipoints(upward[:, :, :2].reshape(-1, 2))), True
    if loose:
        pieces.extend(plan.triangles_of(np.concatenate(loose)))
    if not pieces:  # every triangle flattened by the snapping: nothing to see from above
        return None, False
    shape, unioned = union_on_grid(pieces)
    if unioned and time.perf_counter() - started > seconds:
        return shapely.convex_hull(shape), True
    return shape, False


def _mesh(verts: bytes, faces: bytes) -> tuple[np.ndarray, np.ndarray]:
    return np.frombuffer(verts, dtype="d").reshape(-1, 3), np.frombuffer(faces, dtype=np.int32).reshape(-1, 3)


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
BATCH = 1000
GATHER = 256  # shapes tessellated before they are outlined


PRODUCT_REPRESENTATION, SHAPE_REPRESENTATIONS = 6, 2  # attribute indices: IfcProduct, IfcProductDefinitionShape


def has_body(product, dangling: set[tuple[int, int]] = frozenset()) -> bool:
    """The product has a Body representation, so it should come out with a footprint; or its
    representation is a reference to an entity the file lacks (`dangling`: (instance id,
    attribute index) pairs), as in a file cut short, where its body was lost."""
    if (product.id(), PRODUCT_REPRESENTATION) in dangling:
        return True
    shape = getattr(product, "Representation", None)
    if shape is None:
        return False
    if (shape.id(), SHAPE_REPRESENTATIONS) in dangling:
        return True
    return any(r is not None and r.RepresentationIdentifier == "Body" for r in shape.Representations or ())


def fallback_warning(product, exc: Exception, fallback: str) -> dict:
    """What a person is told when outlining `product` raised: which product, and what it got."""
    return {
        "code": "footprint_fallback",
        "global_id": product.GlobalId if not isinstance(product, str) else product,
        "ifc_class": product.is_a() if not isinstance(product, str) else "",
        "reason": f"{type(exc).__name__}: {exc}"[:300],
        "fallback": fallback,  # kernel, hull or none
    }


def _placed(pending: list[tuple], warnings: list | None = None, classes: dict | None = None) -> Iterator[Footprint]:
    """Move each outline by its plan transform, all at once; should the batch fail, one by one,
    and a product that fails alone gets no footprint (and a warning)."""
    pending = [p for p in pending if p[1] is not None]
    if not pending:
        return
    try:
        placed = list(_placed_together(pending))
    except Exception:
        placed = None
    if placed is not None:
        yield from placed
        return
    for one in pending:
        try:
            placed = list(_placed_together([one]))
        except Exception as exc:
            if warnings is not None:
                warning = fallback_warning(one[0], exc, "none")
                warning["ifc_class"] = (classes or {}).get(one[0], "")
                warnings.append(warning)
            continue
        yield from placed


def _placed_together(pending: list[tuple]) -> Iterator[Footprint]:
    """Move each outline by its plan transform (a, b, d, e, x offset, y offset), all at once."""
    outlines = np.array([p[1] for p in pending], dtype=object)
    transforms = np.array([p[2] for p in pending], dtype="d")
    coords, index = shapely.get_coordinates(outlines, return_index=True)
    t = transforms[index]
    moved = np.column_stack(
        (
            t[:, 0] * coords[:, 0] + t[:, 1] * coords[:, 1] + t[:, 4],
            t[:, 2] * coords[:, 0] + t[:, 3] * coords[:, 1] + t[:, 5],
        )
    )
    outlines = shapely.set_coordinates(outlines.copy(), moved)  # new geometries: shared outlines stay put
    empty = shapely.is_empty(outlines)
    wkts = shapely.to_wkt(outlines, rounding_precision=4)
    # WKT keeps 0.1 mm: an outline moved off the grid may come back crossing itself where two of
    # its edges pass closer than that (the steps of a spiral stair); those are snapped first
    broken = np.flatnonzero(~shapely.is_valid(shapely.from_wkt(wkts)))
    if len(broken):
        outlines[broken] = shapely.set_precision(outlines[broken], GRID)
        wkts[broken] = shapely.to_wkt(outlines[broken], rounding_precision=4)
    bounds = shapely.bounds(outlines)
    for i, (global_id, _, _, z_min, z_max, approximate) in enumerate(pending):
        if not empty[i]:
            yield Footprint(
                global_id=global_id,
                wkt=wkts[i],
                z_min=float(z_min),
                z_max=float(z_max),
                bounds=tuple(float(b) for b in bounds[i]),
                is_approximate=approximate,
            )


def _outline_or_hull(vertices: np.ndarray, faces: np.ndarray, seconds: float) -> tuple:
    """outline(), or when it raises the convex hull of the mesh (approximate), or else nothing;
    with the error, if there was one."""
    try:
        return (*outline(vertices, faces, seconds), None)
    except Exception as exc:
        try:
            hull = shapely.convex_hull(shapely.multipoints(vertices[:, :2]))
            if hull.geom_type == "Polygon" and hull.area > 0:
                return hull, True, (exc, "hull")
        except Exception:
            pass
        return None, False, (exc, "none")


def compute_footprints(
    model: ifcopenshell.file, products: list, *, seconds_per_element: float = 2.0, warnings: list | None = None
) -> Iterator[Footprint]:
    """Footprints of those `products` that have a body; products without one are skipped. Bodies
    bodies.py can read are read from the model, the rest tessellated. What went wrong outlining a
    product (and what it got instead) is appended to `warnings`, one dict per product."""
    if not products:
        return
    warnings = [] if warnings is None else warnings
    classes = {p.GlobalId: p.is_a() for p in products}

    def read_failed(product, exc):
        warnings.append(fallback_warning(product, exc, "kernel"))

    read, products = outlines(
        BodyReader(ifcopenshell.util.unit.calculate_unit_scale(model)), products, failed=read_failed
    )
    for start in range(0, len(read), BATCH):
        yield from _placed(
            [(p.GlobalId, shape, IDENTITY, z0, z1, False) for p, shape, z0, z1 in read[start : start + BATCH]],
            warnings,
            classes,
        )
    if not products:
        return
    iterator = ifcopenshell.geom.iterator(_settings(), model, 1, include=products, geometry_library=KERNEL)
    if not iterator.initialize():
        return
    local_outlines: dict[bytes, tuple] = {}  # mesh digest -> (outline, approximate, z min, z max, error)
    pending: list[tuple] = []  # (GlobalId, outline, plan transform, z min, z max, approximate)
    more = True
    while more:
        # the kernel tessellates a run of shapes, then they are outlined: each keeps its own data
        # in the processor's caches rather than evicting the other's at every shape
        gathered = []
        while more and len(gathered) < GATHER:
            shape = iterator.get()
            mesh = shape.geometry
            gathered.append((shape.guid, shape.transformation_buffer, mesh.verts_buffer, mesh.faces_buffer))
            more = iterator.next()
        for global_id, placement, verts, faces in gathered:
            matrix = np.frombuffer(placement, dtype="d").reshape((4, 4), order="F")
            if keeps_plan_apart(matrix):
                digest = hashlib.blake2b(verts, digest_size=16)
                digest.update(faces)
                key = digest.digest()
                if key not in local_outlines:
                    vertices, triangles = _mesh(verts, faces)
                    geometry, approximate, error = _outline_or_hull(vertices, triangles, seconds_per_element)
                    z = (float(vertices[:, 2].min()), float(vertices[:, 2].max())) if len(vertices) else (0.0, 0.0)
                    local_outlines[key] = (geometry, approximate, *z, error)
                geometry, approximate, z_low, z_high, error = local_outlines[key]
                transform = (matrix[0, 0], matrix[0, 1], matrix[1, 0], matrix[1, 1], matrix[0, 3], matrix[1, 3])
                z_min, z_max = z_low * matrix[2, 2] + matrix[2, 3], z_high * matrix[2, 2] + matrix[2, 3]
            else:
                vertices, triangles = _mesh(verts, faces)
                vertices = vertices @ matrix[:3, :3].T + matrix[:3, 3]
                geometry, approximate, error = _outline_or_hull(vertices, triangles, seconds_per_element)
                transform = IDENTITY
                z_min, z_max = (float(vertices[:, 2].min()), float(vertices[:, 2].max())) if len(vertices) else (0, 0)
            if error is not None:
                warning = fallback_warning(global_id, error[0], error[1])
                warning["ifc_class"] = classes.get(global_id, "")
                warnings.append(warning)
            pending.append((global_id, geometry, transform, z_min, z_max, approximate))
            if len(pending) >= BATCH:
                yield from _placed(pending, warnings, classes)
                pending = []
    yield from _placed(pending, warnings, classes)


def union_wkt(wkts: list[str]) -> str | None:
    """The union of several footprints (an assembly's parts), as WKT."""
    shapes = [shapely.from_wkt(w) for w in wkts if w]
    if not shapes:
        return None
    return shapely.to_wkt(shapely.union_all(shapes, grid_size=GRID), rounding_precision=4)
