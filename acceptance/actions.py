"""Every state change of the acceptance tree: the contractor's split of a building (from the
GB 50300 catalogue) and its approval, lots generated from the model, lot inspection records and
photos, documents, and the signatures that accept each level. Each checks the actor's right first,
runs in one transaction and writes one audit event."""

import datetime
import uuid as uuid_module
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext

from bim import queries as bim_queries
from bim.models import Element, ModelVersion
from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from plumbline.core.limits import TEXT_LENGTH, require_fits
from plumbline.core.uploads import JPEG, PDF, PNG, store_upload
from projects.dates import check_date
from projects.models import Building, Person, Project, ProjectMembership
from projects.queries import authorize, person_of

from . import queries, rules
from .models import (
    NODE_MOVES,
    REQUIRED_DOCUMENTS,
    SITE_CAPACITIES,
    AcceptanceDocument,
    AcceptanceNode,
    AcceptanceSignature,
    Capacity,
    DocumentKind,
    InspectionResult,
    Level,
    LotCut,
    LotElement,
    LotInspection,
    LotPhoto,
    LotRule,
    NodeStatus,
    PlanStatus,
    SiteDesignation,
)

PHOTO_TYPES = {JPEG, PNG}
DOCUMENT_TYPES = {PDF, JPEG, PNG}
ELEMENT_BATCH = 2000


def _building(project: Project, building_id: int) -> Building:
    building = Building.objects.filter(pk=building_id, project=project).first()
    if building is None:
        raise NotFound(gettext("No building %(id)s in project %(code)s.") % {"id": building_id, "code": project.code})
    return building


def _move(node: AcceptanceNode, status: str) -> list:
    if status not in NODE_MOVES[node.status]:
        raise InvalidTransition(
            gettext("%(node)s is %(status)s: it cannot become %(target)s.")
            % {"node": node.name, "status": node.get_status_display(), "target": NodeStatus(status).label},
            allowed=list(NODE_MOVES[node.status]),
        )
    change = [node.status, status]
    node.status = status
    return change


# --- the split ----------------------------------------------------------------------------------


def propose_acceptance_plan(
    project: Project, *, building_id: int, sub_items: list[dict], actor
) -> tuple[AcceptanceNode, list[AcceptanceNode]]:
    """The contractor proposes a building's split: the sub-items it needs (catalogue codes), which
    brings their sub-divisions and divisions with them, and for hidden works the sub-items each
    one covers up. Proposing again adds to the split and asks for approval again."""
    authorize(actor, project, "acceptance.plan")  # the right first, then the input
    building = _building(project, building_id)
    entries = rules.catalogue()
    if not sub_items:
        raise InvalidInput(gettext("Name at least one sub-item (分项) of the catalogue."), field="sub_items")
    wanted: dict[str, list[str]] = {}
    for position, item in enumerate(sub_items):
        code = str(item.get("code", "")).strip()
        entry = entries.get(code)
        if entry is None or entry.level != Level.SUB_ITEM:
            raise InvalidInput(
                gettext("%(code)s is not a sub-item code of the GB 50300 catalogue (six digits, e.g. 020102).")
                % {"code": repr(code)},
                field=f"sub_items.{position}.code",
            )
        covers = [str(c).strip() for c in item.get("covers") or []]
        for covered in covers:
            if covered == code or entries.get(covered) is None or entries[covered].level != Level.SUB_ITEM:
                raise InvalidInput(
                    gettext("%(code)s cannot be covered up by %(by)s: name another sub-item of the catalogue.")
                    % {"code": repr(covered), "by": code},
                    field=f"sub_items.{position}.covers",
                )
        wanted[code] = sorted(set(wanted.get(code, [])) | set(covers))
    for code, covers in wanted.items():
        missing = [c for c in covers if c not in wanted]
        if missing:
            raise InvalidInput(
                gettext("%(code)s covers up %(missing)s: put it in the split too.")
                % {"code": code, "missing": ", ".join(missing)},
                field="sub_items",
            )
    with transaction.atomic():
        building = Building.objects.select_for_update().get(pk=building.pk)
        authorize(actor, project, "acceptance.plan")
        unit, unit_created = AcceptanceNode.objects.get_or_create(
            building=building,
            level=Level.UNIT_PROJECT,
            defaults={
                "project": project,
                "code": building.name,
                "name": gettext("%(building)s unit project") % {"building": building.name},
                "plan_status": PlanStatus.PROPOSED,
            },
        )
        if unit.status == NodeStatus.ACCEPTED:
            raise Conflict(gettext("%(node)s is accepted: its split is closed.") % {"node": unit.name})
        existing = {(n.level, n.code): n for n in AcceptanceNode.objects.filter(building=building).exclude(pk=unit.pk)}
        created, changed = [], []

        def node(level, code, parent):
            found = existing.get((level, code))
            if found is not None:
                return found
            made = AcceptanceNode.objects.create(
                project=project, building=building, parent=parent, level=level, code=code, name=entries[code].name
            )
            existing[(level, code)] = made
            created.append(made)
            return made

        for code, covers in sorted(wanted.items()):
            sub_division_code = entries[code].parent
            division_code = entries[sub_division_code].parent
            division = node(Level.DIVISION, division_code, unit)
            sub_division = node(Level.SUB_DIVISION, sub_division_code, division)
            sub_item = node(Level.SUB_ITEM, code, sub_division)
            if sorted(sub_item.covers_codes or []) != covers and covers:
                if sub_item.status == NodeStatus.ACCEPTED:
                    raise Conflict(gettext("%(node)s is accepted: its split is closed.") % {"node": sub_item.name})
                sub_item.covers_codes = sorted(set(sub_item.covers_codes or []) | set(covers))
                sub_item.save(update_fields=["covers_codes"])
                changed.append(sub_item)
        if not (created or changed or unit_created):
            return unit, []
        changes = {
            "added": [None, [f"{n.level}:{n.code}" for n in created]],
            "hold_points": [None, {n.code: n.covers_codes for n in [*created, *changed] if n.covers_codes}],
        }
        if unit.plan_status != PlanStatus.PROPOSED:
            changes["plan_status"] = [unit.plan_status, PlanStatus.PROPOSED]
            unit.plan_status = PlanStatus.PROPOSED
            unit.save(update_fields=["plan_status"])
        record_event("acceptance.plan_proposed", actor=actor, project=project, target=unit, changes=changes)
    return unit, created


def approve_acceptance_plan(project: Project, *, building_id: int, actor) -> AcceptanceNode:
    """The chief supervising engineer approves the contractor's split of a building."""
    authorize(actor, project, "acceptance.approve_plan")
    building = _building(project, building_id)
    with transaction.atomic():
        unit = AcceptanceNode.objects.select_for_update().filter(building=building, level=Level.UNIT_PROJECT).first()
        if unit is None:
            raise Conflict(
                gettext("%(building)s has no proposed split to approve.") % {"building": building.name},
                code="no_plan",
            )
        if unit.plan_status == PlanStatus.APPROVED:
            raise InvalidTransition(gettext("This split is already approved."), allowed=[])
        divisions = unit.children.count()
        unit.plan_status = PlanStatus.APPROVED
        unit.save(update_fields=["plan_status"])
        record_event(
            "acceptance.plan_approved",
            actor=actor,
            project=project,
            target=unit,
            changes={"plan_status": [PlanStatus.PROPOSED, PlanStatus.APPROVED], "divisions": [None, divisions]},
        )
    return unit


# --- lots generated from the model --------------------------------------------------------------


def _rule_elements(version: ModelVersion, building: Building, rule: dict) -> list[tuple]:
    """(global_id, ifc_class, storey global id, storey name, elevation, zone) of the version's
    elements that the rule picks, in the building's storeys. One query (two with a property
    filter, two more when cut by zone)."""
    qs = Element.objects.filter(version=version, ifc_class__in=rule["ifc_classes"])
    if building.ifc_global_ids:
        qs = qs.filter(storey__building_global_id__in=building.ifc_global_ids)
    if rule["material"]:
        qs = qs.filter(material_names__icontains=rule["material"])
    if rule["pset"]:
        qs = bim_queries.list_elements(
            version, pset=rule["pset"], prop=rule["prop"] or None, value=rule["value"] or None
        ).filter(pk__in=qs.values("pk"))
    rows = qs.order_by().values_list(
        "global_id", "ifc_class", "storey__global_id", "storey__name", "storey__elevation", "storey_id"
    )
    zone_of = _zones_of(version, qs) if rule["cut"] == LotCut.ZONE else {}
    return [
        (global_id, ifc_class, storey_gid or "", storey_name or "", elevation, zone_of.get(global_id, ""))
        for global_id, ifc_class, storey_gid, storey_name, elevation, _storey_id in rows
    ]


def _zones_of(version: ModelVersion, elements) -> dict[str, str]:
    """The zone of each element: its space's first zone, the space it is contained in or else
    the one of its storey whose plan box holds the middle of the element's box."""
    from bim.models import Space

    spaces = defaultdict(list)
    for storey_id, zones, box in (
        (s.storey_id, s.zones, (s.min_x, s.min_y, s.max_x, s.max_y))
        for s in Space.objects.filter(version=version).only("storey_id", "zones", "min_x", "min_y", "max_x", "max_y")
    ):
        if zones and None not in box:
            spaces[storey_id].append((box, str(zones[0])))
    found = {}
    for global_id, storey_id, own_zones, min_x, min_y, max_x, max_y in elements.values_list(
        "global_id", "storey_id", "space__zones", "min_x", "min_y", "max_x", "max_y"
    ):
        if own_zones:
            found[global_id] = str(own_zones[0])
            continue
        if None in (min_x, min_y, max_x, max_y):
            continue
        x, y = (min_x + max_x) / 2, (min_y + max_y) / 2
        for (sx0, sy0, sx1, sy1), zone in spaces.get(storey_id, ()):
            if sx0 <= x <= sx1 and sy0 <= y <= sy1:
                found[global_id] = zone
                break
    return found


def _clean_rule(ifc_classes, material, pset, prop, value, cut) -> dict:
    classes = sorted({str(c).strip() for c in ifc_classes or [] if str(c).strip()})
    if not classes:
        raise InvalidInput(
            gettext("Name the IFC classes the lots cover (e.g. IfcColumn, IfcBeam)."), field="ifc_classes"
        )
    bad = [c for c in classes if not c.startswith("Ifc") or not c.isalnum()]
    if bad:
        raise InvalidInput(
            gettext("%(value)s is not an IFC class name (e.g. IfcWall).") % {"value": repr(bad[0])},
            field="ifc_classes",
        )
    if cut not in LotCut.values:
        raise InvalidInput(
            gettext("%(value)s is not a way to cut lots: use storey or zone.") % {"value": repr(cut)}, field="cut"
        )
    if prop and not pset:
        raise InvalidInput(gettext("Name the property set (pset) the property belongs to."), field="pset")
    return {
        "ifc_classes": classes,
        "material": (material or "").strip(),
        "pset": (pset or "").strip(),
        "prop": (prop or "").strip(),
        "value": "" if value is None else str(value).strip(),
        "cut": cut,
    }


def generate_inspection_lots(
    project: Project,
    *,
    building_id: int,
    sub_item_code: str,
    ifc_classes: list[str],
    material: str = "",
    pset: str = "",
    prop: str = "",
    value: str | None = None,
    cut: str = LotCut.STOREY,
    version_id: int | None = None,
    actor,
) -> dict:
    """Cut a sub-item's lots out of a model version: one lot per storey (or per storey and zone)
    with the elements the rule picks. Run again (the same rule) on a newer version, it follows the
    lots' elements there, adds the new elements (a new lot where a storey's lot is accepted) and
    lists the lots whose elements vanished."""
    authorize(actor, project, "acceptance.generate")  # the right first, then the input
    building = _building(project, building_id)
    rule_values = _clean_rule(ifc_classes, material, pset, prop, value, cut)
    sub_item = AcceptanceNode.objects.filter(
        building=building, level=Level.SUB_ITEM, code=(sub_item_code or "").strip()
    ).first()
    if sub_item is None:
        entry = rules.catalogue().get((sub_item_code or "").strip())
        if entry is None or entry.level != Level.SUB_ITEM:
            message = gettext("%(code)s is not a sub-item code of the GB 50300 catalogue (six digits, e.g. 020102).")
        else:
            message = gettext("Sub-item %(code)s is not in this building's split: propose it first.")
        raise InvalidInput(message % {"code": repr(sub_item_code)}, field="sub_item_code")
    if version_id is None:
        version = queries.newest_version_of_building(building)
        if version is None:
            raise Conflict(
                gettext("No ready model version has the storeys of %(building)s.") % {"building": building.name},
                code="no_model",
            )
    else:
        version = _version_of_project(project, version_id)
        if version.status != "ready":
            raise Conflict(
                gettext("Version %(number)s is %(status)s: lots are cut from ready versions.")
                % {"number": version.number, "status": version.get_status_display()},
                code="version_not_ready",
            )
    picked = _rule_elements(version, building, rule_values)
    with transaction.atomic():
        sub_item = AcceptanceNode.objects.select_for_update().get(pk=sub_item.pk)
        if sub_item.status == NodeStatus.ACCEPTED:
            raise Conflict(gettext("%(node)s is accepted: its lots are closed.") % {"node": sub_item.name})
        rule = LotRule.objects.filter(sub_item=sub_item, **rule_values).first()
        if rule is None:
            rule = LotRule.objects.create(sub_item=sub_item, created_by=actor, **rule_values)
        elif rule.last_version_id is not None and rule.last_version_id != version.pk:
            last = rule.last_version
            if last.model_id == version.model_id and last.number > version.number:
                raise Conflict(
                    gettext("These lots were cut from version %(last)s already: run the rule on a newer version.")
                    % {"last": last.number},
                    code="older_version",
                )
        result = _apply_rule(project, building, sub_item, rule, version, picked)
        rule.last_version = version
        rule.save(update_fields=["last_version"])
        record_event(
            "acceptance.lots_generated",
            actor=actor,
            project=project,
            target=sub_item,
            changes={
                "rule": [None, {**rule_values, "id": rule.pk}],
                "version": [None, version.pk],
                "created": [None, [lot.code for lot in result["created"]]],
                "extended": [None, {lot.code: n for lot, n in result["extended"]}],
                "vanished": [None, {lot.code: gids for lot, gids in result["vanished"]}],
            },
        )
    return {**result, "rule": rule, "version": version}


def _apply_rule(project, building, sub_item, rule, version, picked) -> dict:
    """Follow the rule's lots into `version`, then add what the rule picks and no lot covers."""
    lots = list(AcceptanceNode.objects.filter(rule=rule).order_by("code"))
    vanished, followed_into = [], {}
    by_version = defaultdict(list)
    for lot in lots:
        if lot.version_id != version.pk:
            by_version[lot.version_id].append(lot)
    for since_id, group in by_version.items():
        since = ModelVersion.objects.get(pk=since_id)
        elements = list(LotElement.objects.filter(lot__in=group, is_present=True))
        followed = bim_queries.follow_elements(version, since, sorted({e.global_id for e in elements}))
        gone = defaultdict(list)
        moved = []
        for element in elements:
            now = followed[element.global_id].global_id
            if now is None:
                element.is_present = False
                gone[element.lot_id].append(element.global_id)
            elif now != element.global_id:
                element.global_id = now
                moved.append(element)
            followed_into[element.global_id] = element.lot_id
        LotElement.objects.bulk_update(
            [e for e in elements if not e.is_present] + moved, ["is_present", "global_id"], batch_size=ELEMENT_BATCH
        )
        for lot in group:
            lot.version = version
            if gone.get(lot.pk):
                vanished.append((lot, sorted(gone[lot.pk])))
        AcceptanceNode.objects.bulk_update(group, ["version"])
    covered = set(LotElement.objects.filter(lot__rule=rule, is_present=True).values_list("global_id", flat=True)) | set(
        followed_into
    )
    open_lot = {}  # (storey, zone) -> a lot of the rule that still takes elements
    for lot in lots:
        if lot.status != NodeStatus.ACCEPTED:
            open_lot.setdefault((lot.storey_global_id, lot.zone), lot)
    groups: dict[tuple, list] = defaultdict(list)
    names = {}
    for global_id, ifc_class, storey_gid, storey_name, elevation, zone in picked:
        if global_id in covered:
            continue
        key = (storey_gid, zone if rule.cut == LotCut.ZONE else "")
        groups[key].append((global_id, ifc_class))
        names[key] = (storey_name, elevation)
    number = _last_lot_number(sub_item)
    created, extended, new_lots = [], [], []
    for key in sorted(groups, key=lambda k: (names[k][1] is None, names[k][1] or 0, names[k][0], k[1])):
        lot = open_lot.get(key)
        if lot is None:
            number += 1
            storey_name = names[key][0]
            label = " ".join(part for part in (sub_item.name, storey_name, key[1]) if part)
            lot = AcceptanceNode(
                project=project,
                building=building,
                parent=sub_item,
                level=Level.INSPECTION_LOT,
                code=f"{sub_item.code}-{number:03d}",
                name=label,
                version=version,
                rule=rule,
                storey_global_id=key[0],
                storey_name=storey_name,
                zone=key[1],
            )
            new_lots.append(lot)
            created.append(lot)
        else:
            extended.append((lot, len(groups[key])))
    AcceptanceNode.objects.bulk_create(new_lots)
    rows = []
    for key, members in groups.items():
        lot = open_lot.get(key) or next(n for n in new_lots if (n.storey_global_id, n.zone) == key)
        rows += [LotElement(lot=lot, global_id=g, ifc_class=c) for g, c in members]
    LotElement.objects.bulk_create(rows, batch_size=ELEMENT_BATCH)
    return {"created": created, "extended": extended, "vanished": vanished}


def _last_lot_number(sub_item: AcceptanceNode) -> int:
    codes = AcceptanceNode.objects.filter(parent=sub_item, level=Level.INSPECTION_LOT).values_list("code", flat=True)
    numbers = [int(c.rsplit("-", 1)[1]) for c in codes if "-" in c and c.rsplit("-", 1)[1].isdigit()]
    return max(numbers, default=0)


def _version_of_project(project: Project, version_id: int) -> ModelVersion:
    version = ModelVersion.objects.select_related("model").filter(pk=version_id).first()
    if version is None or version.model.project_id != project.pk:
        raise InvalidInput(
            gettext("No model version %(id)s in project %(code)s.") % {"id": version_id, "code": project.code},
            field="version_id",
        )
    return version


def add_inspection_lot(
    project: Project,
    *,
    sub_item_id: int,
    name: str,
    zone: str = "",
    storey_global_id: str = "",
    version_id: int | None = None,
    global_ids: list[str] | None = None,
    capacity_quantity=None,
    capacity_unit: str = "",
    actor,
) -> AcceptanceNode:
    """A lot drawn by hand: a construction section or zone (with its capacity as a quantity)
    and/or elements of a model version of the project, for work the model does not show."""
    authorize(actor, project, "acceptance.generate")  # the right first, then the input
    sub_item = queries.get_node(project, sub_item_id, user=actor)
    if sub_item.level != Level.SUB_ITEM:
        raise InvalidInput(gettext("Lots hang on a sub-item (分项)."), field="sub_item_id")
    name = (name or "").strip()
    if not name:
        raise InvalidInput(gettext("Name the lot (e.g. its storey or construction section)."), field="name")
    global_ids = sorted({str(g).strip() for g in global_ids or [] if str(g).strip()})
    version, storey_name, classes = None, "", {}
    if version_id is not None:
        version = _version_of_project(project, version_id)
        if global_ids:
            classes = dict(
                Element.objects.filter(version=version, global_id__in=global_ids).values_list("global_id", "ifc_class")
            )
            unknown = [g for g in global_ids if g not in classes]
            if unknown:
                raise InvalidInput(
                    gettext("%(global_id)s is not an element of version %(number)s.")
                    % {"global_id": unknown[0], "number": version.number},
                    field="global_ids",
                )
        if storey_global_id:
            storey_name = bim_queries.get_storey(version, storey_global_id).name
    elif global_ids or storey_global_id:
        raise InvalidInput(gettext("Name the model version the elements or storey belong to."), field="version_id")
    if not global_ids and capacity_quantity is None:
        raise InvalidInput(
            gettext("A lot without elements needs its capacity as a quantity (e.g. 120 m3)."), field="capacity_quantity"
        )
    probe = AcceptanceNode(capacity_quantity=None, capacity_unit="")
    quantity, unit = _capacity_input(probe, capacity_quantity, capacity_unit)
    with transaction.atomic():
        sub_item = AcceptanceNode.objects.select_for_update().get(pk=sub_item.pk)
        if sub_item.status == NodeStatus.ACCEPTED:
            raise Conflict(gettext("%(node)s is accepted: its lots are closed.") % {"node": sub_item.name})
        lot = AcceptanceNode.objects.create(
            project=project,
            building=sub_item.building,
            parent=sub_item,
            level=Level.INSPECTION_LOT,
            code=f"{sub_item.code}-{_last_lot_number(sub_item) + 1:03d}",
            name=name[:200],
            version=version,
            storey_global_id=storey_global_id or "",
            storey_name=storey_name,
            zone=(zone or "").strip()[:100],
            capacity_quantity=quantity,
            capacity_unit=unit,
        )
        LotElement.objects.bulk_create([LotElement(lot=lot, global_id=g, ifc_class=classes[g]) for g in global_ids])
        record_event(
            "acceptance.lot_added",
            actor=actor,
            project=project,
            target=lot,
            changes={
                "code": [None, lot.code],
                "name": [None, lot.name],
                "elements": [None, len(global_ids)],
                "capacity": [None, f"{quantity} {unit}" if quantity is not None else None],
            },
        )
    return lot


# --- the lot's inspection record ----------------------------------------------------------------


def _number(value, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(gettext("%(field)s must be a number.") % {"field": field}, field=field)
    return float(value)


def _clean_items(items, sample_size: int) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise InvalidInput(gettext("Record at least one check item."), field="items")
    cleaned = []
    for position, item in enumerate(items):
        where = f"items.{position}"
        kind = item.get("kind")
        if kind not in ("main", "general"):
            raise InvalidInput(
                gettext("An item is main (主控项目) or general (一般项目), not %(value)s.") % {"value": repr(kind)},
                field=f"{where}.kind",
            )
        name = str(item.get("name") or "").strip()
        if not name:
            raise InvalidInput(gettext("Name each check item."), field=f"{where}.name")
        pass_rate = _number(item.get("pass_rate"), f"{where}.pass_rate")
        if pass_rate is not None and not 0 < pass_rate <= 1:
            raise InvalidInput(gettext("A pass rate lies between 0 and 1 (0.8 is 80%)."), field=f"{where}.pass_rate")
        points = []
        for index, point in enumerate(item.get("points") or []):
            at = f"{where}.points.{index}"
            clean = {
                "label": str(point.get("label") or "").strip()[:100],
                "measured": _number(point.get("measured"), f"{at}.measured"),
                "design": _number(point.get("design"), f"{at}.design"),
                "tolerance_low": _number(point.get("tolerance_low"), f"{at}.tolerance_low"),
                "tolerance_high": _number(point.get("tolerance_high"), f"{at}.tolerance_high"),
                "passed": point.get("passed") if isinstance(point.get("passed"), bool) else None,
                "serious_defect": bool(point.get("serious_defect")),
            }
            if clean["passed"] is None and clean["measured"] is None and not clean["serious_defect"]:
                raise InvalidInput(
                    gettext("Give each sampled point its measured value or whether it passed."), field=at
                )
            if (
                clean["passed"] is None
                and clean["measured"] is not None
                and (clean["tolerance_low"] is None and clean["tolerance_high"] is None)
            ):
                raise InvalidInput(gettext("A measured point needs its tolerance."), field=f"{at}.tolerance_low")
            points.append(clean)
        result = item.get("result")
        if not points and result not in ("pass", "fail"):
            raise InvalidInput(
                gettext("%(item)s needs its sampled points or a result (pass or fail).") % {"item": name},
                field=f"{where}.points",
            )
        if points and len(points) < sample_size:
            raise InvalidInput(
                gettext(
                    "%(item)s has %(count)s sampled points; this lot needs at least %(minimum)s (GB 50300 table 3.0.9)."
                )
                % {"item": name, "count": len(points), "minimum": sample_size},
                field=f"{where}.points",
            )
        clean_item = {"kind": kind, "name": name[:200], "points": points, "result": result if not points else None}
        if kind == "general":
            clean_item["pass_rate"] = rules.GENERAL_PASS_RATE if pass_rate is None else pass_rate
        outcome = rules.judge_item(clean_item)
        clean_item.update(passed=outcome.passed, passing=outcome.passing, reason=outcome.reason)
        cleaned.append(clean_item)
    return cleaned


def _uuid(value, field: str) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput(gettext("%(value)s is not a UUID.") % {"value": repr(value)}, field=field) from None


def _capacity_input(lot: AcceptanceNode, capacity_quantity, capacity_unit) -> tuple[Decimal | None, str]:
    if capacity_quantity is None:
        return lot.capacity_quantity, lot.capacity_unit
    try:
        quantity = Decimal(str(capacity_quantity))
    except InvalidOperation:
        raise InvalidInput(gettext("The lot's capacity must be a number."), field="capacity_quantity") from None
    if quantity <= 0:
        raise InvalidInput(gettext("The lot's capacity must be above zero."), field="capacity_quantity")
    unit = (capacity_unit or "").strip()
    if unit not in ("m2", "m3", "t", "m", "pcs"):
        raise InvalidInput(gettext("Give the capacity's unit: m2, m3, t, m or pcs."), field="capacity_unit")
    return quantity.quantize(Decimal("0.001")), unit


def record_lot_inspection(
    project: Project,
    *,
    lot_id: int,
    client_uuid,
    inspected_on: datetime.date,
    items: list[dict],
    note: str = "",
    capacity_quantity=None,
    capacity_unit: str = "",
    actor,
) -> tuple[LotInspection, bool]:
    """The contractor records a lot's check: main-control items must all pass, general items reach
    their pass rate with no serious defect, each sampled item with at least the lot's minimum
    sample. A passing record makes the lot ready to sign; a failing one is kept and the lot waits
    for a new record after rectification. The same client UUID returns the first record."""
    authorize(actor, project, "acceptance.inspect")
    client_uuid = _uuid(client_uuid, "client_uuid")
    existing = LotInspection.objects.filter(client_uuid=client_uuid).select_related("lot").first()
    if existing is not None:
        if existing.lot.project_id != project.pk or existing.lot_id != lot_id:
            raise Conflict(gettext("This client UUID belongs to another record."), code="uuid_taken")
        return existing, False
    lot = queries.get_lot(project, lot_id, user=actor)
    check_date(inspected_on, field="inspected_on", label=gettext("The inspection date"), not_after_today=True)
    quantity, unit = _capacity_input(lot, capacity_quantity, capacity_unit)
    capacity = float(quantity) if quantity is not None else lot.elements.filter(is_present=True).count()
    sample_size = rules.minimum_sample_size(capacity)
    cleaned = _clean_items(items, sample_size)
    with transaction.atomic():
        lot = AcceptanceNode.objects.select_for_update().get(pk=lot.pk)
        unit_project = queries.unit_project_of(lot.building)
        refusals = []
        if unit_project is None or unit_project.plan_status != PlanStatus.APPROVED:
            refusals.append(
                queries.reason(
                    "plan_not_approved",
                    gettext("The chief supervising engineer has not approved %(building)s's acceptance split yet.")
                    % {"building": lot.building.name},
                )
            )
        refusals += queries.hold_point_blockers(lot)
        if refusals:
            raise Conflict(
                gettext("The lot cannot be opened yet: %(reasons)s")
                % {"reasons": "; ".join(r["message"] for r in refusals)},
                code="lot_not_open",
                extra={"reasons": refusals},
            )
        passed = all(i["passed"] for i in cleaned)
        status = NodeStatus.INSPECTED if passed else NodeStatus.FAILED
        change = _move(lot, status)
        failures = [{"item": i["name"], "reason": i["reason"]} for i in cleaned if not i["passed"]]
        inspection = LotInspection.objects.create(
            lot=lot,
            client_uuid=client_uuid,
            inspected_on=inspected_on,
            items=cleaned,
            sample_size=sample_size,
            result=InspectionResult.PASSED if passed else InspectionResult.FAILED,
            failures=failures,
            note=require_fits((note or "").strip(), field="note", limit=TEXT_LENGTH, label=gettext("Note")),
            recorded_by=actor,
        )
        fields = ["status"]
        changes = {"status": change, "result": [None, inspection.result], "failures": [None, failures]}
        if (quantity, unit) != (lot.capacity_quantity, lot.capacity_unit):
            changes["capacity"] = [
                f"{lot.capacity_quantity} {lot.capacity_unit}" if lot.capacity_quantity is not None else None,
                f"{quantity} {unit}",
            ]
            lot.capacity_quantity, lot.capacity_unit = quantity, unit
            fields += ["capacity_quantity", "capacity_unit"]
        lot.save(update_fields=fields)
        record_event("acceptance.lot_inspected", actor=actor, project=project, target=lot, changes=changes)
    return inspection, True


def add_lot_photo(
    project: Project,
    *,
    lot_id: int,
    client_uuid,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> tuple[LotPhoto, bool]:
    """A photo of the lot on site (JPEG or PNG by content); the same client UUID returns the first."""
    authorize(actor, project, "acceptance.inspect")
    client_uuid = _uuid(client_uuid, "client_uuid")
    existing = LotPhoto.objects.filter(client_uuid=client_uuid, lot__project=project, lot_id=lot_id).first()
    if existing is not None:
        return existing, False
    lot = queries.get_lot(project, lot_id, user=actor)
    stored = store_upload(
        stream, allowed=PHOTO_TYPES, max_bytes=settings.PHOTO_MAX_BYTES, what=gettext("The photo"), size=size
    )
    try:
        with transaction.atomic():
            photo = LotPhoto(lot=lot, client_uuid=client_uuid)
            photo.set_stored(stored, original_name=original_name, uploaded_by=actor)
            photo.save()
            record_event(
                "acceptance.lot_photo_added",
                actor=actor,
                project=project,
                target=lot,
                changes={"photo": [None, stored.sha256]},
            )
    except IntegrityError:
        raise Conflict(gettext("This client UUID belongs to another record."), code="uuid_taken") from None
    return photo, True


def upload_acceptance_document(
    project: Project,
    *,
    node_id: int,
    kind: str,
    title: str = "",
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> AcceptanceDocument:
    """File a document a level needs: a division's safety and function test records, the unit
    project's survey and design quality reports, pre-acceptance and self-check (PDF, JPEG, PNG)."""
    authorize(actor, project, "acceptance.document")
    if kind not in DocumentKind.values:
        raise InvalidInput(
            gettext("%(value)s is not a document kind: use one of %(choices)s.")
            % {"value": repr(kind), "choices": ", ".join(DocumentKind.values)},
            field="kind",
        )
    node = queries.get_node(project, node_id, user=actor)
    if kind not in REQUIRED_DOCUMENTS.get(node.level, []):
        raise InvalidInput(
            gettext("A %(level)s does not take a %(document)s.")
            % {"level": Level(node.level).label, "document": DocumentKind(kind).label},
            field="kind",
        )
    stored = store_upload(
        stream, allowed=DOCUMENT_TYPES, max_bytes=settings.LETTER_MAX_BYTES, what=gettext("The document"), size=size
    )
    with transaction.atomic():
        node = AcceptanceNode.objects.select_for_update().get(pk=node.pk)
        if node.status == NodeStatus.ACCEPTED:
            raise Conflict(gettext("%(node)s is accepted: its file is closed.") % {"node": node.name})
        document = AcceptanceDocument(node=node, kind=kind, title=(title or "").strip()[:200])
        document.set_stored(stored, original_name=original_name, uploaded_by=actor)
        document.save()
        record_event(
            "acceptance.document_filed",
            actor=actor,
            project=project,
            target=node,
            changes={"kind": [None, kind], "sha256": [None, stored.sha256], "size": [None, stored.size]},
        )
    return document


# --- signing ------------------------------------------------------------------------------------


def designate_site_staff(
    project: Project,
    *,
    person_id: int,
    capacity: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    actor,
) -> SiteDesignation:
    """The contractor names a member of its staff on the project its quality inspector, foreman
    or technical lead from `start_date` (to `end_date`): who may sign in that capacity on a date."""
    authorize(actor, project, "acceptance.designate")  # the right first, then the input
    if capacity not in SITE_CAPACITIES:
        raise InvalidInput(
            gettext("%(value)s is not a site capacity: use one of %(choices)s.")
            % {"value": repr(capacity), "choices": ", ".join(SITE_CAPACITIES)},
            field="capacity",
        )
    person = Person.objects.filter(pk=person_id).first()
    if (
        person is None
        or not ProjectMembership.objects.filter(project=project, person=person, role=rules.DESIGNATED_ROLE).exists()
    ):
        raise InvalidInput(
            gettext("Person %(id)s is not contractor staff on project %(code)s.")
            % {"id": person_id, "code": project.code},
            field="person_id",
        )
    check_date(start_date, field="start_date", label=gettext("The start date"))
    if end_date is not None:
        check_date(end_date, field="end_date", label=gettext("The end date"))
        if end_date < start_date:
            raise InvalidInput(gettext("The designation ends before it starts."), field="end_date")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        overlapping = SiteDesignation.objects.filter(project=project, person=person, capacity=capacity).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start_date)
        )
        if end_date is not None:
            overlapping = overlapping.filter(start_date__lte=end_date)
        if overlapping.exists():
            raise Conflict(
                gettext("%(person)s is already designated %(capacity)s for these dates.")
                % {"person": person.name, "capacity": Capacity(capacity).label},
                code="designation_overlaps",
            )
        designation = SiteDesignation.objects.create(
            project=project,
            person=person,
            capacity=capacity,
            start_date=start_date,
            end_date=end_date,
            designated_by=actor,
        )
        record_event(
            "acceptance.site_staff_designated",
            actor=actor,
            project=project,
            target=designation,
            changes={
                "person": [None, person.name],
                "capacity": [None, capacity],
                "start_date": [None, start_date],
                "end_date": [None, end_date],
            },
        )
    return designation


def sign_acceptance(
    project: Project, *, node_id: int, signed_on: datetime.date | None = None, capacity: str | None = None, actor
) -> tuple[AcceptanceNode, AcceptanceSignature]:
    """Sign a node of the tree in the capacity the signer held on the project on `signed_on`
    (default today; from their memberships and appointments). Refused with every reason at once
    (Conflict, code `acceptance_refused`, `reasons: [{code, message}]`) while the node cannot pass;
    the last signature it needs accepts it."""
    authorize(actor, project, "acceptance.sign")
    day = signed_on or timezone.localdate()
    check_date(day, field="signed_on", label=gettext("The signing date"), not_after_today=True)
    if capacity is not None and capacity not in Capacity.values:
        raise InvalidInput(
            gettext("%(value)s is not a signing capacity: use one of %(choices)s.")
            % {"value": repr(capacity), "choices": ", ".join(Capacity.values)},
            field="capacity",
        )
    node = queries.get_node(project, node_id, user=actor)
    person = person_of(actor)
    with transaction.atomic():
        node = (
            AcceptanceNode.objects.select_for_update(of=("self",)).select_related("building", "parent").get(pk=node.pk)
        )
        if node.status == NodeStatus.ACCEPTED:
            raise InvalidTransition(gettext("%(node)s is accepted already.") % {"node": node.name}, allowed=[])
        refusals = []
        missing = queries.missing_capacities(node, day)
        held = queries.capacities_held(project, person, day, node=node)
        if person is not None and node.signatures.filter(person=person).exists():
            raise Conflict(
                gettext("%(person)s has signed %(node)s already.") % {"person": person.name, "node": node.name},
                code="signed_already",
            )
        if capacity is not None:
            if capacity not in queries.required_capacities_of(node, day):
                raise InvalidInput(
                    gettext("A %(level)s is not signed by a %(capacity)s.")
                    % {"level": Level(node.level).label, "capacity": Capacity(capacity).label},
                    field="capacity",
                )
            if capacity not in missing:
                raise Conflict(
                    gettext("The %(capacity)s has signed %(node)s already.")
                    % {"capacity": Capacity(capacity).label, "node": node.name},
                    code="signed_already",
                )
            chosen = capacity if capacity in held else None
            wanted = [capacity]
        else:
            chosen = next((c for c in missing if c in held), None)
            wanted = missing
        if chosen is None:
            refusals.append(
                queries.reason(
                    "signer_not_in_role",
                    gettext("On %(day)s %(person)s did not hold the role of %(capacities)s on project %(code)s.")
                    % {
                        "day": day.isoformat(),
                        "person": person.name if person else actor.get_username(),
                        "capacities": gettext(" or ").join(str(Capacity(c).label) for c in wanted),
                        "code": project.code,
                    },
                )
            )
        refusals += queries.sign_blockers(node, day=day)
        if refusals:
            raise Conflict(
                gettext("%(node)s cannot be signed: %(reasons)s")
                % {"node": node.name, "reasons": "; ".join(r["message"] for r in refusals)},
                code="acceptance_refused",
                extra={"reasons": refusals},
            )
        basis = held[chosen]
        signature = AcceptanceSignature.objects.create(
            node=node,
            capacity=chosen,
            person=person,
            membership=basis.membership,
            appointment=basis.appointment,
            designation=basis.designation,
            is_on_behalf_of_owner=basis.is_on_behalf_of_owner,
            signed_on=day,
            signed_by=actor,
        )
        signed = {"capacity": chosen, "person": person.name, "signed_on": day}
        if basis.is_on_behalf_of_owner:
            signed["on_behalf_of"] = "owner"
            signed["as"] = "architect_in_charge"
        changes = {"signature": [None, signed]}
        still_missing = [c for c in missing if c != chosen]
        if not still_missing:
            changes["status"] = _move(node, NodeStatus.ACCEPTED)
            node.accepted_on = max(node.signatures.aggregate(last=Max("signed_on"))["last"], day)
            changes["accepted_on"] = [None, node.accepted_on]
            node.save(update_fields=["status", "accepted_on"])
        else:
            changes["waiting_for"] = [None, still_missing]
        record_event("acceptance.signed", actor=actor, project=project, target=node, changes=changes)
    return node, signature
