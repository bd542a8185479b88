"""Comparing two versions of a model element by element, keyed by GlobalId, and spotting
re-exports that regenerated GlobalIds: a removed and an added element of the same class, storey
and type whose footprints overlap with IoU >= 0.9 are proposed as the same element. An element's
solid is compared by its plan outline and its z range (bottom and top), so a slab raised or made
thicker is changed, with how far it moved and by how much it grew."""

from dataclasses import dataclass, field

import shapely

COMPARED = ("ifc_class", "name", "storey", "type_name", "materials", "psets")
MOVE_TOLERANCE = 0.01  # metres
REMAP_IOU = 0.9


@dataclass
class VersionDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    proposed_remaps: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "proposed_remaps": self.proposed_remaps,
            "counts": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "proposed_remaps": len(self.proposed_remaps),
            },
        }


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > MOVE_TOLERANCE


def _ratio(new: float, old: float) -> float | None:
    return round(new / old, 3) if old > 1e-9 else None


def geometry_change(before: dict, after: dict) -> dict | None:
    """How an element's solid changed between two versions, or None when its plan outline
    (Hausdorff distance) and its bottom and top stay within MOVE_TOLERANCE. `fields` holds the
    outline's area (m2) and the z range (m) before and after; `moved` is {dx, dy, dz} in metres,
    of the outline's centroid in plan and of the bottom in height; `grown` is the ratio of area
    and of height, new over old (1.5: half as large again)."""
    old_wkt, new_wkt = before.get("footprint") or "", after.get("footprint") or ""
    old_z = (before.get("z_min"), before.get("z_max"))
    new_z = (after.get("z_min"), after.get("z_max"))
    old = shapely.from_wkt(old_wkt) if old_wkt else None
    new = shapely.from_wkt(new_wkt) if new_wkt else None
    if old is None or new is None:
        outline_changed = (old is None) != (new is None)
    else:
        outline_changed = old.hausdorff_distance(new) > MOVE_TOLERANCE
    z_changed = any(_differs(a, b) for a, b in zip(old_z, new_z, strict=True))
    if not (outline_changed or z_changed):
        return None
    fields = {}
    if outline_changed:
        fields["footprint"] = [round(g.area, 3) if g is not None else None for g in (old, new)]
    if z_changed:
        fields["z_range"] = [[None if z is None else round(z, 3) for z in pair] for pair in (old_z, new_z)]
    moved, grown = None, None
    if old is not None and new is not None:
        a, b = old.centroid, new.centroid
        has_z = None not in old_z + new_z
        moved = {
            "dx": round(b.x - a.x, 3),
            "dy": round(b.y - a.y, 3),
            "dz": round(new_z[0] - old_z[0], 3) if has_z else None,
        }
        grown = {
            "area": _ratio(new.area, old.area),
            "height": _ratio(new_z[1] - new_z[0], old_z[1] - old_z[0]) if has_z else None,
        }
    return {"fields": fields, "moved": moved, "grown": grown}


def iou(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    first, second = shapely.from_wkt(a), shapely.from_wkt(b)
    union = first.union(second).area
    return first.intersection(second).area / union if union else 0.0


def diff_versions(old: dict[str, dict], new: dict[str, dict]) -> VersionDiff:
    """old/new: GlobalId -> {ifc_class, name, storey (name), type_name, materials, psets, footprint,
    z_min, z_max}."""
    result = VersionDiff(
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
    )
    for global_id in sorted(set(old) & set(new)):
        before, after = old[global_id], new[global_id]
        fields = {f: [before.get(f), after.get(f)] for f in COMPARED if before.get(f) != after.get(f)}
        geometry = geometry_change(before, after)
        if geometry is not None:
            fields.update(geometry["fields"])
        if fields:
            change = {"global_id": global_id, "fields": fields}
            if geometry is not None:
                change.update(moved=geometry["moved"], grown=geometry["grown"])
            result.changed.append(change)
    result.proposed_remaps = propose_remaps({g: old[g] for g in result.removed}, {g: new[g] for g in result.added})
    return result


def propose_remaps(removed: dict[str, dict], added: dict[str, dict]) -> list[dict]:
    """Pairs (removed -> added) that look like the same element under a new GlobalId."""
    candidates = [(g, row) for g, row in added.items() if row.get("footprint")]
    if not candidates or not removed:
        return []
    tree = shapely.STRtree([shapely.from_wkt(row["footprint"]) for _, row in candidates])
    proposals, taken = [], set()
    for old_id, old_row in sorted(removed.items()):
        if not old_row.get("footprint"):
            continue
        best = None
        for index in tree.query(shapely.from_wkt(old_row["footprint"]), predicate="intersects"):
            new_id, new_row = candidates[index]
            if new_id in taken or any(old_row.get(k) != new_row.get(k) for k in ("ifc_class", "storey", "type_name")):
                continue
            score = iou(old_row["footprint"], new_row["footprint"])
            if score >= REMAP_IOU and (best is None or score > best[1]):
                best = (new_id, score)
        if best is not None:
            taken.add(best[0])
            proposals.append({"from": old_id, "to": best[0], "iou": round(best[1], 4)})
    return proposals
