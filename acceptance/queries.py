"""Reads of the acceptance tree, scoped to the user (acceptance.view), and the checks that decide
whether a node may be accepted: the reasons a signature is refused, each with a stable code."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bim.models import ModelVersion
from inspections import queries as inspection_queries
from plumbline.core.errors import NotFound
from projects import queries as project_queries
from projects.models import Building, Person, Project, ProjectMembership

from . import material_checks, rules
from .models import (
    REQUIRED_DOCUMENTS,
    AcceptanceNode,
    AcceptanceSignature,
    Capacity,
    DocumentKind,
    Level,
    LotElement,
    NodeStatus,
    PlanStatus,
    SiteDesignation,
)

SERIOUS = ("major", "critical")


def get_building(project: Project, building_id: int, *, user) -> Building:
    project_queries.authorize(user, project, "acceptance.view")
    return project_queries.get_building(project, building_id, user=user)


def unit_project_of(building: Building) -> AcceptanceNode | None:
    return AcceptanceNode.objects.filter(building=building, level=Level.UNIT_PROJECT).first()


def get_node(project: Project, node_id: int, *, user) -> AcceptanceNode:
    project_queries.authorize(user, project, "acceptance.view")
    node = AcceptanceNode.objects.select_related("building", "parent").filter(pk=node_id, project=project).first()
    if node is None:
        raise NotFound(_("No acceptance record %(id)s in project %(code)s.") % {"id": node_id, "code": project.code})
    return node


def get_lot(project: Project, lot_id: int, *, user) -> AcceptanceNode:
    node = get_node(project, lot_id, user=user)
    if not node.is_lot:
        raise NotFound(_("No inspection lot %(id)s in project %(code)s.") % {"id": lot_id, "code": project.code})
    return node


# --- the tree -----------------------------------------------------------------------------------


def acceptance_tree(building: Building) -> dict | None:
    """The building's tree as nested dicts (unit project at the top), with each node's status,
    how many of its children are accepted, and for lots their elements and open serious findings.
    A fixed number of queries whatever the tree's size."""
    nodes = list(
        AcceptanceNode.objects.filter(building=building)
        .order_by("code", "pk")
        .values(
            "id",
            "parent_id",
            "level",
            "code",
            "name",
            "status",
            "accepted_on",
            "plan_status",
            "covers_codes",
            "storey_global_id",
            "storey_name",
            "zone",
            "version_id",
        )
    )
    if not nodes:
        return None
    counts = dict(
        LotElement.objects.filter(lot__building=building, is_present=True)
        .values("lot_id")
        .annotate(n=Count("pk"))
        .values_list("lot_id", "n")
    )
    vanished = dict(
        LotElement.objects.filter(lot__building=building, is_present=False)
        .values("lot_id")
        .annotate(n=Count("pk"))
        .values_list("lot_id", "n")
    )
    blocked = _lots_with_open_findings(building)
    by_id = {n["id"]: {**n, "children": []} for n in nodes}
    root = None
    for node in by_id.values():
        if node["level"] == Level.INSPECTION_LOT:
            node["element_count"] = counts.get(node["id"], 0)
            node["vanished_count"] = vanished.get(node["id"], 0)
            node["open_findings"] = blocked.get(node["id"], 0)
        parent = by_id.get(node["parent_id"])
        if parent is not None:
            parent["children"].append(node)
        elif node["level"] == Level.UNIT_PROJECT:
            root = node
    for node in by_id.values():
        children = node["children"]
        node["progress"] = {
            "accepted": sum(1 for c in children if c["status"] == NodeStatus.ACCEPTED),
            "total": len(children),
        }
    return root


def _lots_with_open_findings(building: Building) -> dict[int, int]:
    """Lot id -> how many open major/critical findings are on its elements (two queries)."""
    findings = inspection_queries.open_findings_on(
        building.project,
        set(LotElement.objects.filter(lot__building=building, is_present=True).values_list("global_id", flat=True)),
        severities=SERIOUS,
    )
    if not findings:
        return {}
    from bim.queries import global_ids_with_aliases

    per_lot: dict[int, int] = defaultdict(int)
    for finding in findings:
        aliases = global_ids_with_aliases(building.project, set(finding.global_ids))
        for lot_id in set(
            LotElement.objects.filter(lot__building=building, global_id__in=aliases).values_list("lot_id", flat=True)
        ):
            per_lot[lot_id] += 1
    return per_lot


def lot_global_ids(lot: AcceptanceNode) -> set[str]:
    return set(lot.elements.filter(is_present=True).values_list("global_id", flat=True))


def lot_capacity(lot: AcceptanceNode) -> float:
    """A lot's capacity: its quantity when one is recorded, else how many elements it covers."""
    if lot.capacity_quantity is not None:
        return float(lot.capacity_quantity)
    return lot.elements.filter(is_present=True).count()


def lot_sample_size(lot: AcceptanceNode) -> int:
    return rules.minimum_sample_size(lot_capacity(lot))


def latest_inspection(lot: AcceptanceNode):
    return lot.inspections.order_by("-created_at", "-pk").first()


# --- who holds which capacity on a date ---------------------------------------------------------


@dataclass(frozen=True)
class Held:
    capacity: str
    membership: ProjectMembership | None = None
    appointment: object = None
    designation: object = None
    is_on_behalf_of_owner: bool = False  # the architect in charge signing for the owner


def capacities_held(
    project: Project, person: Person | None, day: datetime.date, *, node: AcceptanceNode | None = None
) -> dict[str, Held]:
    """The signing capacities `person` held on the project on `day`: from the memberships in force
    that day (their start and end are on record) and the party appointments whose leader they were;
    for a design-related division `node`, the architect in charge of that day holds the owner's
    leader's capacity on its behalf (the owner's leader themself still holds it in their own right)."""
    if person is None:
        return {}
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    held: dict[str, Held] = {}
    memberships = ProjectMembership.objects.filter(project=project, person=person, started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    for membership in memberships.order_by("started_at"):
        for capacity in rules.MEMBERSHIP_CAPACITIES.get(membership.role, ()):
            held.setdefault(capacity, Held(capacity, membership=membership))
        if membership.role == rules.DESIGNATED_ROLE:
            designations = SiteDesignation.objects.filter(project=project, person=person, start_date__lte=day).filter(
                Q(end_date__isnull=True) | Q(end_date__gte=day)
            )
            for designation in designations:
                held.setdefault(
                    designation.capacity,
                    Held(designation.capacity, membership=membership, designation=designation),
                )
    for party, appointment in project_queries.appointments_at(project, day).items():
        if appointment is None or appointment.leader_id != person.pk:
            continue
        if party == rules.ARCHITECT_PARTY:
            if node is not None and rules.is_design_related(node.level, node.code):
                held.setdefault(
                    rules.ARCHITECT_CAPACITY,
                    Held(rules.ARCHITECT_CAPACITY, appointment=appointment, is_on_behalf_of_owner=True),
                )
            continue
        held[rules.LEADER_CAPACITIES[party]] = Held(rules.LEADER_CAPACITIES[party], appointment=appointment)
    return held


def signatures_of(node: AcceptanceNode) -> list[AcceptanceSignature]:
    return list(node.signatures.select_related("person").order_by("created_at", "pk"))


def required_capacities_of(node: AcceptanceNode, day: datetime.date | None = None) -> list[str]:
    """Who signs this node: GB 50300's list, and for a design-related division of a project with
    an architect in charge on the day, the owner's sign-off too (by the architect on its behalf).
    The day: an accepted node's acceptance date (an architect appointed later changes nothing of
    it), else the signing date (default today)."""
    if node.accepted_on is not None:
        day = node.accepted_on
    architect = rules.is_design_related(node.level, node.code) and project_queries.has_architect_in_charge(
        node.project, day=day or timezone.localdate()
    )
    return rules.required_capacities(node.level, node.code, architect_in_charge=architect)


def missing_capacities(node: AcceptanceNode, day: datetime.date | None = None) -> list[str]:
    signed = set(node.signatures.values_list("capacity", flat=True))
    return [c for c in required_capacities_of(node, day) if c not in signed]


def next_capacities_for(node: AcceptanceNode, user, day: datetime.date | None = None) -> list[str]:
    """The capacities still to sign that `user` holds today (the sign buttons a page shows)."""
    if node.status == NodeStatus.ACCEPTED:
        return []
    person = project_queries.person_of(user)
    if person is None or node.signatures.filter(person=person).exists():
        return []
    day = day or timezone.localdate()
    held = capacities_held(node.project, person, day, node=node)
    return [c for c in missing_capacities(node, day) if c in held]


# --- why a node may not be accepted -------------------------------------------------------------


def reason(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def blockers(node: AcceptanceNode, *, day: datetime.date) -> list[dict]:
    """Every reason the node cannot be accepted on `day`, each {code, message}; [] when it can."""
    found: list[dict] = []
    unit = node if node.level == Level.UNIT_PROJECT else unit_project_of(node.building)
    if unit is not None and unit.plan_status != PlanStatus.APPROVED:
        found.append(
            reason(
                "plan_not_approved",
                _("The chief supervising engineer has not approved %(building)s's acceptance split yet.")
                % {"building": node.building.name},
            )
        )
    if node.is_lot:
        found += lot_blockers(node)
    else:
        found += _children_blockers(node)
    for kind in REQUIRED_DOCUMENTS.get(node.level, []):
        if not node.documents.filter(kind=kind).exists():
            found.append(
                reason(
                    "document_missing",
                    _("%(document)s is not on file for %(node)s.")
                    % {"document": DocumentKind(kind).label, "node": node.name},
                    document=kind,
                )
            )
    if node.level == Level.UNIT_PROJECT:
        found += _unit_project_blockers(node, day)
    return found


def latest_date_below(node: AcceptanceNode) -> datetime.date | None:
    """The latest acceptance date of the node's children, or a lot's latest inspection date."""
    if node.is_lot:
        inspection = latest_inspection(node)
        return inspection.inspected_on if inspection else None
    return node.children.aggregate(last=Max("accepted_on"))["last"]


def sign_blockers(node: AcceptanceNode, *, day: datetime.date) -> list[dict]:
    """Every reason a signature dated `day` is refused whoever signs: the node's blockers, and a
    date before the records below it. sign_acceptance refuses on these; a page greys out its sign
    buttons with them."""
    found = blockers(node, day=day)
    below = latest_date_below(node)
    if below is not None and day < below:
        found.append(
            reason(
                "signed_before_below",
                _("%(day)s is before %(below)s, when the last record below this one is dated.")
                % {"day": day.isoformat(), "below": below.isoformat()},
            )
        )
    return found


def lot_blockers(lot: AcceptanceNode) -> list[dict]:
    """What keeps a lot from acceptance: no passing record, open serious findings on its elements,
    failed or untested material batches linked to them, and hold points not yet released."""
    found = []
    if lot.status == NodeStatus.FAILED:
        found.append(reason("inspection_failed", _("The lot's last inspection failed: rectify and inspect again.")))
    elif lot.status == NodeStatus.PENDING:
        found.append(reason("not_inspected", _("The lot has no inspection record yet.")))
    global_ids = lot_global_ids(lot)
    for finding in inspection_queries.open_findings_on(lot.project, global_ids, severities=SERIOUS):
        found.append(
            reason(
                "open_finding",
                _("Finding #%(id)s (%(severity)s) is open on the lot's elements: %(title)s")
                % {"id": finding.pk, "severity": finding.get_severity_display(), "title": finding.title},
                finding_id=finding.pk,
            )
        )
    for blocker in material_checks.material_blockers(lot.project, global_ids):
        found.append(dict(blocker))
    found += hold_point_blockers(lot)
    return found


def earlier_lots(lot: AcceptanceNode) -> tuple[list[str], list[AcceptanceNode]]:
    """The sub-item codes the lot's sub-item covers up, and their lots on the same storey or the
    same elements."""
    sub_item = lot.parent
    covers = list(sub_item.covers_codes or []) if sub_item is not None else []
    if not covers:
        return [], []
    global_ids = lot_global_ids(lot)
    same_place = Q(elements__global_id__in=global_ids)
    if lot.storey_global_id:
        same_place |= Q(storey_global_id=lot.storey_global_id)
    lots = (
        AcceptanceNode.objects.filter(
            building=lot.building, level=Level.INSPECTION_LOT, parent__code__in=covers, parent__level=Level.SUB_ITEM
        )
        .filter(same_place)
        .distinct()
        .order_by("code")
    )
    return covers, list(lots)


def hold_point_blockers(lot: AcceptanceNode) -> list[dict]:
    """A hidden-works hold point: the lot cannot be opened until the work it covers up is accepted."""
    covers, lots = earlier_lots(lot)
    if not covers:
        return []
    entries = rules.catalogue()
    names = "、".join(entries[c].name if c in entries else c for c in covers)
    if not lots:
        return [
            reason(
                "hold_point",
                _("This work covers up %(work)s, which has no lot on this storey or these elements yet.")
                % {"work": names},
            )
        ]
    return [
        reason(
            "hold_point",
            _("This work covers up %(lot)s, which is not accepted yet.") % {"lot": f"{other.code} {other.name}"},
            node_id=other.pk,
        )
        for other in lots
        if other.status != NodeStatus.ACCEPTED
    ]


def _children_blockers(node: AcceptanceNode) -> list[dict]:
    children = list(node.children.order_by("code", "pk"))
    if not children:
        return [
            reason(
                "child_not_accepted",
                _("%(node)s has nothing below it to accept yet.") % {"node": node.name},
            )
        ]
    return [
        reason(
            "child_not_accepted",
            _("%(level)s %(child)s is not accepted yet.")
            % {"level": Level(child.level).label, "child": f"{child.code} {child.name}"},
            node_id=child.pk,
        )
        for child in children
        if child.status != NodeStatus.ACCEPTED
    ]


def _unit_project_blockers(node: AcceptanceNode, day: datetime.date) -> list[dict]:
    found = []
    project = node.project
    for party, appointment in project_queries.appointments_at(project, day).items():
        if appointment is None:
            found.append(
                reason(
                    "signer_not_in_role",
                    _("Nobody held the %(party)s's leader role on %(day)s.")
                    % {"party": _party_label(party), "day": day.isoformat()},
                    party=party,
                )
            )
    for requirement in project_queries.letter_requirements(project):
        if not requirement.is_satisfied:
            found.append(
                reason(
                    "letter_missing",
                    _("%(letter)s is not on file.") % {"letter": requirement.describe()},
                    appointment_id=requirement.appointment.pk,
                    kind=requirement.kind,
                )
            )
    for blocker in material_checks.witness_blockers(project):
        found.append(dict(blocker))
    return found


def _party_label(party: str) -> str:
    from projects.models import Party

    return str(Party(party).label)


# --- what other apps read -----------------------------------------------------------------------


def unit_project_accepted_on(building: Building) -> datetime.date | None:
    """When the building's unit project was accepted (None: not yet)."""
    unit = unit_project_of(building)
    return unit.accepted_on if unit is not None and unit.status == NodeStatus.ACCEPTED else None


def lots_covering(project: Project, global_ids) -> list[dict]:
    """The lots covering any of these elements (under every GlobalId they have had), each with its
    signatures: who signed, in which capacity, on which date (the evidence pack's trace)."""
    from bim.queries import global_ids_with_aliases

    wanted = global_ids_with_aliases(project, set(global_ids))
    if not wanted:
        return []
    matched: dict[int, set[str]] = defaultdict(set)
    for lot_id, global_id in LotElement.objects.filter(lot__project=project, global_id__in=wanted).values_list(
        "lot_id", "global_id"
    ):
        matched[lot_id].add(global_id)
    lots = (
        AcceptanceNode.objects.filter(pk__in=matched)
        .select_related("building", "parent")
        .prefetch_related("signatures__person")
        .order_by("building__name", "code")
    )
    return [
        {
            "id": lot.pk,
            "building": lot.building.name,
            "code": lot.code,
            "name": lot.name,
            "sub_item": lot.parent.name if lot.parent else "",
            "storey": lot.storey_name,
            "status": lot.status,
            "status_label": str(NodeStatus(lot.status).label),
            "accepted_on": lot.accepted_on,
            "global_ids": sorted(matched[lot.pk]),
            "signatures": [
                {
                    "person": s.person.name,
                    "person_id": s.person_id,
                    "capacity": s.capacity,
                    "capacity_label": str(Capacity(s.capacity).label),
                    "signed_on": s.signed_on,
                }
                for s in lot.signatures.all()
            ],
        }
        for lot in lots
    ]


def lots_of_element(project: Project, global_id: str, *, user) -> list[dict]:
    """The lots an element belongs to (for its card on the plan)."""
    project_queries.authorize(user, project, "acceptance.view")
    return lots_covering(project, {global_id})


def newest_version_of_building(building: Building) -> ModelVersion | None:
    """The newest ready version whose storeys belong to the building's IfcBuilding (any ready
    version of the project when the building names no IfcBuilding)."""
    versions = ModelVersion.objects.filter(model__project=building.project, status="ready")
    if building.ifc_global_ids:
        versions = versions.filter(storeys__building_global_id__in=building.ifc_global_ids).distinct()
    return versions.order_by("-finished_at", "-pk").first()


def nodes_for_archive(project: Project):
    """Every acceptance node of the project with its signatures, records and documents."""
    return (
        AcceptanceNode.objects.filter(project=project)
        .select_related("building", "parent")
        .prefetch_related("signatures__person", "inspections", "documents", "photos")
        .order_by("building__name", "code", "pk")
    )


def _signature_rows(node: AcceptanceNode) -> list[dict]:
    return [
        {
            "capacity": s.capacity,
            "capacity_label": str(Capacity(s.capacity).label),
            "person": s.person.name,
            "signed_on": s.signed_on,
            "is_on_behalf_of_owner": s.is_on_behalf_of_owner,
        }
        for s in signatures_of(node)
    ]


def node_detail(node: AcceptanceNode) -> dict:
    return {
        "id": node.pk,
        "level": node.level,
        "code": node.code,
        "name": node.name,
        "status": node.status,
        "accepted_on": node.accepted_on,
        "signatures": _signature_rows(node),
        "waiting_for": missing_capacities(node) if node.status != NodeStatus.ACCEPTED else [],
    }


def lot_detail(lot: AcceptanceNode, *, user) -> dict:
    """Everything a lot's page and its API answer show."""
    capacity = lot_capacity(lot)
    today = timezone.localdate()
    return {
        **node_detail(lot),
        "building_id": lot.building_id,
        "sub_item": lot.parent.name if lot.parent else "",
        "sub_item_code": lot.parent.code if lot.parent else "",
        "version_id": lot.version_id,
        "storey_global_id": lot.storey_global_id,
        "storey_name": lot.storey_name,
        "zone": lot.zone,
        "capacity": capacity,
        "capacity_unit": lot.capacity_unit if lot.capacity_quantity is not None else "",
        "sample_size": rules.minimum_sample_size(capacity),
        "should_split": capacity > rules.LARGEST_LOT,
        "elements": list(
            lot.elements.order_by("ifc_class", "global_id").values("global_id", "ifc_class", "is_present")
        ),
        "inspections": list(lot.inspections.select_related("recorded_by").order_by("-created_at", "-pk")),
        "photos": list(lot.photos.all()),
        "may_sign_as": next_capacities_for(lot, user, today),
        "blockers": [] if lot.status == NodeStatus.ACCEPTED else blockers(lot, day=today),
    }


def list_site_designations(project: Project, *, user):
    project_queries.authorize(user, project, "acceptance.view")
    return SiteDesignation.objects.filter(project=project).select_related("person").order_by("capacity", "start_date")


# --- for the region dashboard: many projects at once --------------------------------------------


def acceptance_progress_of(project_ids) -> dict[int, dict]:
    """Acceptance progress of many projects in one aggregate query: {project_id: {"lots",
    "lots_accepted", "lots_failed", "units", "units_accepted"}} (zeros without a tree)."""
    found = {
        pk: {"lots": 0, "lots_accepted": 0, "lots_failed": 0, "units": 0, "units_accepted": 0} for pk in project_ids
    }
    rows = (
        AcceptanceNode.objects.filter(project_id__in=list(found), level__in=(Level.INSPECTION_LOT, Level.UNIT_PROJECT))
        .values("project_id", "level")
        .annotate(
            n=Count("id"),
            accepted=Count("id", filter=Q(status=NodeStatus.ACCEPTED)),
            failed=Count("id", filter=Q(status=NodeStatus.FAILED)),
        )
        .order_by()
    )
    for row in rows:
        progress = found[row["project_id"]]
        if row["level"] == Level.INSPECTION_LOT:
            progress.update(lots=row["n"], lots_accepted=row["accepted"], lots_failed=row["failed"])
        else:
            progress.update(units=row["n"], units_accepted=row["accepted"])
    return found
