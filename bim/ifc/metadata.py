"""The spatial tree, spaces and physical elements of an IFC model, as plain dicts.

Physical elements are every IfcElement except feature elements (openings, projections) and
virtual elements. Everything is keyed by GlobalId: names of storeys and property sets may be
empty. Lengths of the tree (elevations, layer thicknesses) are converted to metres; property and
quantity values stay in the file's units, which `length_unit_scale` records.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import ifcopenshell
import ifcopenshell.util.element as ue
import ifcopenshell.util.placement
import ifcopenshell.util.unit


def is_physical(element) -> bool:
    return (
        element.is_a("IfcElement") and not element.is_a("IfcFeatureElement") and not element.is_a("IfcVirtualElement")
    )


def physical_elements(model: ifcopenshell.file) -> list:
    return [e for e in model.by_type("IfcElement") if is_physical(e)]


@dataclass
class ModelTree:
    schema: str
    length_unit_scale: float  # metres per file length unit
    project_name: str
    storeys: list[dict] = field(default_factory=list)
    spaces: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)


def _json_safe(value):
    return json.loads(json.dumps(value, default=str))


def _spatial_parent(element):
    """The storey, space or building an element is in: directly, or through its assembly."""
    seen = 0
    while element is not None and seen < 10:
        container = ue.get_container(element)
        if container is not None:
            return container
        element = ue.get_aggregate(element)
        seen += 1
    return None


def _storey_of(spatial):
    """The storey a spatial element (storey, space) belongs to, or None."""
    seen = 0
    while spatial is not None and seen < 10:
        if spatial.is_a("IfcBuildingStorey"):
            return spatial
        spatial = ue.get_aggregate(spatial)
        seen += 1
    return None


def _elevation(storey, scale: float) -> float | None:
    try:
        return float(ifcopenshell.util.placement.get_local_placement(storey.ObjectPlacement)[2][3]) * scale
    except Exception:  # a storey without placement: fall back to the attribute
        return float(storey.Elevation) * scale if storey.Elevation is not None else None


def read_tree(model: ifcopenshell.file) -> ModelTree:
    scale = ifcopenshell.util.unit.calculate_unit_scale(model)
    projects = model.by_type("IfcProject")
    tree = ModelTree(
        schema=model.schema, length_unit_scale=scale, project_name=(projects[0].Name or "") if projects else ""
    )
    for storey in model.by_type("IfcBuildingStorey"):
        building = ue.get_aggregate(storey)
        tree.storeys.append(
            {
                "global_id": storey.GlobalId,
                "name": storey.Name or "",
                "elevation": _elevation(storey, scale),
                "building_global_id": building.GlobalId if building is not None else "",
            }
        )
    zones: dict[str, list[str]] = {}
    for zone in model.by_type("IfcZone"):
        for rel in zone.IsGroupedBy or ():
            for obj in rel.RelatedObjects:
                if obj.is_a("IfcSpace"):
                    zones.setdefault(obj.GlobalId, []).append(zone.Name or zone.GlobalId)
    for space in model.by_type("IfcSpace"):
        storey = _storey_of(ue.get_aggregate(space))
        tree.spaces.append(
            {
                "global_id": space.GlobalId,
                "name": space.Name or "",
                "long_name": space.LongName or "",
                "storey_global_id": storey.GlobalId if storey is not None else "",
                "zones": zones.get(space.GlobalId, []),
                **dict(zip(("psets", "qsets"), _psets_and_qsets(model, space), strict=True)),
            }
        )
    for site in model.by_type("IfcSite"):
        tree.sites.append(
            {
                "global_id": site.GlobalId,
                "name": site.Name or "",
                "buildings": [{"global_id": b.GlobalId, "name": b.Name or ""} for b in _buildings_under(site)],
            }
        )
    return tree


def _buildings_under(site) -> list:
    """The buildings aggregated under a site (or its sub-sites), without walking into storeys and
    their thousands of elements as a full decomposition would."""
    found, stack = [], [site]
    while stack:
        for rel in stack.pop().IsDecomposedBy or ():
            for obj in rel.RelatedObjects:
                if obj.is_a("IfcBuilding"):
                    found.append(obj)
                elif obj.is_a("IfcSite"):
                    stack.append(obj)
    return found


def _psets_and_qsets(model: ifcopenshell.file, product) -> tuple[dict, dict]:
    """Property sets and quantity sets from one get_psets call (the costly part of reading)."""
    psets, qsets = {}, {}
    for name, props in ue.get_psets(product).items():
        definition = model.by_id(props["id"]) if props.get("id") else None
        target = qsets if definition is not None and definition.is_a("IfcElementQuantity") else psets
        target[name] = {k: v for k, v in props.items() if k != "id"}
    return _json_safe(psets), _json_safe(qsets)


def _materials(element, scale: float) -> list[dict]:
    material = ue.get_material(element, should_skip_usage=True)
    if material is None:
        return []
    if material.is_a("IfcMaterial"):
        return [{"name": material.Name or ""}]
    if material.is_a("IfcMaterialLayerSet"):
        return [
            {
                "name": (layer.Material.Name or "") if layer.Material else "",
                "thickness": float(layer.LayerThickness) * scale,
            }
            for layer in material.MaterialLayers
        ]
    if material.is_a("IfcMaterialList"):
        return [{"name": m.Name or ""} for m in material.Materials]
    if material.is_a("IfcMaterialConstituentSet"):
        return [
            {"name": (c.Material.Name or "") if c.Material else "", "constituent": c.Name or ""}
            for c in material.MaterialConstituents or ()
        ]
    if material.is_a("IfcMaterialProfileSet"):
        return [
            {
                "name": (p.Material.Name or "") if p.Material else "",
                "profile": (p.Profile.ProfileName or "") if p.Profile else "",
            }
            for p in material.MaterialProfiles
        ]
    return [{"name": getattr(material, "Name", "") or ""}]


def read_elements(model: ifcopenshell.file, elements: list | None = None) -> Iterator[dict]:
    """One dict per physical element, in file order."""
    scale = ifcopenshell.util.unit.calculate_unit_scale(model)
    for element in elements if elements is not None else physical_elements(model):
        parent = _spatial_parent(element)
        storey = _storey_of(parent)
        space = parent if parent is not None and parent.is_a("IfcSpace") else None
        assembly = ue.get_aggregate(element)
        element_type = ue.get_type(element)
        psets, qsets = _psets_and_qsets(model, element)
        yield {
            "global_id": element.GlobalId,
            "ifc_class": element.is_a(),
            "predefined_type": ue.get_predefined_type(element) or "",
            "name": element.Name or "",
            "type_name": (element_type.Name or "") if element_type is not None else "",
            "storey_global_id": storey.GlobalId if storey is not None else "",
            "space_global_id": space.GlobalId if space is not None else "",
            "assembly_global_id": assembly.GlobalId if assembly is not None and is_physical(assembly) else "",
            "materials": _materials(element, scale),
            "psets": psets,
            "qsets": qsets,
        }
