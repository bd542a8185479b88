"""Outlines traced from edges on the 0.1 mm grid: where faces tile a region, the edges that only
one face has chain into its rings, which makes the region exactly, without a union. Shared by the
mesh path (triangles) and the brep path (faces read from the model): the grid, patches of faces
joined across shared edges, tracing, and the union of what does not trace."""

import math

import numpy as np
import shapely

GRID = 1e-4  # 0.1 mm: merges the seams between neighbouring faces


def snap(coordinates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (n, d) snapped to GRID (half up, as GEOS does): the distinct points (integers,
    in grid units) and each coordinate's index among them."""
    snapped = np.floor(coordinates / GRID + 0.5).astype(np.int64)
    low = snapped.min(axis=0)
    spans = snapped.max(axis=0) - low + 1
    if float(np.prod(spans.astype("d"))) < 2.0**62:  # one integer per point: a fast 1-D unique
        key = np.zeros(len(snapped), dtype=np.int64)
        for axis in range(snapped.shape[1]):
            key = key * spans[axis] + (snapped[:, axis] - low[axis])
        _, first, index = np.unique(key, return_index=True, return_inverse=True)
        return snapped[first], index.reshape(-1)
    points, index = np.unique(snapped, axis=0, return_inverse=True)
    return points, index.reshape(-1)


def snap_few(coordinates: list) -> tuple[list[tuple[int, ...]], list[int]]:
    """snap() in plain Python, for the few coordinates of a small mesh, where numpy's cost per
    call is most of the work: the distinct points (integer tuples, in the order they first come,
    not sorted as snap's are) and each coordinate's index among them."""
    ids: dict[tuple[int, ...], int] = {}
    index = []
    for coordinate in coordinates:
        key = tuple([math.floor(value / GRID + 0.5) for value in coordinate])
        found = ids.get(key)
        if found is None:
            found = ids[key] = len(ids)
        index.append(found)
    return list(ids), index


def connected(items, pairs) -> list[list]:
    """`items` grouped by the `pairs` of them that are joined (a union-find): each group lists its
    items in their order, and the groups come in the order of their first item."""
    parent = {item: item for item in items}

    def root(item):
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict = {}
    for item in parent:
        groups.setdefault(root(item), []).append(item)
    return list(groups.values())


def union_on_grid(pieces: list) -> tuple[shapely.Geometry, bool]:
    """The union of outlines on the grid, and whether it took a union: none when the largest
    covers the rest (a beam's top flange over the ledges of its bottom one)."""
    pieces = np.array(pieces, dtype=object)
    largest = pieces[np.argmax(shapely.area(pieces))]
    shapely.prepare(largest)
    rest = pieces[~shapely.covers(largest, pieces)]  # all on the grid: covered exactly
    if not len(rest):
        return largest, False
    # pieces on the grid: a plain union snapped after is the union on the grid, in half the time
    return shapely.set_precision(shapely.union_all(np.append(rest, largest)), GRID), True


def rings_of(points, boundary: list[tuple[int, int]], twice_total: float) -> shapely.Geometry | None:
    """The region whose boundary edges (point ids into `points`, integer grid coordinates, the
    region on their left) are given, or None when they do not make one: rings that touch at a
    vertex, an open chain, a hole outside every shell, or an area other than `twice_total` / 2
    (grid units), which is what overlapping faces give."""
    following = dict(boundary)
    if len(following) != len(boundary):  # a vertex where two rings touch
        return None
    shells, holes = [], []
    while following:
        start, ring = next(iter(following)), []
        vertex = start
        while True:
            ring.append(vertex)
            nxt = following.pop(vertex, None)
            if nxt is None:
                return None  # an open chain
            vertex = nxt
            if vertex == start:
                break
        coordinates = points[ring]
        xy = coordinates.tolist()
        twice = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1], strict=True))
        if twice > 0:
            shells.append(coordinates * GRID)
        elif twice < 0:
            holes.append(coordinates * GRID)
    if not shells:
        return None
    if not holes:
        polygons = [shapely.polygons(ring) for ring in shells]
    else:
        bare = shapely.polygons([shapely.linearrings(ring) for ring in shells])
        # each hole goes in the smallest shell that covers its first corner (a hole's shell, not
        # the shell of the region around that): all pairs found at once, through a tree of shells
        corners = shapely.points([ring[0] for ring in holes])
        hole_index, shell_index = shapely.STRtree(bare).query(corners, predicate="covered_by")
        if len(set(hole_index.tolist())) != len(holes):
            return None  # a hole outside every shell
        areas = shapely.area(bare)
        smallest: dict[int, int] = {}
        for h, k in zip(hole_index.tolist(), shell_index.tolist(), strict=True):
            if h not in smallest or areas[k] < areas[smallest[h]]:
                smallest[h] = k
        inner = {i: [] for i in range(len(shells))}
        for h, ring in enumerate(holes):
            inner[smallest[h]].append(ring)
        # one polygon at a time: shapely.polygons takes the holes of a shell as one array, which
        # rings of different lengths (a square hole and a pentagon) cannot make
        polygons = [shapely.Polygon(ring, inner[i] or None) for i, ring in enumerate(shells)]
    shape = polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)
    if not shape.is_valid:  # a spike of zero width where a vertex sits on another triangle's edge
        shape = shapely.make_valid(shape, method="structure", keep_collapsed=False)
        if shape.geom_type not in ("Polygon", "MultiPolygon") or not shape.is_valid:
            return None
    expected = 0.5 * twice_total * GRID * GRID
    if abs(shape.area - expected) > 1e-9 * max(1.0, expected):
        return None
    return shape
