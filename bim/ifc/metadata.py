"""The spatial tree, spaces and physical elements of an IFC model, as plain dicts.

Physical elements are every IfcElement except feature elements (openings, projections) and
virtual elements. Everything is keyed by GlobalId: names of storeys and property sets may be
empty, and a GlobalId may be in a file more than once (models merged into one, as ifcpatch's
MergeProjects and coordination models do): the first one is kept and the repeats are listed. Lengths of the tree (elevations, layer thicknesses) are converted to metres; property and
quantity values stay in the file's units, which `length_unit_scale` records.
"""

import math
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


def first_of_each(items: list, global_id=lambda item: item.GlobalId) -> tuple[list, list]:
    """The items whose GlobalId no item before them has, and the others (the repeats)."""
    seen: set[str] = set()
    kept, repeated = [], []
    for item in items:
        key = global_id(item)
        if key in seen:
            repeated.append(item)
        else:
            seen.add(key)
            kept.append(item)
    return kept, repeated


@dataclass
class ModelTree:
    schema: str
    length_unit_scale: float  # metres per file length unit
    project_name: str
    storeys: list[dict] = field(default_factory=list)
    spaces: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    repeated_storeys: list[dict] = field(default_factory=list)  # a GlobalId again: the first is in storeys
    repeated_spaces: list[dict] = field(default_factory=list)


def _plain(value):
    """A property value as JSON can hold it: numbers, text, booleans, lists and dicts; anything
    else (an entity, a non-finite number) as its text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


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
    tree.storeys, tree.repeated_storeys = first_of_each(tree.storeys, lambda s: s["global_id"])
    tree.spaces, tree.repeated_spaces = first_of_each(tree.spaces, lambda s: s["global_id"])
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


def _read_definition(definition) -> tuple[str, bool, dict]:
    props = ue.get_property_definition(definition)
    props.pop("id", None)
    return definition.Name, definition.is_a("IfcElementQuantity"), _plain(props)


class _Reader:
    """Reads elements one by one, computing what many elements share (their type's sets and
    material, a material set, a storey, a property set attached to many) only once. Gives what
    ifcopenshell.util.element's get_psets / get_material / get_type would, element by element."""

    def __init__(self, model: ifcopenshell.file):
        self.scale = ifcopenshell.util.unit.calculate_unit_scale(model)
        self.ifc2x3 = model.schema == "IFC2X3"
        self.shared_definitions: dict[int, tuple] = {}
        self.type_sets: dict[int, list] = {}
        self.material_rows: dict[int, list] = {}
        self.storeys: dict[int, object] = {}

    def definition(self, definition, shared: bool) -> tuple[str, bool, dict]:
        if not shared:
            return _read_definition(definition)
        key = definition.id()
        if key not in self.shared_definitions:
            self.shared_definitions[key] = _read_definition(definition)
        return self.shared_definitions[key]

    def type_of(self, element):
        if not self.ifc2x3:
            typed_by = getattr(element, "IsTypedBy", None)
            return typed_by[0].RelatingType if typed_by else None
        for rel in getattr(element, "IsDefinedBy", None) or ():
            if rel.is_a("IfcRelDefinesByType"):
                return rel.RelatingType
        return None

    def sets(self, product, product_type=None) -> tuple[dict, dict]:
        """Property sets and quantity sets: the type's, then the occurrence's over them by name."""
        merged: dict[str, list] = {}  # name -> [is quantity set, properties]
        if product_type is not None:
            key = product_type.id()
            if key not in self.type_sets:
                self.type_sets[key] = [
                    self.definition(d, shared=True) for d in getattr(product_type, "HasPropertySets", None) or ()
                ]
            for name, is_qset, props in self.type_sets[key]:
                entry = merged.setdefault(name, [is_qset, {}])
                entry[0] = is_qset
                entry[1].update(props)
        for rel in getattr(product, "IsDefinedBy", None) or ():
            if not rel.is_a("IfcRelDefinesByProperties"):
                continue
            definition = rel.RelatingPropertyDefinition
            if definition is None:  # a reference to an entity the file does not have (a damaged file)
                continue
            shared = len(rel.RelatedObjects) > 1
            definitions = definition.wrappedValue if definition.is_a("IfcPropertySetDefinitionSet") else (definition,)
            for item in definitions:
                name, is_qset, props = self.definition(item, shared)
                entry = merged.setdefault(name, [is_qset, {}])
                entry[0] = is_qset
                entry[1].update(props)
        psets = {name: props for name, (is_qset, props) in merged.items() if not is_qset}
        qsets = {name: props for name, (is_qset, props) in merged.items() if is_qset}
        return psets, qsets

    def materials(self, element, element_type) -> list[dict]:
        material = _associated_material(element)
        if material is None and element_type is not None:
            material = _associated_material(element_type)  # inherited from the type
        if material is None:
            return []
        if material.is_a("IfcMaterialLayerSetUsage"):
            material = material.ForLayerSet
        elif material.is_a("IfcMaterialProfileSetUsage"):
            material = material.ForProfileSet
        if material is None:
            return []
        key = material.id()
        if key not in self.material_rows:
            self.material_rows[key] = _material_rows(material, self.scale)
        return self.material_rows[key]

    def storey_of(self, spatial):
        if spatial is None:
            return None
        key = spatial.id()
        if key not in self.storeys:
            self.storeys[key] = _storey_of(spatial)
        return self.storeys[key]


def _associated_material(product):
    for rel in getattr(product, "HasAssociations", None) or ():
        if rel.is_a("IfcRelAssociatesMaterial"):
            return rel.RelatingMaterial
    return None


def _psets_and_qsets(model: ifcopenshell.file, product) -> tuple[dict, dict]:
    reader = _Reader(model)
    return reader.sets(product, reader.type_of(product))


def _material_rows(material, scale: float) -> list[dict]:
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
    return [{"name": attribute_value(material, "Name") or ""}]


FORWARD = 1  # ifcopenshell's attribute category of an entity's own (explicit) attribute


def attribute_value(entity, name: str):
    """An explicit attribute's value, or None where the class has no such attribute. (Asking
    ifcopenshell for a missing one by name tries it as a derived attribute first, which loads the
    schema's rules, a sixth of a small model's metadata phase.)"""
    if entity.get_attribute_category(name) != FORWARD:
        return None
    return entity.get_argument(entity.get_argument_index(name))


def _predefined_type(element, element_type) -> str:
    """As ifcopenshell.util.element.get_predefined_type: the type's, unless it says nothing."""
    if element_type is not None:
        value = attribute_value(element_type, "PredefinedType")
        if value == "USERDEFINED" or not value:
            if element_type.get_attribute_category("ElementType") == FORWARD:
                value = attribute_value(element_type, "ElementType")
            else:
                value = attribute_value(element_type, "ProcessType")
        if value and value != "NOTDEFINED":
            return value
    value = attribute_value(element, "PredefinedType")
    if value == "USERDEFINED" or not value:
        value = attribute_value(element, "ObjectType")
    return value or ""


def read_elements(model: ifcopenshell.file, elements: list | None = None, failed=None) -> Iterator[dict]:
    """One dict per physical element, in file order. An element that cannot be read in full (a
    damaged file's references to entities it lacks) comes with what its own attributes say, and
    `failed(element, exception)` hears of it."""
    reader = _Reader(model)
    for element in elements if elements is not None else physical_elements(model):
        try:
            yield _element_row(reader, element)
        except Exception as exc:
            if failed is not None:
                failed(element, exc)
            yield _bare_row(element)


def _bare_row(element) -> dict:
    try:
        name = element.Name or ""
    except Exception:
        name = ""
    return {
        "global_id": element.GlobalId,
        "ifc_class": element.is_a(),
        "predefined_type": "",
        "name": name,
        "type_name": "",
        "storey_global_id": "",
        "space_global_id": "",
        "assembly_global_id": "",
        "materials": [],
        "psets": {},
        "qsets": {},
    }


def _element_row(reader: _Reader, element) -> dict:
    parent = _spatial_parent(element)
    storey = reader.storey_of(parent)
    space = parent if parent is not None and parent.is_a("IfcSpace") else None
    assembly = ue.get_aggregate(element)
    element_type = reader.type_of(element)
    psets, qsets = reader.sets(element, element_type)
    return {
        "global_id": element.GlobalId,
        "ifc_class": element.is_a(),
        "predefined_type": _predefined_type(element, element_type),
        "name": element.Name or "",
        "type_name": (element_type.Name or "") if element_type is not None else "",
        "storey_global_id": storey.GlobalId if storey is not None else "",
        "space_global_id": space.GlobalId if space is not None else "",
        "assembly_global_id": assembly.GlobalId if assembly is not None and is_physical(assembly) else "",
        "materials": reader.materials(element, element_type),
        "psets": psets,
        "qsets": qsets,
    }
