"""The pieces the mesh path (footprints.py) and the brep path (breps.py) share, in one place:
the grid every coordinate is snapped to, patches joined across shared edges, the union of what
does not trace, and the test for a placement whose outline can be moved."""

import numpy as np
import shapely

from bim.ifc.bodies import IDENTITY, keeps_plan_apart
from bim.ifc.tracing import GRID, connected, snap, snap_few, union_on_grid


def test_the_plain_python_snapping_puts_coordinates_on_the_same_grid_points_as_snap():
    rng = np.random.default_rng(7)
    coordinates = np.round(rng.uniform(-3, 3, (300, 3)), 3) + rng.choice([0, GRID / 2, -GRID / 2, 1e-6], (300, 3))
    points, index = snap(coordinates)
    few_points, few_index = snap_few(coordinates.tolist())
    assert [tuple(p) for p in points[index].tolist()] == [few_points[i] for i in few_index]
    assert len(few_points) == len(points)


def test_items_joined_by_pairs_come_out_as_groups_in_the_order_of_their_first_item():
    assert connected(range(7), [(5, 1), (6, 3), (1, 3), (4, 4)]) == [[0], [1, 3, 5, 6], [2], [4]]
    assert connected(["c", "a", "b"], [("b", "c")]) == [["c", "b"], ["a"]]


def test_pieces_the_largest_covers_need_no_union_and_the_others_are_unioned_on_the_grid():
    slab, ledge = shapely.box(0, 0, 2, 1), shapely.box(0.5, 0, 1, 0.2)
    shape, unioned = union_on_grid([ledge, slab])
    assert shape.equals(slab) and not unioned
    shape, unioned = union_on_grid([slab, shapely.box(2, 0, 3, 1 + GRID / 3)])
    assert unioned and shape.equals(shapely.box(0, 0, 3, 1))


def test_a_placement_keeps_plan_and_height_apart_unless_it_tilts_or_turns_upside_down():
    turned = np.eye(4)
    turned[:2, :2] = [[0.0, -1.0], [1.0, 0.0]]
    tilted = np.eye(4)
    tilted[1:3, 1:3] = [[0.0, -1.0], [1.0, 0.0]]
    upside_down = np.diag([1.0, -1.0, -1.0, 1.0])
    assert keeps_plan_apart(IDENTITY) and keeps_plan_apart(turned) and keeps_plan_apart(turned[:3].tolist())
    assert not keeps_plan_apart(tilted) and not keeps_plan_apart(tuple(map(tuple, tilted[:3].tolist())))
    assert not keeps_plan_apart(upside_down)
