"""The plain definition of a footprint, for tests to compare against: every face of the kernel's
world-coordinate mesh that looks up, seen from above, unioned (faces seen edge-on only when there
is no other)."""

import ifcopenshell.geom
import numpy as np
import shapely

from bim.ifc.footprints import GRID, KERNEL, _settings


def union_of_upward_faces(shape):
    vertices = np.frombuffer(shape.geometry.verts_buffer, dtype="d").reshape(-1, 3)
    xy = vertices[np.frombuffer(shape.geometry.faces_buffer, dtype=np.int32).reshape(-1, 3)][:, :, :2]
    twice = (xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1]) - (xy[:, 2, 0] - xy[:, 0, 0]) * (
        xy[:, 1, 1] - xy[:, 0, 1]
    )
    up = xy[twice > 1e-10] if (twice > 1e-10).any() else xy[np.abs(twice) > 1e-10]
    return shapely.union_all(shapely.polygons(np.concatenate([up, up[:, :1]], axis=1)), grid_size=GRID)


def tessellated_outlines(model, products) -> dict[str, tuple]:
    """GlobalId -> (outline, z min, z max) of each product's world mesh."""
    settings = _settings()
    settings.set("use-world-coords", True)
    iterator = ifcopenshell.geom.iterator(settings, model, 1, include=products, geometry_library=KERNEL)
    found = {}
    if products and iterator.initialize():
        while True:
            shape = iterator.get()
            if len(shape.geometry.faces):
                z = np.frombuffer(shape.geometry.verts_buffer, dtype="d")[2::3]
                found[shape.guid] = (union_of_upward_faces(shape), float(z.min()), float(z.max()))
            if not iterator.next():
                break
    return found
