"""Small IFC models built in code with ifcopenshell.api: the demo project's model and the models
the tests use. Two storeys, spaces in a zone, walls with material layer sets and property sets,
slabs (one L-shaped), columns, doors and windows; IFC4 or IFC2X3."""

import ifcopenshell
import ifcopenshell.api
import ifcopenshell.guid
import numpy as np

api = ifcopenshell.api.run


def _placed(model, product, x=0.0, y=0.0, z=0.0, rotation_deg=0.0):
    matrix = np.eye(4)
    angle = np.radians(rotation_deg)
    matrix[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    matrix[:3, 3] = [x, y, z]
    api("geometry.edit_object_placement", model, product=product, matrix=matrix)
    return product


_OWNERS: dict[int, tuple] = {}


def _owner_history_for(model) -> None:
    """IFC2X3 requires an owner history on every rooted entity: register who writes this file."""
    import ifcopenshell.api.owner.settings as owner_settings

    person = api("owner.add_person", model, identification="plumbline", family_name="Plumbline")
    organisation = api("owner.add_organisation", model, identification="plumbline", name="Plumbline")
    user = api("owner.add_person_and_organisation", model, person=person, organisation=organisation)
    application = api("owner.add_application", model)
    _OWNERS[id(model)] = (user, application)
    owner_settings.get_user = lambda f: _OWNERS.get(id(f), (None, None))[0]
    owner_settings.get_application = lambda f: _OWNERS.get(id(f), (None, None))[1]


class ModelBuilder:
    """Build a model step by step; every product gets a stable GlobalId if one is given."""

    def __init__(self, schema: str = "IFC4", name: str = "Plumbline demo"):
        self.model = api("project.create_file", version=schema)
        if schema == "IFC2X3":
            _owner_history_for(self.model)
        self.project = api("root.create_entity", self.model, ifc_class="IfcProject", name=name)
        units = [api("unit.add_si_unit", self.model, unit_type=t) for t in ("LENGTHUNIT", "AREAUNIT", "VOLUMEUNIT")]
        api("unit.assign_unit", self.model, units=units)
        model_context = api("context.add_context", self.model, context_type="Model")
        self.body = api(
            "context.add_context",
            self.model,
            context_type="Model",
            context_identifier="Body",
            target_view="MODEL_VIEW",
            parent=model_context,
        )
        self.site = self._entity("IfcSite", "Site")
        self.building = self._entity("IfcBuilding", "1#")
        api("aggregate.assign_object", self.model, relating_object=self.project, products=[self.site])
        api("aggregate.assign_object", self.model, relating_object=self.site, products=[self.building])
        self.storeys: list = []
        self._layer_sets: dict = {}

    def _entity(self, ifc_class, name, global_id=None, predefined_type=None):
        kwargs = {"ifc_class": ifc_class, "name": name}
        if predefined_type:
            kwargs["predefined_type"] = predefined_type
        entity = api("root.create_entity", self.model, **kwargs)
        if global_id:
            entity.GlobalId = global_id
        return entity

    def storey(self, name: str, elevation: float):
        storey = self._entity("IfcBuildingStorey", name)
        storey.Elevation = elevation
        api("aggregate.assign_object", self.model, relating_object=self.building, products=[storey])
        _placed(self.model, storey, z=elevation)
        self.storeys.append(storey)
        return storey

    def _contain(self, storey, product):
        api("spatial.assign_container", self.model, relating_structure=storey, products=[product])

    def layer_set(self, name: str, layers: list[tuple[str, float]]):
        if name not in self._layer_sets:
            layer_set = api("material.add_material_set", self.model, name=name, set_type="IfcMaterialLayerSet")
            for material_name, thickness in layers:
                material = api("material.add_material", self.model, name=material_name)
                layer = api("material.add_layer", self.model, layer_set=layer_set, material=material)
                api("material.edit_layer", self.model, layer=layer, attributes={"LayerThickness": thickness})
            self._layer_sets[name] = layer_set
        return self._layer_sets[name]

    def pset(self, product, name: str, properties: dict):
        pset = api("pset.add_pset", self.model, product=product, name=name)
        api("pset.edit_pset", self.model, pset=pset, properties=properties)

    def wall(
        self,
        storey,
        name,
        start,
        length,
        *,
        rotation=0.0,
        height=3.0,
        thickness=0.24,
        global_id=None,
        layers=(("混凝土 C30", 0.2), ("岩棉", 0.04)),
        fire_rating="REI90",
        is_external=True,
        relate=True,
    ):
        """A wall; with relate=False its container and material are left for the caller to assign
        to many walls at once (one call each: assigning them one by one is quadratic)."""
        wall = self._entity("IfcWall", name, global_id)
        representation = api(
            "geometry.add_wall_representation",
            self.model,
            context=self.body,
            length=length,
            height=height,
            thickness=thickness,
        )
        api("geometry.assign_representation", self.model, product=wall, representation=representation)
        _placed(self.model, wall, start[0], start[1], storey.Elevation, rotation)
        if relate:
            self._contain(storey, wall)
            api(
                "material.assign_material",
                self.model,
                products=[wall],
                material=self.layer_set(f"墙 {thickness * 1000:.0f}", list(layers)),
            )
        self.pset(wall, "Pset_WallCommon", {"FireRating": fire_rating, "IsExternal": is_external, "LoadBearing": True})
        return wall

    def slab(self, storey, name, outline, *, depth=0.2, global_id=None, material="混凝土 C30"):
        slab = self._entity("IfcSlab", name, global_id, predefined_type="FLOOR")
        representation = api(
            "geometry.add_slab_representation",
            self.model,
            context=self.body,
            depth=depth,
            polyline=[tuple(p) for p in outline],
        )
        api("geometry.assign_representation", self.model, product=slab, representation=representation)
        _placed(self.model, slab, 0, 0, storey.Elevation - depth)
        self._contain(storey, slab)
        api(
            "material.assign_material",
            self.model,
            products=[slab],
            material=api("material.add_material", self.model, name=material),
        )
        self.pset(slab, "Pset_SlabCommon", {"LoadBearing": True})
        return slab

    def column(self, storey, name, x, y, *, size=0.4, height=3.0, global_id=None):
        column = self._entity("IfcColumn", name, global_id, predefined_type="COLUMN")
        origin = self.model.create_entity(
            "IfcAxis2Placement2D", Location=self.model.create_entity("IfcCartesianPoint", Coordinates=(0.0, 0.0))
        )  # mandatory in IFC2X3
        profile = self.model.create_entity(
            "IfcRectangleProfileDef", ProfileType="AREA", Position=origin, XDim=size, YDim=size
        )
        representation = api(
            "geometry.add_profile_representation", self.model, context=self.body, profile=profile, depth=height
        )
        api("geometry.assign_representation", self.model, product=column, representation=representation)
        _placed(self.model, column, x, y, storey.Elevation)
        self._contain(storey, column)
        api(
            "material.assign_material",
            self.model,
            products=[column],
            material=api("material.add_material", self.model, name="混凝土 C40"),
        )
        return column

    def _box(self, ifc_class, storey, name, x, y, z, width, height, depth, global_id=None, rotation=0.0):
        product = self._entity(ifc_class, name, global_id)
        representation = api(
            "geometry.add_wall_representation",
            self.model,
            context=self.body,
            length=width,
            height=height,
            thickness=depth,
        )
        api("geometry.assign_representation", self.model, product=product, representation=representation)
        _placed(self.model, product, x, y, storey.Elevation + z, rotation)
        self._contain(storey, product)
        return product

    def door(self, storey, name, x, y, *, global_id=None, rotation=0.0):
        return self._box("IfcDoor", storey, name, x, y, 0.0, 0.9, 2.1, 0.1, global_id, rotation)

    def window(self, storey, name, x, y, *, global_id=None, rotation=0.0):
        return self._box("IfcWindow", storey, name, x, y, 0.9, 1.2, 1.5, 0.1, global_id, rotation)

    def space(self, storey, name, long_name, outline, *, height=2.8, global_id=None):
        space = self._entity("IfcSpace", name, global_id)
        space.LongName = long_name
        representation = api(
            "geometry.add_slab_representation",
            self.model,
            context=self.body,
            depth=height,
            polyline=[tuple(p) for p in outline],
        )
        api("geometry.assign_representation", self.model, product=space, representation=representation)
        _placed(self.model, space, 0, 0, storey.Elevation + height)
        api("aggregate.assign_object", self.model, relating_object=storey, products=[space])
        return space

    def zone(self, name, spaces):
        zone = self._entity("IfcZone", name)
        api("group.assign_group", self.model, group=zone, products=list(spaces))
        return zone

    def write(self, path) -> None:
        self.model.write(str(path))


def demo_model(schema: str = "IFC4") -> ifcopenshell.file:
    """The demo project's building 1#: two storeys of a small apartment block."""
    b = ModelBuilder(schema, "珠江新城保障性住房项目 1#")
    for level, elevation in (("1F", 0.0), ("2F", 3.0)):
        storey = b.storey(level, elevation)
        # an L-shaped floor slab: 12 x 8 m with a 4 x 4 m corner cut away
        b.slab(storey, f"{level} 楼板", [(0, 0), (12, 0), (12, 4), (8, 4), (8, 8), (0, 8)])
        b.wall(storey, f"{level} 南墙", (0, 0), 12)
        b.wall(storey, f"{level} 东墙 A", (12, 0), 4, rotation=90)
        b.wall(storey, f"{level} 内转角墙", (12, 4), 4, rotation=180, is_external=False)
        b.wall(storey, f"{level} 东墙 B", (8, 4), 4, rotation=90)
        b.wall(storey, f"{level} 北墙", (8, 8), 8, rotation=180)
        b.wall(storey, f"{level} 西墙", (0, 8), 8, rotation=270)
        b.wall(
            storey,
            f"{level} 内隔墙",
            (6, 0),
            4,
            rotation=90,
            thickness=0.12,
            layers=(("石膏板", 0.12),),
            fire_rating="EI30",
            is_external=False,
        )
        for i, (x, y) in enumerate([(0.2, 0.2), (11.8, 0.2), (0.2, 7.8), (7.8, 7.8)]):
            b.column(storey, f"{level} 柱 C{i + 1}", x, y)
        b.door(storey, f"{level} 入户门", 2.0, 0.07)
        b.window(storey, f"{level} 窗 W1", 8.0, 0.07)
        b.window(storey, f"{level} 窗 W2", 3.0, 8.07)
        unit_a = b.space(
            storey,
            f"{level}01",
            f"住宅 {level}01 客厅",
            [(0.12, 0.12), (5.94, 0.12), (5.94, 7.88), (0.12, 7.88)],
        )
        unit_b = b.space(
            storey,
            f"{level}02",
            f"住宅 {level}02 客厅",
            [(6.06, 0.12), (11.88, 0.12), (11.88, 3.88), (6.06, 3.88)],
        )
        b.zone(f"住宅单元 {level}", [unit_a, unit_b])
    return b.model


def grid_model(count: int, schema: str = "IFC4", *, assembly_parts: int = 0) -> ifcopenshell.file:
    """`count` walls in a grid on one storey: a model of a chosen size for benchmarks and tests.
    With `assembly_parts`, every that many walls are the parts of an IfcElementAssembly without a
    body of its own (as steel detailing tools export them): the assembly is in the storey, its
    parts are in the assembly."""
    b = ModelBuilder(schema, f"{count} walls")
    storey = b.storey("1F", 0.0)
    per_row = max(1, int(count**0.5))
    walls = [
        b.wall(storey, f"W{i}", (3.0 * (i % per_row), 1.0 * (i // per_row)), 2.5, thickness=0.2, relate=False)
        for i in range(count)
    ]
    contained = walls
    if assembly_parts > 0:
        contained = []
        history = b.model.by_type("IfcOwnerHistory")[0] if schema == "IFC2X3" else None
        for start in range(0, count, assembly_parts):
            assembly = b._entity("IfcElementAssembly", f"A{start // assembly_parts}")
            _placed(b.model, assembly)
            # the relation written directly: the aggregate API call per assembly made 20,000 walls take minutes
            b.model.create_entity(
                "IfcRelAggregates",
                GlobalId=ifcopenshell.guid.new(),
                OwnerHistory=history,
                RelatingObject=assembly,
                RelatedObjects=walls[start : start + assembly_parts],
            )
            contained.append(assembly)
    api("spatial.assign_container", b.model, relating_structure=storey, products=contained)
    layer_set = b.layer_set("墙 200", [("混凝土 C30", 0.2), ("岩棉", 0.04)])
    api("material.assign_material", b.model, products=walls, material=layer_set)
    return b.model


def demo_ids(entity: str = "IFCWALL") -> bytes:
    """An IDS with one rule: walls carry Pset_WallCommon.FireRating = REI90."""
    from ifctester import ids

    document = ids.Ids(title="耐火等级")
    spec = ids.Specification(name="墙体耐火极限 REI90", ifcVersion=["IFC2X3", "IFC4"])
    spec.applicability.append(ids.Entity(name=entity))
    spec.requirements.append(
        ids.Property(propertySet="Pset_WallCommon", baseName="FireRating", value="REI90", cardinality="required")
    )
    document.specifications.append(spec)
    return document.to_string().encode()
