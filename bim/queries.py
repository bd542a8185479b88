"""Reads of models, versions and elements, scoped to the user (model.view)."""

from dataclasses import dataclass, field

import shapely
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from plumbline.core.errors import Conflict, InvalidInput, NotFound
from projects.models import Project
from projects.queries import authorize

from .ifc.plan import storey_svg
from .ifc_names import ifc_class_name
from .models import Element, GlobalIdRemap, IdsFile, IdsRun, IfcModel, ModelVersion, Storey, VersionStatus

BROWSABLE = {VersionStatus.GEOMETRY, VersionStatus.READY}  # statuses whose elements can be read


def list_models(project: Project, *, user) -> QuerySet[IfcModel]:
    authorize(user, project, "model.view")
    return IfcModel.objects.filter(project=project, retired_at__isnull=True).prefetch_related("versions")


def get_version(project: Project, version_id: int, *, user) -> ModelVersion:
    authorize(user, project, "model.view")
    version = ModelVersion.objects.select_related("model").filter(pk=version_id, model__project=project).first()
    if version is None:
        raise NotFound(_("No model version %(id)s in project %(code)s.") % {"id": version_id, "code": project.code})
    return version


def get_browsable_version(project: Project, version_id: int, *, user) -> ModelVersion:
    """A version whose elements can be read (its metadata is in); 409 while it is not, or failed."""
    version = get_version(project, version_id, user=user)
    if version.status not in BROWSABLE:
        raise Conflict(
            _("Version %(number)s of %(model)s is %(status)s")
            % {"number": version.number, "model": version.model.name, "status": version.get_status_display()}
            + (
                _(": %(reason)s") % {"reason": version.failure_message()}
                if version.failure_reason
                else _("; its elements are not readable yet.")
            ),
            code="version_not_ready",
        )
    return version


def is_ingesting(version: ModelVersion) -> bool:
    """The version is still being read (its page refreshes itself until it is ready or failed)."""
    return version.status not in (VersionStatus.READY, VersionStatus.FAILED)


def get_version_diff(version: ModelVersion) -> dict:
    """What changed since the previous ready version, with the proposed and accepted remaps."""
    diff = version.diff or {}
    return {
        "version_id": version.pk,
        "previous_version_id": version.previous_id,
        **{key: diff.get(key, []) for key in ("added", "removed", "changed", "proposed_remaps")},
        "accepted_remaps": [{"from": r.old_global_id, "to": r.new_global_id} for r in version.remaps.all()],
        "counts": diff.get("counts", {}),
    }


def latest_ready_version(project: Project, *, user) -> ModelVersion | None:
    authorize(user, project, "model.view")
    return ModelVersion.objects.filter(model__project=project, status="ready").order_by("-finished_at").first()


def list_ready_versions(project: Project, *, user) -> list[ModelVersion]:
    """Every ready version of the project's models: models by name, newest version first."""
    authorize(user, project, "model.view")
    return list(
        ModelVersion.objects.filter(model__project=project, status=VersionStatus.READY)
        .select_related("model")
        .order_by("model__name", "model_id", "-number")
    )


def list_elements(
    version: ModelVersion,
    *,
    ifc_class: str | None = None,
    storey: str | None = None,
    material: str | None = None,
    name: str | None = None,
    pset: str | None = None,
    prop: str | None = None,
    value: str | None = None,
) -> QuerySet[Element]:
    """Elements of a version filtered by class, storey (GlobalId or name), material, name, and a
    property value (`pset`, `prop`, `value`: Pset_WallCommon / FireRating / REI90)."""
    qs = version.elements.select_related("storey", "space")
    if ifc_class:
        qs = qs.filter(ifc_class__iexact=ifc_class)
    if storey:
        qs = qs.filter(Q(storey__global_id=storey) | Q(storey__name=storey))
    if material:
        qs = qs.filter(material_names__icontains=material)
    if name:
        qs = qs.filter(name__icontains=name)
    if prop and not pset:
        raise InvalidInput(_("Name the property set (pset) the property belongs to."), field="pset")
    if pset:
        qs = qs.filter(psets__has_key=pset)
    if prop:
        # property names are free text (spaces, dots): match them in Python, not as lookup paths
        wanted = None if value is None else value.strip().lower()
        matching = [
            pk
            for pk, psets in qs.values_list("pk", "psets")
            if prop in psets.get(pset, {}) and (wanted is None or str(psets[pset][prop]).lower() == wanted)
        ]
        qs = qs.filter(pk__in=matching)
    return qs.order_by("ifc_class", "name", "pk")


def get_element(version: ModelVersion, global_id: str) -> Element:
    element = version.elements.select_related("storey", "space").filter(global_id=global_id).first()
    if element is None:
        raise NotFound(
            _("No element %(global_id)s in version %(number)s of %(model)s.")
            % {"global_id": global_id, "number": version.number, "model": version.model.name}
        )
    return element


def get_storey(version: ModelVersion, storey_global_id: str) -> Storey:
    storey = version.storeys.filter(global_id=storey_global_id).first()
    if storey is None:
        raise NotFound(_("No storey %(global_id)s in this version.") % {"global_id": storey_global_id})
    return storey


def elements_near(
    version: ModelVersion, storey: Storey, *, point=None, polygon=None, tolerance: float = 0.0, limit: int = 50
) -> list[Element]:
    """Elements on a storey at a plan point (within `tolerance` metres), or inside a polygon.

    The bounding-box columns (indexed) narrow the candidates; shapely decides.
    """
    if (point is None) == (polygon is None):
        raise InvalidInput(_("Give either a point or a polygon."))
    shape = shapely.Point(point).buffer(tolerance) if point is not None else shapely.Polygon(polygon)
    if not shape.is_valid:
        raise InvalidInput(_("The polygon is not valid (its outline crosses itself)."), field="polygon")
    minx, miny, maxx, maxy = shape.bounds
    candidates = storey.elements.exclude(footprint="").filter(
        min_x__lte=maxx, max_x__gte=minx, min_y__lte=maxy, max_y__gte=miny
    )
    hits = []
    for element in candidates:
        outline = shapely.from_wkt(element.footprint)
        if (point is not None and outline.intersects(shape)) or (polygon is not None and shape.covers(outline)):
            hits.append((outline.distance(shapely.Point(point)) if point is not None else 0.0, element))
    hits.sort(key=lambda pair: (pair[0], pair[1].ifc_class == "IfcSlab"))
    return [element for _, element in hits[:limit]]


def elements_at(storey: Storey, *, x: float, y: float, tolerance: float = 0.3) -> list[Element]:
    """Elements at a plan point of a storey, nearest first; a point far outside the storey (5 m
    past the outermost footprint) is refused, and the tolerance is kept between 0 and 5 m."""
    bounds = storey_bounds(storey)
    if bounds and not (bounds[0] - 5 <= x <= bounds[2] + 5 and bounds[1] - 5 <= y <= bounds[3] + 5):
        raise InvalidInput(
            _("The point (%(x)s, %(y)s) is outside storey %(storey)s.")
            % {"x": x, "y": y, "storey": storey.name or storey.global_id},
            code="outside_storey",
        )
    return elements_near(storey.version, storey, point=(x, y), tolerance=min(max(tolerance, 0), 5))


def storey_bounds(storey: Storey):
    boxes = storey.elements.exclude(footprint="").values_list("min_x", "min_y", "max_x", "max_y")
    boxes = list(boxes) + list(storey.spaces.exclude(footprint="").values_list("min_x", "min_y", "max_x", "max_y"))
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# slabs underneath, then walls, then the rest; openings' fillings (doors, windows) on top
DRAW_ORDER = {"IfcSlab": 0, "IfcCovering": 0, "IfcWall": 1, "IfcWallStandardCase": 1, "IfcDoor": 3, "IfcWindow": 3}


def storey_plan_svg(storey: Storey, pins: list | None = None, highlight: int | None = None, pin_href: str = "") -> str:
    spaces = [(s.global_id, s.long_name or s.name, s.footprint) for s in storey.spaces.exclude(footprint="")]
    elements = [(e.global_id, e.ifc_class, e.name, e.footprint) for e in storey.elements.exclude(footprint="")]
    elements.sort(key=lambda e: (DRAW_ORDER.get(e[1], 2), e[1]))
    links = {"pin_href": pin_href} if pin_href else {}
    names = {cls: ifc_class_name(cls) for cls in {e[1] for e in elements}}
    return storey_svg(spaces, elements, pins=pins or [], highlight=highlight, class_names=names, **links)


def pin_position(version: ModelVersion, global_ids: list[str]) -> tuple[float, float] | None:
    """Where a finding on elements is pinned: inside its first element's footprint."""
    return pin_positions(version, [global_ids]).get(global_ids[0]) if global_ids else None


def pin_positions(version: ModelVersion, findings_global_ids: list[list[str]]) -> dict[str, tuple[float, float]]:
    """Pin positions of many findings on elements at once (one query): first GlobalId -> point."""
    firsts = {ids[0] for ids in findings_global_ids if ids}
    rows = version.elements.filter(global_id__in=firsts).exclude(footprint="").values_list("global_id", "footprint")
    positions = {}
    for global_id, footprint in rows:
        point = shapely.from_wkt(footprint).representative_point()
        positions[global_id] = (point.x, point.y)
    return positions


def list_changed_elements(version: ModelVersion, limit: int = 200) -> list[dict]:
    """The first `limit` changed elements of the version's diff, each with its element row (for
    its name and class) beside what changed."""
    changed = (version.diff or {}).get("changed", [])[:limit]
    elements = {e.global_id: e for e in version.elements.filter(global_id__in=[c["global_id"] for c in changed])}
    return [{**c, "element": elements.get(c["global_id"])} for c in changed]


def follow_global_id(version: ModelVersion, global_id: str) -> str | None:
    """Where an element of an earlier version of the same model is in `version`: the same
    GlobalId, or the one an accepted remap names (followed through every version in between)."""
    earlier = ModelVersion.objects.filter(model=version.model, number__lte=version.number, status="ready")
    current = global_id
    for step in earlier.order_by("number"):
        remap = step.remaps.filter(old_global_id=current).first()
        if remap is not None:
            current = remap.new_global_id
    return current if version.elements.filter(global_id=current).exists() else None


@dataclass
class Followed:
    """Where an element of an earlier version is in a later one, and how it changed on the way."""

    global_id: str | None  # None: no longer in the model
    changes: set[str] = field(default_factory=set)  # "moved" (its footprint), "changed" (anything else)


def follow_elements(version: ModelVersion, since: ModelVersion, global_ids: list[str]) -> dict[str, Followed]:
    """Each GlobalId of `since` followed into `version` (a later version of the same model) through
    the accepted remaps of every version in between, with what their diffs say changed. A few
    queries for any number of GlobalIds: a plan's pins are followed at once."""
    followed = {g: Followed(g) for g in global_ids}
    if since.model_id != version.model_id or since.number > version.number:
        return {g: Followed(None) for g in global_ids}
    steps = (
        ModelVersion.objects.filter(
            model_id=version.model_id, status=VersionStatus.READY, number__gt=since.number, number__lte=version.number
        )
        .order_by("number")
        .prefetch_related("remaps")
    )
    for step in steps:
        remaps = {r.old_global_id: r.new_global_id for r in step.remaps.all()}
        changed = {c["global_id"]: c.get("fields", {}) for c in (step.diff or {}).get("changed", [])}
        for item in followed.values():
            if item.global_id in changed:
                fields = changed[item.global_id]
                if "footprint" in fields:
                    item.changes.add("moved")
                if set(fields) - {"footprint"}:
                    item.changes.add("changed")
            item.global_id = remaps.get(item.global_id, item.global_id)
    present = set(
        version.elements.filter(global_id__in={f.global_id for f in followed.values()}).values_list(
            "global_id", flat=True
        )
    )
    for item in followed.values():
        if item.global_id not in present:
            item.global_id = None
    return followed


def global_id_aliases(project: Project, global_id: str) -> set[str]:
    """The GlobalIds one element has had in the project's models: `global_id` and every GlobalId
    joined to it by accepted remaps, before or after it."""
    links: dict[str, set[str]] = {}
    for old, new in GlobalIdRemap.objects.filter(version__model__project=project).values_list(
        "old_global_id", "new_global_id"
    ):
        links.setdefault(old, set()).add(new)
        links.setdefault(new, set()).add(old)
    aliases, todo = {global_id}, [global_id]
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in aliases:
                aliases.add(other)
                todo.append(other)
    return aliases


def global_ids_with_aliases(project: Project, global_ids: set[str]) -> set[str]:
    """`global_ids` and every GlobalId joined to any of them by the project's accepted remaps, in
    one query whatever their number (records of a lot or a batch follow their elements)."""
    links: dict[str, set[str]] = {}
    for old, new in GlobalIdRemap.objects.filter(version__model__project=project).values_list(
        "old_global_id", "new_global_id"
    ):
        links.setdefault(old, set()).add(new)
        links.setdefault(new, set()).add(old)
    found, todo = set(global_ids), list(global_ids)
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def list_ids_files(project: Project, *, user):
    authorize(user, project, "model.view")
    return IdsFile.objects.filter(project=project)


def get_ids_run(project: Project, run_id: int, *, user) -> IdsRun:
    authorize(user, project, "model.view")
    run = (
        IdsRun.objects.select_related("ids_file", "version").filter(pk=run_id, version__model__project=project).first()
    )
    if run is None:
        raise NotFound(_("No IDS run %(id)s in project %(code)s.") % {"id": run_id, "code": project.code})
    return run


def failing_elements(run: IdsRun):
    """Failed (element, requirement) rows with the element's class and name."""
    names = dict(run.version.elements.values_list("global_id", "name"))
    classes = dict(run.version.elements.values_list("global_id", "ifc_class"))
    return [
        {
            "global_id": r.global_id,
            "ifc_class": classes.get(r.global_id, ""),
            "name": names.get(r.global_id, ""),
            "specification": r.specification,
            "requirement": r.requirement,
            "reason": r.reason,
        }
        for r in run.results.filter(is_passed=False).order_by("specification", "global_id")
    ]


def element_names(pairs: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """Names of elements by (version id, GlobalId), in one query: labels for lists of records."""
    if not pairs:
        return {}
    rows = Element.objects.filter(
        version_id__in={v for v, _ in pairs}, global_id__in={g for _, g in pairs}
    ).values_list("version_id", "global_id", "name")
    return {(v, g): name or g for v, g, name in rows}
