"""Comparing two versions of a model element by element, keyed by GlobalId, and spotting
re-exports that regenerated GlobalIds: a removed and an added element of the same class, storey
and type whose footprints overlap with IoU >= 0.9 are proposed as the same element."""

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


def _moved(old_wkt: str, new_wkt: str) -> bool:
    if bool(old_wkt) != bool(new_wkt):
        return True
    if not old_wkt:
        return False
    old, new = shapely.from_wkt(old_wkt), shapely.from_wkt(new_wkt)
    return old.hausdorff_distance(new) > MOVE_TOLERANCE


def iou(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    first, second = shapely.from_wkt(a), shapely.from_wkt(b)
    union = first.union(second).area
    return first.intersection(second).area / union if union else 0.0


def diff_versions(old: dict[str, dict], new: dict[str, dict]) -> VersionDiff:
    """old/new: GlobalId -> {ifc_class, name, storey (name), type_name, materials, psets, footprint}."""
    result = VersionDiff(
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
    )
    for global_id in sorted(set(old) & set(new)):
        before, after = old[global_id], new[global_id]
        fields = {f: [before.get(f), after.get(f)] for f in COMPARED if before.get(f) != after.get(f)}
        if _moved(before.get("footprint", ""), after.get("footprint", "")):
            fields["footprint"] = ["moved", "moved"]
        if fields:
            result.changed.append({"global_id": global_id, "fields": fields})
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
