"""Reads of units, policies and claims, scoped to the user: a home owner sees only their own units
and the claims on them (anything else does not exist for them, HTTP 404); the date cover counts
from; a claim's next deadline and whether it is overdue; the moves a user may make next."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance import queries as acceptance_queries
from bim import queries as bim_queries
from bim.models import ModelVersion
from plumbline.core.errors import NotFound, PermissionDenied
from plumbline.core.permissions import Role, allowed_roles
from projects.models import Project
from projects.queries import authorize, person_of, roles_in

from .models import CLAIM_MOVES, ClaimStatus, DefectClaim, Policy, Unit


def _only_own(roles: set[Role], action: str) -> bool:
    """A home owner with no other role that grants `action` reads only what is theirs."""
    return Role.HOME_OWNER in roles and not (roles - {Role.HOME_OWNER}) & allowed_roles(action)


def own_unit_ids(user, project: Project) -> set[int]:
    person = person_of(user)
    if person is None:
        return set()
    return set(Unit.objects.filter(building__project=project, ownerships__person=person).values_list("pk", flat=True))


def list_units(project: Project, *, user, building_id: int | None = None) -> QuerySet[Unit]:
    roles = authorize(user, project, "unit.view")
    qs = (
        Unit.objects.filter(building__project=project).select_related("building").prefetch_related("ownerships__person")
    )
    if building_id is not None:
        qs = qs.filter(building_id=building_id)
    if _only_own(roles, "unit.view"):
        qs = qs.filter(pk__in=own_unit_ids(user, project))
    return qs.order_by("building__name", "floor", "number")


def get_unit(project: Project, unit_id: int, *, user) -> Unit:
    unit = list_units(project, user=user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("No unit %(id)s in project %(code)s.") % {"id": unit_id, "code": project.code})
    return unit


def list_policies(project: Project, *, user) -> QuerySet[Policy]:
    authorize(user, project, "policy.view")
    return Policy.objects.filter(project=project).select_related("insurer", "tis", "insured", "building")


def get_policy(project: Project, policy_id: int, *, user) -> Policy:
    policy = list_policies(project, user=user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("No policy %(id)s in project %(code)s.") % {"id": policy_id, "code": project.code})
    return policy


def policy_covering(project: Project, building) -> Policy | None:
    """The building's own policy, else the project's (the newest of each)."""
    policies = Policy.objects.filter(project=project).order_by("-created_at")
    if building is not None:
        own = policies.filter(building=building).first()
        if own is not None:
            return own
    return policies.filter(building__isnull=True).first()


def unit_project_accepted_on(building) -> datetime.date | None:
    """The acceptance app's date for the building's unit project (None: not accepted yet)."""
    return acceptance_queries.unit_project_accepted_on(building) if building is not None else None


def cover_starts_from(policy: Policy, building) -> tuple[datetime.date | None, str]:
    """The completion acceptance date cover counts from, and where it was read (policy,
    acceptance_record, completion_date): the date written on the policy (the contract governs),
    else the unit project's acceptance record, else the project's completion date."""
    if policy.accepted_on is not None:
        return policy.accepted_on, "policy"
    accepted = unit_project_accepted_on(building)
    if accepted is not None:
        return accepted, "acceptance_record"
    if policy.project.completed_on is not None:
        return policy.project.completed_on, "completion_date"
    return None, ""


def _claims_of(project: Project, user, roles: set[Role]) -> QuerySet[DefectClaim]:
    qs = DefectClaim.objects.filter(project=project).select_related(
        "unit__building", "policy", "filed_by__person", "repair_appointment__leader", "repair_appointment__organisation"
    )
    if _only_own(roles, "claim.view"):
        qs = qs.filter(Q(unit_id__in=own_unit_ids(user, project)) | Q(filed_by=user))
    elif Role.CONTRACTOR in roles and not (roles - {Role.CONTRACTOR}) & (
        allowed_roles("claim.view") - {Role.CONTRACTOR}
    ):
        # the contractor reads the claims it is to repair, not every home owner's complaint
        person = person_of(user)
        qs = qs.filter(repair_appointment__organisation_id=person.organisation_id if person else None)
    return qs


def list_claims(
    project: Project, *, user, status: str | None = None, unit_id: int | None = None, overdue: bool | None = None
) -> list[DefectClaim]:
    """Claims by their next deadline, the most pressing first (claims without one last)."""
    roles = authorize(user, project, "claim.view")
    qs = _claims_of(project, user, roles)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    claims = list(qs)
    today = timezone.localdate()
    for claim in claims:
        claim.deadline = next_deadline(claim, today=today)
    if overdue is not None:
        claims = [c for c in claims if bool(c.deadline and c.deadline.is_overdue) == overdue]
    far = datetime.date.max
    claims.sort(key=lambda c: (c.deadline.due if c.deadline else far, -c.pk))
    return claims


def get_claim(project: Project, claim_id: int, *, user) -> DefectClaim:
    roles = authorize(user, project, "claim.view")
    claim = _claims_of(project, user, roles).filter(pk=claim_id).prefetch_related("steps__actor__person", "photos")
    claim = claim.first()
    if claim is None:
        raise NotFound(_("No claim %(id)s in project %(code)s.") % {"id": claim_id, "code": project.code})
    claim.deadline = next_deadline(claim)
    return claim


@dataclass(frozen=True)
class Deadline:
    what: str  # survey | decision | repair_start | repair_finish | confirmation
    due: datetime.date
    is_overdue: bool

    @property
    def label(self) -> str:
        return str(DEADLINE_LABELS[self.what])


DEADLINE_LABELS = {
    "survey": gettext_lazy("site survey"),
    "decision": gettext_lazy("cover decision"),
    "repair_start": gettext_lazy("repair assigned and started"),
    "repair_finish": gettext_lazy("repair finished"),
}


def next_deadline(claim: DefectClaim, *, today: datetime.date | None = None) -> Deadline | None:
    """What must happen next on the claim and by when (DOMAIN.md s11), or None when nothing is
    due from the insurer's side (declined, repaired and waiting for the home owner, closed)."""
    today = today or timezone.localdate()
    due = {
        ClaimStatus.FILED: ("survey", timezone.localtime(claim.survey_due).date() if claim.survey_due else None),
        ClaimStatus.SURVEYED: ("decision", claim.decision_due),
        ClaimStatus.CONTESTED: ("decision", claim.decision_due),
        ClaimStatus.ACCEPTED: ("repair_start", claim.repair_start_due),
        ClaimStatus.REPAIR_ASSIGNED: ("repair_finish", claim.repair_finish_due),
    }.get(claim.status)
    if due is None or due[1] is None:
        return None
    what, day = due
    if what == "survey" and claim.is_emergency:
        return Deadline(what, day, timezone.now() > claim.survey_due)
    return Deadline(what, day, today > day)


def is_repairer(claim: DefectClaim, user, roles: set[Role]) -> bool:
    """The user works for the organisation the repair is assigned to."""
    if claim.repair_appointment is None or not roles & {Role.CONTRACTOR, Role.OWNER}:
        return False
    person = person_of(user)
    return person is not None and person.organisation_id == claim.repair_appointment.organisation_id


def photo_stage(project: Project, claim_id: int, *, user) -> tuple[DefectClaim, str]:
    """The claim and what a photo the user adds to it shows: the defect (who filed it) or the
    repair (the party repairing it). NotFound when they cannot see it, PermissionDenied otherwise."""
    roles = authorize(user, project, "claim.photo")
    claim = get_claim(project, claim_id, user=user)
    if claim.status == ClaimStatus.REPAIR_ASSIGNED and is_repairer(claim, user, roles):
        return claim, "repair"
    if claim.filed_by_id == user.pk:
        return claim, "filed"
    raise PermissionDenied(_("Only who filed the claim, or the party repairing it, adds its photos."))


def next_moves(claim: DefectClaim, *, user) -> list[str]:
    """The moves this user may make on the claim now."""
    roles = roles_in(user, claim.project)
    moves = []
    for verb, (sources, _target, right) in CLAIM_MOVES.items():
        if claim.status not in sources or not roles & allowed_roles(right):
            continue
        if verb == "contest" and claim.is_contested:
            continue
        moves.append(verb)
    return moves


def claims_for_evidence(project: Project, claim_id: int, *, user) -> DefectClaim:
    """A claim for its evidence pack (claim.evidence.read); None user: the operator's command."""
    if user is not None:
        authorize(user, project, "claim.evidence.read")
    claim = (
        DefectClaim.objects.filter(project=project, pk=claim_id)
        .select_related("unit__building", "policy", "version__model", "repair_appointment__leader")
        .prefetch_related("steps__actor__person", "photos")
        .first()
    )
    if claim is None:
        raise NotFound(_("No claim %(id)s in project %(code)s.") % {"id": claim_id, "code": project.code})
    return claim


def element_history(project: Project, claim) -> list[dict]:
    """Each element of the claim in every ready version of its model, oldest first."""
    if claim.version is None:
        return []
    versions = list(ModelVersion.objects.filter(model=claim.version.model, status="ready").order_by("number"))
    history = []
    for global_id in claim.global_ids:
        aliases = bim_queries.global_id_aliases(project, global_id)
        rows = []
        for version in versions:
            element = version.elements.filter(global_id__in=aliases).select_related("storey").first()
            changed = next(
                (c.get("fields", {}) for c in (version.diff or {}).get("changed", []) if c["global_id"] in aliases),
                None,
            )
            rows.append(
                {
                    "version": version.number,
                    "uploaded_at": version.uploaded_at,
                    "sha256": version.sha256,
                    "present": element is not None,
                    "global_id": element.global_id if element else None,
                    "ifc_class": element.ifc_class if element else None,
                    "name": element.name if element else None,
                    "storey": element.storey.name if element and element.storey else None,
                    "materials": element.materials if element else None,
                    "psets": element.psets if element else None,
                    "changed": sorted(changed) if changed else [],
                }
            )
        history.append({"global_id": global_id, "aliases": sorted(aliases), "versions": rows})
    return history


# --- the insurance part of the quality archive (assembled by the archive app) -------------------


def policies_for_archive(project: Project) -> QuerySet[Policy]:
    return (
        Policy.objects.filter(project=project)
        .select_related("insurer", "tis", "insured", "building")
        .prefetch_related("tis_reports")
    )


def claims_for_archive(project: Project) -> QuerySet[DefectClaim]:
    """Every claim of the project, closed and declined ones included, oldest first."""
    return (
        DefectClaim.objects.filter(project=project)
        .select_related("unit__building", "policy", "repair_appointment__organisation", "repair_appointment__leader")
        .prefetch_related("steps__actor__person", "photos")
        .order_by("filed_at", "pk")
    )


# --- for the region dashboard: many projects at once --------------------------------------------

OPEN_CLAIM_STATUSES = (
    ClaimStatus.FILED,
    ClaimStatus.SURVEYED,
    ClaimStatus.CONTESTED,
    ClaimStatus.ACCEPTED,
    ClaimStatus.REPAIR_ASSIGNED,
    ClaimStatus.REPAIRED,
)


def insurance_state_of(project_ids, *, today: datetime.date) -> dict[int, dict]:
    """Of many projects in two queries: how many policies, open claims (not closed or declined)
    and claims past their next deadline: {project_id: {"policies", "open_claims", "overdue_claims"}}."""
    from django.db.models import Count

    found = {pk: {"policies": 0, "open_claims": 0, "overdue_claims": 0} for pk in project_ids}
    for row in (
        Policy.objects.filter(project_id__in=list(found)).values("project_id").annotate(n=Count("id")).order_by()
    ):
        found[row["project_id"]]["policies"] = row["n"]
    claims = DefectClaim.objects.filter(project_id__in=list(found), status__in=OPEN_CLAIM_STATUSES).only(
        "project_id", "status", "is_emergency", "survey_due", "decision_due", "repair_start_due", "repair_finish_due"
    )
    for claim in claims:
        state = found[claim.project_id]
        state["open_claims"] += 1
        deadline = next_deadline(claim, today=today)
        state["overdue_claims"] += bool(deadline and deadline.is_overdue)
    return found


UPHELD_STATUSES = (ClaimStatus.REPAIR_ASSIGNED, ClaimStatus.REPAIRED, ClaimStatus.CLOSED)


def upheld_claims() -> list[dict]:
    """Claims the insurer accepted and whose repair was assigned to a party (one query, for the
    quality credit): [{claim_id, project_id, organisation_id, party, accepted_on, category}]."""
    from django.db.models import Min

    rows = (
        DefectClaim.objects.filter(status__in=UPHELD_STATUSES, repair_appointment__isnull=False)
        .annotate(accepted_at=Min("steps__created_at", filter=Q(steps__status=ClaimStatus.ACCEPTED)))
        .select_related("repair_appointment")
        .order_by("pk")
    )
    return [
        {
            "claim_id": c.pk,
            "project_id": c.project_id,
            "organisation_id": c.repair_appointment.organisation_id,
            "party": c.repair_party or c.repair_appointment.party,
            "accepted_on": timezone.localtime(c.accepted_at).date() if c.accepted_at else c.found_on,
            "category": c.get_category_display(),
        }
        for c in rows
    ]
