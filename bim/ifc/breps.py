"""Plan outlines of faceted breps and IFC4 tessellated bodies read straight from their faces,
without the geometry kernel: the faces of a closed shell that look up, seen from above, cover
exactly what the body covers.

The faces come from the model in one call (ifcopenshell's C++ get_info). Every coordinate is
snapped to the 0.1 mm grid; where the upward faces tile the outline (a beam, a door leaf, a
window frame) its rings are traced from the edges only one face has, checked by exact area; where
they overlap (a body with an overhang) they are unioned. A shell that is not closed and turned
one way (each edge crossed as often each way), a loop that is not a polygon, or a face that
crosses itself raises NotCertain and goes to the kernel.
"""

import numpy as np
import shapely

from .tracing import GRID, connected, rings_of, snap, union_on_grid

SPLIT_FROM = 16  # faces: a patch that does not tile is halved from this size, else its faces unioned
MAX_FACES = 20000  # more go to the kernel's path, which gives up on a shape past its time limit
UPWARD = 1e-10  # twice the plan area, m²: a face with less is seen edge-on (the mesh path's own limit)


class NotCertain(Exception):
    """A body to leave to the kernel."""


def brep_loops(info: dict) -> list[tuple[list, list[list]]]:
    """(outer loop, inner loops) of each face, points as read, each loop in its face's sense."""
    faces = []
    if len(info["Outer"]["CfsFaces"]) > MAX_FACES:
        raise NotCertain
    for face in info["Outer"]["CfsFaces"]:
        outer, inner = None, []
        for bound in face["Bounds"]:
            loop = bound["Bound"]
            if loop["type"] != "IfcPolyLoop":
                raise NotCertain
            points = [p["Coordinates"] for p in loop["Polygon"]]
            if not bound["Orientation"]:
                points.reverse()
            if bound["type"] == "IfcFaceOuterBound" and outer is None:
                outer = points
            else:
                inner.append(points)
        if outer is None:  # no bound said to be the outer one: the one covering most of the plan is
            if not inner:
                continue
            inner.sort(key=lambda loop: -abs(_newell(loop)[2]))  # twice its plan area
            outer = inner.pop(0)
        faces.append((outer, inner))
    return faces


def faceset_loops(info: dict) -> list[tuple[list, list[list]]]:
    """The same for an IFC4 tessellated body (IfcTriangulatedFaceSet, IfcPolygonalFaceSet): its
    faces index a list of points, through PnIndex where there is one."""
    if info.get("Closed") is False:
        raise NotCertain  # a surface, not a solid
    points = info["Coordinates"]["CoordList"]
    if info.get("PnIndex"):
        points = [points[i - 1] for i in info["PnIndex"]]
    if info["type"] == "IfcTriangulatedFaceSet":
        if len(info["CoordIndex"]) > MAX_FACES:
            raise NotCertain
        return [([points[a - 1], points[b - 1], points[c - 1]], []) for a, b, c in info["CoordIndex"]]
    if len(info["Faces"]) > MAX_FACES:
        raise NotCertain
    return [
        (
            [points[i - 1] for i in face["CoordIndex"]],
            [[points[i - 1] for i in loop] for loop in face.get("InnerCoordIndices") or ()],
        )
        for face in info["Faces"]
    ]


def _newell(loop) -> tuple[float, float, float]:
    """A loop's normal times twice its area (Newell's method): the sense it turns in, in 3D."""
    nx = ny = nz = 0.0
    for (x0, y0, z0), (x1, y1, z1) in zip(loop, loop[1:] + loop[:1], strict=True):
        nx += (y0 - y1) * (z0 + z1)
        ny += (z0 - z1) * (x0 + x1)
        nz += (x0 - x1) * (y0 + y1)
    return nx, ny, nz


def _against(hole: list, outer: list) -> list:
    """A face's inner loop turning against its outer one, as a hole's edges meet the faces
    around it (files write them either way)."""
    a, b = _newell(hole), _newell(outer)
    return hole[::-1] if a[0] * b[0] + a[1] * b[1] + a[2] * b[2] > 0 else hole


def outline(faces: list[tuple[list, list[list]]], scale: float, affine=None) -> tuple[shapely.Geometry, float, float]:
    """The plan outline and z range of a closed shell's faces, in metres (coordinates times
    `scale`, then through the 3x4 `affine` if given)."""
    faces = [(outer, [_against(loop, outer) for loop in inner]) if inner else (outer, inner) for outer, inner in faces]
    loops = [loop for outer, inner in faces for loop in (outer, *inner)]
    if not loops:
        raise NotCertain
    lengths = np.array([len(loop) for loop in loops])
    if (lengths < 3).any():
        raise NotCertain
    coordinates = np.array([c for loop in loops for c in loop], dtype="d")
    if coordinates.ndim != 2 or coordinates.shape[1] != 3:
        raise NotCertain
    coordinates *= scale
    if affine is not None:
        matrix = np.array(affine, dtype="d")
        coordinates = coordinates @ matrix[:, :3].T + matrix[:, 3]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    following = np.arange(len(coordinates)) + 1
    following[starts + lengths - 1] = starts
    _check_oriented_and_closed(coordinates, following)
    x, y = coordinates[:, 0], coordinates[:, 1]
    twice = np.add.reduceat(x * y[following] - x[following] * y, starts)  # per loop, counter-clockwise > 0

    # each face's plan area, its holes taken out (the shell being closed, these cancel out)
    first = np.concatenate([[0], np.cumsum([1 + len(inner) for _, inner in faces])[:-1]])  # outer loops
    outer = np.abs(twice[first])
    net = np.sign(twice[first]) * (2 * outer - np.add.reduceat(np.abs(twice), first))
    if np.abs(net).sum() <= UPWARD:
        raise NotCertain  # seen only edge-on: the kernel's case
    upward = np.flatnonzero(net > UPWARD).tolist()
    if (twice[first[upward]] <= 0).any():
        raise NotCertain  # holes larger than their face
    z = coordinates[:, 2]
    shape = _traced(faces, upward, first.tolist(), starts, lengths, following, coordinates)
    return shape, float(z.min()), float(z.max())


def _check_oriented_and_closed(coordinates: np.ndarray, following: np.ndarray) -> None:
    """Every edge between faces, its points snapped to the grid, is crossed as often one way as
    the other: the shell is closed and each of its parts turns one way (all out or all in, so its
    upward faces tile its plan either way). Faces wound against their neighbours could otherwise
    cancel out in the area test and leave a part of the plan out. An edge split by a point of the
    face beside it (a T-junction) fails too, and goes to the kernel; an edge four faces meet at
    (two solids of one shell touching there) is fine."""
    _, ids = snap(coordinates)
    a, b = ids, ids[following]
    kept = a != b  # an edge the snapping shrank to a point
    n = len(ids)
    keys, reverse = np.sort(a[kept] * n + b[kept]), np.sort(b[kept] * n + a[kept])
    if not np.array_equal(keys, reverse):
        raise NotCertain


def _traced(faces, upward, first, starts, lengths, following, coordinates) -> shapely.Geometry:
    """The union of the upward faces: traced from their boundary edges if they tile it, else each
    patch of faces sharing edges traced so and the patches unioned (faces of a patch that does
    not tile as they are)."""
    points, index = snap(coordinates[:, :2])
    grid = points[index] - points.min(axis=0)  # small integers: exact products
    x, y = grid[:, 0], grid[:, 1]
    twice_grid = np.add.reduceat(x * y[following] - x[following] * y, starts).tolist()
    ids = index.tolist()
    starts, lengths = starts.tolist(), lengths.tolist()
    rings = {}  # face -> [(ring of point ids, twice its area)], shells counter-clockwise, holes clockwise
    turned = set()  # faces the snapping turned over (a sliver narrower than the grid)
    for face in upward:
        face_rings = []
        for k in range(1 + len(faces[face][1])):
            loop = first[face] + k
            area = twice_grid[loop]
            if area == 0:  # flattened by the snapping: no area, no edge
                continue
            ring = _distinct(ids[starts[loop] : starts[loop] + lengths[loop]])
            if k == 0 and area < 0:
                turned.add(face)
            if (area > 0) != (k == 0):
                ring.reverse()
                area = -area
            face_rings.append((ring, area))
        if face_rings:
            rings[face] = face_rings
    owners: dict[tuple[int, int], list[int]] = {}
    for face, face_rings in rings.items():
        for ring, _ in face_rings:
            for edge in zip(ring, ring[1:] + ring[:1], strict=True):
                owners.setdefault(edge, []).append(face)
    if not turned:
        shape = _outline_of(points, rings, rings.keys())
        if shape is not None:
            return shape
    # patches: faces joined across edges they share in opposite senses
    joined = [(mine[0], other) for (a, b), mine in owners.items() for other in owners.get((b, a), ())]
    pieces, loose = [], []
    stack = connected(rings, joined)
    while stack:
        patch = stack.pop()
        shape = None
        if not turned.intersection(patch):
            shape = _outline_of(points, rings, patch)
        if shape is not None:
            pieces.append(shape)
        elif len(patch) >= SPLIT_FROM:  # a surface over itself (a helical handrail) tiles by parts
            stack += [patch[: len(patch) // 2], patch[len(patch) // 2 :]]
        else:
            loose += patch
    on_grid = points * GRID
    kept = [face for face in loose if rings[face][0][1] > 0]  # not when the snapping flattened its shell
    polygons = [
        shapely.Polygon(on_grid[rings[face][0][0]], [on_grid[ring] for ring, _ in rings[face][1:]] or None)
        for face in kept
    ]
    for i in np.flatnonzero(~shapely.is_valid(np.array(polygons, dtype=object))).tolist():
        loop = first[kept[i]]  # made invalid by the snapping (a sliver collapsed): snapped whole
        loops = [
            coordinates[starts[j] : starts[j] + lengths[j], :2] for j in range(loop, loop + 1 + len(faces[kept[i]][1]))
        ]
        polygon = shapely.Polygon(loops[0], loops[1:] or None)
        if not polygon.is_valid:
            raise NotCertain  # a face crossing itself, or not plane
        polygons[i] = shapely.set_precision(polygon, GRID)
    if not pieces and not polygons:
        raise NotCertain
    return union_on_grid(pieces + polygons)[0]


def _outline_of(points, rings, faces) -> shapely.Geometry | None:
    """The outline of `faces` traced from the edges none of the others has the other way round,
    or None if they do not tile it (an edge two of them have in the same sense: they overlap)."""
    faces = set(faces)
    edges, twice_total = [], 0
    for face in faces:
        for ring, area in rings[face]:
            twice_total += area
            edges += zip(ring, ring[1:] + ring[:1], strict=True)
    mine = set(edges)
    if len(mine) != len(edges):
        return None
    boundary = [(a, b) for a, b in edges if (b, a) not in mine]
    return rings_of(points, boundary, twice_total) if boundary else None


def _distinct(ring: list[int]) -> list[int]:
    """A loop's point ids without the repeats the snapping made."""
    out = [p for i, p in enumerate(ring) if p != ring[i - 1]] if len(ring) > 1 else ring
    return out if len(out) >= 3 else []
