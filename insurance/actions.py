"""Every state change of the insurance app: units, binding home owners (by the owner's staff or a
one-time code), policies and TIS reports, filing a claim (idempotent by the phone's UUID, cover
decided at once), its photos, and the claim's workflow. Each checks the actor's right, runs in
one transaction and writes its audit event."""

import datetime
import hashlib
import secrets
import uuid as uuid_module
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from plumbline.core.limits import TEXT_LENGTH, require_fits
from plumbline.core.permissions import Role
from plumbline.core.uploads import HEIC, JPEG, PNG, store_upload
from projects import actions as project_actions
from projects.dates import check_date
from projects.models import (
    FIVE_PARTIES,
    Building,
    Organisation,
    OrganisationKind,
    Party,
    Person,
    Project,
    ProjectMembership,
)
from projects.queries import active_membership, authorize, current_appointments, person_of
from projects.workdays import add_working_days

from . import queries
from .cover import DEFAULT_SERVICE_DAYS, EXCLUSIONS, category_of_ifc_class, decide_cover, decline_reason_label
from .models import (
    CLAIM_MOVES,
    BindingCode,
    ClaimPhoto,
    ClaimStatus,
    ClaimStep,
    DefectCategory,
    DefectClaim,
    HomeOwnership,
    Policy,
    TisReport,
    Unit,
)

PHOTO_TYPES = {JPEG, PNG, HEIC}
DECLINE_CODES = (
    "before_window",
    "after_window",
    "category_not_covered",
    "not_accepted",
    *EXCLUSIONS,
    "not_a_defect",
)
# the decline reasons the cover decides from the dates and the policy: one applies only when the
# claim's cover says so (an insurer cannot decline "before cover started" a claim in its window)
COVER_DECLINE_CODES = ("before_window", "after_window", "category_not_covered", "not_accepted")


def decline_codes_for(claim: DefectClaim) -> list[str]:
    """The reasons a decline of this claim may give: the exclusions and "not a defect" always
    (the survey decides them), the cover's own reasons only when its decision named them."""
    decided = {r.get("code") for r in (claim.cover or {}).get("reasons", [])}
    return [c for c in DECLINE_CODES if c not in COVER_DECLINE_CODES or c in decided]


def _reason_list(codes, *, with_codes: bool = False) -> str:
    """Decline reasons as a person reads them (with the code an API caller sends, when asked)."""
    if with_codes:
        return gettext(", ").join(
            gettext("%(label)s (%(code)s)") % {"label": decline_reason_label(c), "code": c} for c in codes
        )
    return gettext(", ").join(decline_reason_label(c) for c in codes)


def _uuid(value, field: str) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except ValueError:
        raise InvalidInput(gettext("%(value)s is not a UUID.") % {"value": repr(value)}, field=field) from None


def _building(project: Project, building_id) -> Building:
    building = Building.objects.filter(project=project, pk=building_id).first()
    if building is None:
        raise InvalidInput(
            gettext("No building %(id)s in project %(code)s.") % {"id": building_id, "code": project.code},
            field="building_id",
        )
    return building


# --- units and home owners --------------------------------------------------------------------


def create_unit(
    project: Project,
    *,
    building_id: int,
    number: str,
    floor: int,
    area_m2=None,
    space_global_ids: list[str] | None = None,
    actor,
) -> Unit:
    authorize(actor, project, "unit.manage")
    building = _building(project, building_id)
    number = (number or "").strip()
    if not number:
        raise InvalidInput(gettext("Give the unit's number, e.g. 1-502."), field="number")
    number = number[:30]
    space_global_ids = list(dict.fromkeys(space_global_ids or []))
    if space_global_ids:
        from bim.models import Space

        known = set(
            Space.objects.filter(
                version__model__project=project, version__status="ready", global_id__in=space_global_ids
            ).values_list("global_id", flat=True)
        )
        unknown = [g for g in space_global_ids if g not in known]
        if unknown:
            raise InvalidInput(
                gettext("No IfcSpace %(global_ids)s in the project's models.") % {"global_ids": ", ".join(unknown)},
                field="space_global_ids",
            )
    exists = Conflict(
        gettext("Building %(building)s already has a unit %(number)s.") % {"building": building.name, "number": number},
        code="unit_exists",
    )
    if Unit.objects.filter(building=building, number=number).exists():
        raise exists
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                building=building, number=number, floor=floor, area_m2=area_m2, space_global_ids=space_global_ids
            )
            record_event(
                "unit.created",
                actor=actor,
                project=project,
                target=unit,
                changes={
                    "building": [None, building.name],
                    "number": [None, unit.number],
                    "floor": [None, floor],
                    "spaces": [None, space_global_ids],
                },
            )
    except IntegrityError:  # the same unit made at the same moment by another request
        raise exists from None
    return unit


def _ensure_home_owner_membership(project: Project, person: Person, *, actor) -> None:
    has_role = ProjectMembership.objects.filter(
        active_membership(), project=project, person=person, role=Role.HOME_OWNER
    ).exists()
    if not has_role:
        project_actions.add_project_member(project, person_id=person.pk, role=Role.HOME_OWNER, actor=actor)


def bind_home_owner(project: Project, *, unit_id: int, person_id: int, actor) -> HomeOwnership:
    """The owner's staff bind a home owner (a registered person) to their unit; the person becomes
    a home owner on the project if they were not one."""
    authorize(actor, project, "home_owner.bind")
    unit = Unit.objects.select_related("building").filter(building__project=project, pk=unit_id).first()
    if unit is None:
        raise NotFound(gettext("No unit %(id)s in project %(code)s.") % {"id": unit_id, "code": project.code})
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise InvalidInput(gettext("No person %(id)s.") % {"id": person_id}, field="person_id")
    return _bind(project, unit, person, actor=actor, membership_by=actor, by_code=False)


def _bind(project, unit, person, *, actor, membership_by, by_code: bool) -> HomeOwnership:
    existing = HomeOwnership.objects.filter(unit=unit, person=person).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        _ensure_home_owner_membership(project, person, actor=membership_by)
        ownership = HomeOwnership.objects.create(unit=unit, person=person, bound_by=actor, by_code=by_code)
        record_event(
            "unit.home_owner_bound",
            actor=actor,
            project=project,
            target=unit,
            changes={"home_owner": [None, person.name], "by_code": [None, by_code]},
        )
    return ownership


def _code_hash(raw: str) -> str:
    return hashlib.sha256(raw.strip().upper().replace("-", "").encode()).hexdigest()


def issue_binding_code(project: Project, *, unit_id: int, actor) -> tuple[BindingCode, str]:
    """A one-time code to print for the buyer; the code itself is shown once and not kept."""
    authorize(actor, project, "home_owner.bind")
    unit = Unit.objects.filter(building__project=project, pk=unit_id).first()
    if unit is None:
        raise NotFound(gettext("No unit %(id)s in project %(code)s.") % {"id": unit_id, "code": project.code})
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    with transaction.atomic():
        code = BindingCode.objects.create(unit=unit, code_hash=_code_hash(raw), issued_by=actor)
        record_event("unit.binding_code_issued", actor=actor, project=project, target=unit, changes={})
    return code, f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def redeem_binding_code(*, code: str, actor) -> HomeOwnership:
    """A buyer signed in with their own account binds themself to the unit the code was printed
    for. The code works once; an unknown or used code says so without naming any unit."""
    person = person_of(actor)
    if person is None:
        raise PermissionDenied(gettext("Only a registered person may bind themself to a unit."))
    with transaction.atomic():
        row = (
            BindingCode.objects.select_for_update()
            .select_related("unit__building__project", "issued_by")
            .filter(code_hash=_code_hash(code or ""))
            .first()
        )
        if row is None or row.used_at is not None:
            raise InvalidInput(gettext("This code is unknown or has been used already."), field="code")
        project = row.unit.building.project
        row.used_by, row.used_at = actor, timezone.now()
        row.save(update_fields=["used_by", "used_at"])
        # the membership is made in the name of the staff member who issued the code
        ownership = _bind(project, row.unit, person, actor=actor, membership_by=row.issued_by, by_code=True)
    return ownership


# --- policies ---------------------------------------------------------------------------------


def _organisation(org_id, kind: str, field: str) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None or org.kind != kind:
        raise InvalidInput(
            gettext("Organisation %(id)s is not a %(kind)s.") % {"id": org_id, "kind": OrganisationKind(kind).label},
            field=field,
        )
    return org


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(gettext("%(field)s must be a number.") % {"field": label}, field=field) from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(gettext("%(field)s must be a number of 0 or more.") % {"field": label}, field=field)
    return number


def _cover_years(cover_years: dict | None) -> dict:
    years = dict(Policy._meta.get_field("cover_years").default())
    for category, value in (cover_years or {}).items():
        if category not in DefectCategory.values:
            raise InvalidInput(
                gettext("%(value)s is not a defect category: use one of %(choices)s.")
                % {"value": repr(category), "choices": ", ".join(DefectCategory.values)},
                field="cover_years",
            )
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise InvalidInput(
                gettext("Cover of %(category)s must be whole years from 0 to 100.") % {"category": category},
                field="cover_years",
            )
        years[category] = value
    return years


def create_policy(
    project: Project,
    *,
    number: str,
    insurer_id: int,
    tis_id: int,
    premium_rate_percent,
    premium_amount,
    building_id: int | None = None,
    cover_years: dict | None = None,
    waiting_period_years: int | None = None,
    exclusions: list[str] | None = None,
    accepted_on: datetime.date | None = None,
    actor,
) -> Policy:
    """An IDI policy on the project or one of its buildings; cover, waiting period and exclusions
    default to DOMAIN.md s7. The insured is the owner (建设单位) appointed on the project."""
    authorize(actor, project, "policy.manage")
    number = (number or "").strip()
    if not number:
        raise InvalidInput(gettext("Give the policy number."), field="number")
    building = _building(project, building_id) if building_id is not None else None
    insurer = _organisation(insurer_id, OrganisationKind.INSURER, "insurer_id")
    tis = _organisation(tis_id, OrganisationKind.TIS, "tis_id")
    rate = _decimal(premium_rate_percent, "premium_rate_percent", gettext("The premium rate"))
    if rate > 100:
        raise InvalidInput(gettext("The premium rate is a percentage up to 100."), field="premium_rate_percent")
    amount = _decimal(premium_amount, "premium_amount", gettext("The premium"))
    years = _cover_years(cover_years)
    if waiting_period_years is None:
        waiting_period_years = Policy._meta.get_field("waiting_period_years").default
    if not 0 <= waiting_period_years <= 10:
        raise InvalidInput(gettext("The waiting period is 0 to 10 years."), field="waiting_period_years")
    if exclusions is None:
        exclusions = list(EXCLUSIONS)
    unknown = [e for e in exclusions if e not in EXCLUSIONS]
    if unknown:
        raise InvalidInput(
            gettext("Unknown exclusions %(unknown)s: use %(choices)s.")
            % {"unknown": ", ".join(unknown), "choices": ", ".join(EXCLUSIONS)},
            field="exclusions",
        )
    if accepted_on is not None:
        check_date(accepted_on, field="accepted_on", label=gettext("The acceptance date"), not_after_today=True)
    owner = current_appointments(project)[Party.OWNER]
    insured = owner.organisation if owner is not None else getattr(person_of(actor), "organisation", None)
    if insured is None:
        raise InvalidInput(gettext("Appoint the owner (建设单位) first: it is the insured."), field="number")
    exists = Conflict(gettext("Policy %(number)s exists already.") % {"number": number}, code="policy_exists")
    if Policy.objects.filter(number=number).exists():
        raise exists
    try:
        with transaction.atomic():
            policy = Policy.objects.create(
                project=project,
                building=building,
                number=number[:60],
                insurer=insurer,
                tis=tis,
                insured=insured,
                premium_rate_percent=rate,
                premium_amount=amount,
                cover_years=years,
                waiting_period_years=waiting_period_years,
                exclusions=list(dict.fromkeys(exclusions)),
                service_days=dict(DEFAULT_SERVICE_DAYS),
                accepted_on=accepted_on,
                created_by=actor,
            )
            record_event(
                "policy.created",
                actor=actor,
                project=project,
                target=policy,
                changes={
                    "number": [None, policy.number],
                    "building": [None, building.name if building else None],
                    "insurer": [None, insurer.name],
                    "tis": [None, tis.name],
                    "cover_years": [None, years],
                    "waiting_period_years": [None, waiting_period_years],
                    "exclusions": [None, policy.exclusions],
                    "accepted_on": [None, accepted_on],
                },
            )
    except IntegrityError:  # the same number recorded at the same moment by another request
        raise exists from None
    return policy


def file_tis_report(
    project: Project,
    *,
    policy_id: int,
    title: str,
    reported_on: datetime.date,
    summary: str = "",
    finding_ids: list[int] | None = None,
    actor,
) -> TisReport:
    """A TIS risk report during construction, with the findings the TIS raised on site."""
    from inspections.models import Finding

    authorize(actor, project, "policy.tis_report")
    require_fits(summary, field="summary", limit=TEXT_LENGTH)
    policy = Policy.objects.filter(project=project, pk=policy_id).first()
    if policy is None:
        raise NotFound(gettext("No policy %(id)s in project %(code)s.") % {"id": policy_id, "code": project.code})
    if not (title or "").strip():
        raise InvalidInput(gettext("Give the report a title."), field="title")
    check_date(reported_on, field="reported_on", label=gettext("The report date"), not_after_today=True)
    finding_ids = list(dict.fromkeys(finding_ids or []))
    known = set(Finding.objects.filter(project=project, pk__in=finding_ids).values_list("pk", flat=True))
    if set(finding_ids) - known:
        raise InvalidInput(
            gettext("No findings %(ids)s in this project.")
            % {"ids": ", ".join(str(i) for i in finding_ids if i not in known)},
            field="finding_ids",
        )
    # a TIS report carries the TIS's own findings: opened by someone who works for it on the project
    tis_users = ProjectMembership.objects.filter(project=project, role=Role.TIS_INSPECTOR).values("person__user_id")
    others = list(
        Finding.objects.filter(project=project, pk__in=finding_ids)
        .exclude(created_by_id__in=tis_users)
        .values_list("pk", flat=True)
    )
    if others:
        raise InvalidInput(
            gettext("Findings %(ids)s were not raised by the TIS.") % {"ids": ", ".join(str(i) for i in others)},
            field="finding_ids",
        )
    with transaction.atomic():
        report = TisReport.objects.create(
            policy=policy,
            title=title.strip()[:200],
            summary=summary or "",
            reported_on=reported_on,
            finding_ids=finding_ids,
            filed_by=actor,
        )
        record_event(
            "policy.tis_report_filed",
            actor=actor,
            project=project,
            target=policy,
            changes={"title": [None, report.title], "findings": [None, finding_ids]},
        )
    return report


# --- claims -----------------------------------------------------------------------------------


def _replayed(client_uuid, *, project, actor) -> DefectClaim | None:
    existing = DefectClaim.objects.filter(client_uuid=client_uuid).first()
    if existing is None:
        return None
    if existing.project_id == project.pk and existing.filed_by_id == actor.pk:
        return existing
    raise Conflict(gettext("This client UUID belongs to another claim: generate a new one."), code="uuid_taken")


def _element_in_unit(unit: Unit | None, version, global_ids: list[str]) -> None:
    """A home owner files on what is theirs: each element touches one of the unit's spaces (by
    plan footprint, on the same storey). A unit without spaces in the model is not checked."""
    if unit is None or not unit.space_global_ids or not global_ids:
        return
    spaces = list(version.spaces.filter(global_id__in=unit.space_global_ids))
    if not spaces:
        return
    for element in version.elements.filter(global_id__in=global_ids):
        if element.min_x is None:
            continue
        touches = any(
            s.min_x is not None
            and s.storey_id == element.storey_id
            and element.min_x <= s.max_x + 0.05
            and element.max_x >= s.min_x - 0.05
            and element.min_y <= s.max_y + 0.05
            and element.max_y >= s.min_y - 0.05
            for s in spaces
        )
        if not touches:
            raise InvalidInput(
                gettext("%(element)s is not part of unit %(unit)s.") % {"element": element.name, "unit": unit.number},
                field="global_ids",
            )


def _survey_due(filed_at: datetime.datetime, policy: Policy, is_emergency: bool) -> datetime.datetime:
    days = {**DEFAULT_SERVICE_DAYS, **(policy.service_days or {})}
    if is_emergency:
        return filed_at + datetime.timedelta(hours=days["emergency_hours"])
    due = add_working_days(timezone.localtime(filed_at).date(), days["survey"])
    return timezone.make_aware(datetime.datetime.combine(due, datetime.time(23, 59, 59)))


def file_claim(
    project: Project,
    *,
    client_uuid,
    description: str,
    found_on: datetime.date,
    unit_id: int | None = None,
    category: str = "",
    version_id: int | None = None,
    global_ids: list[str] | None = None,
    storey_global_id: str = "",
    point: tuple[float, float] | None = None,
    is_emergency: bool = False,
    actor,
) -> tuple[DefectClaim, bool]:
    """A home owner's claim on their unit (the owner's staff, as property manager, on common
    parts: no unit). Cover is decided now and kept on the claim with its reasons. Posting the
    same client UUID again returns the claim it created (created=False)."""
    roles = authorize(actor, project, "claim.file")
    client_uuid = _uuid(client_uuid, "client_uuid")
    replay = partial(_replayed, client_uuid, project=project, actor=actor)
    existing = replay()
    if existing is not None:
        return existing, False
    only_own = Role.HOME_OWNER in roles and Role.OWNER not in roles
    unit = None
    if unit_id is not None:
        unit = Unit.objects.select_related("building").filter(building__project=project, pk=unit_id).first()
        if unit is None or (only_own and unit.pk not in queries.own_unit_ids(actor, project)):
            raise NotFound(gettext("No unit %(id)s in project %(code)s.") % {"id": unit_id, "code": project.code})
    elif only_own:
        raise InvalidInput(gettext("Choose your unit."), field="unit_id")
    description = require_fits(
        (description or "").strip(), field="description", limit=TEXT_LENGTH, label=gettext("Description")
    )
    if not description:
        raise InvalidInput(gettext("Describe the defect in a few words."), field="description")
    check_date(found_on, field="found_on", label=gettext("The date it was found"), not_after_today=True)
    if category and category not in DefectCategory.values:
        raise InvalidInput(
            gettext("%(value)s is not a defect category: use one of %(choices)s.")
            % {"value": repr(category), "choices": ", ".join(DefectCategory.values)},
            field="category",
        )
    global_ids = list(dict.fromkeys(global_ids or []))
    version = None
    if version_id is not None:
        version = _version(project, version_id)
        known = {e.global_id: e for e in version.elements.filter(global_id__in=global_ids)}
        unknown = [g for g in global_ids if g not in known]
        if unknown:
            raise InvalidInput(
                gettext("Not in version %(number)s of %(model)s: %(global_ids)s.")
                % {"number": version.number, "model": version.model.name, "global_ids": ", ".join(unknown)},
                field="global_ids",
            )
        _element_in_unit(unit, version, global_ids)
        if global_ids and not storey_global_id:
            first = known[global_ids[0]]
            storey_global_id = first.storey.global_id if first.storey_id else ""
    elif global_ids or point is not None:
        raise InvalidInput(gettext("Name the model version the elements or the point belong to."), field="version_id")
    inferred_from = ""
    if not category:
        first = version.elements.filter(global_id=global_ids[0]).first() if version and global_ids else None
        if first is not None:
            is_external = (first.psets or {}).get("Pset_WallCommon", {}).get("IsExternal")
            category = category_of_ifc_class(first.ifc_class, is_external=is_external) or ""
            inferred_from = first.ifc_class if category else ""
        if not category:
            raise InvalidInput(gettext("Choose the kind of defect."), field="category")
    building = unit.building if unit else _building_of(project, version, storey_global_id)
    policy = queries.policy_covering(project, building)
    if policy is None:
        raise InvalidInput(gettext("No insurance policy covers this building yet."), field="unit_id", code="no_policy")
    accepted_on, source = queries.cover_starts_from(policy, building)
    cover = decide_cover(
        accepted_on=accepted_on,
        accepted_from=source,
        category=category,
        found_on=found_on,
        cover_years=policy.cover_years,
        waiting_period_years=policy.waiting_period_years,
        exclusions=policy.exclusions,
        description=description,
        inferred_from=inferred_from,
        policy_number=policy.number,
    )

    def write():
        with transaction.atomic():
            now = timezone.now()
            claim = DefectClaim.objects.create(
                project=project,
                policy=policy,
                unit=unit,
                client_uuid=client_uuid,
                version=version,
                global_ids=global_ids,
                storey_global_id=storey_global_id,
                point_x=point[0] if point else None,
                point_y=point[1] if point else None,
                category=category,
                category_inferred_from=inferred_from,
                description=description,
                found_on=found_on,
                is_emergency=bool(is_emergency),
                cover=cover.as_dict(),
                is_covered=cover.covered,
                survey_due=_survey_due(now, policy, bool(is_emergency)),
                filed_at=now,
                filed_by=actor,
            )
            ClaimStep.objects.create(claim=claim, kind="filed", status=ClaimStatus.FILED, note=description, actor=actor)
            record_event(
                "claim.filed",
                actor=actor,
                project=project,
                target=claim,
                changes={
                    "unit": [None, unit.number if unit else None],
                    "category": [None, category],
                    "found_on": [None, found_on],
                    "global_ids": [None, global_ids],
                    "covered": [None, cover.covered],
                    "reasons": [None, [r.code for r in cover.reasons]],
                    "survey_due": [None, claim.survey_due],
                },
            )
        return claim

    try:
        return write(), True
    except IntegrityError:
        existing = replay()
        if existing is None:
            raise
        return existing, False


def _version(project: Project, version_id: int):
    from bim.models import ModelVersion

    version = ModelVersion.objects.select_related("model").filter(model__project=project, pk=version_id).first()
    if version is None or version.status != "ready":
        raise InvalidInput(gettext("No ready model version %(id)s.") % {"id": version_id}, field="version_id")
    return version


def _building_of(project: Project, version, storey_global_id: str):
    """The building a common-parts claim is on, from the storey's IfcBuilding (None if unknown)."""
    if version is None or not storey_global_id:
        return None
    storey = version.storeys.filter(global_id=storey_global_id).first()
    if storey is None or not storey.building_global_id:
        return None
    for building in Building.objects.filter(project=project):
        if storey.building_global_id in (building.ifc_global_ids or []):
            return building
    return None


def add_claim_photo(
    project: Project,
    *,
    claim_id: int,
    client_uuid,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> tuple[ClaimPhoto, bool]:
    """A photo of the defect (by whoever filed it) or of the repair (by the party repairing);
    the same client UUID returns the first upload."""
    authorize(actor, project, "claim.photo")
    client_uuid = _uuid(client_uuid, "client_uuid")
    existing = ClaimPhoto.objects.filter(client_uuid=client_uuid).select_related("claim").first()
    if existing is not None:
        if existing.claim.project_id == project.pk and existing.claim_id == claim_id:
            return existing, False
        raise Conflict(gettext("This client UUID belongs to another photo: generate a new one."), code="uuid_taken")
    claim, stage = queries.photo_stage(project, claim_id, user=actor)
    stored = store_upload(
        stream, allowed=PHOTO_TYPES, max_bytes=settings.PHOTO_MAX_BYTES, what=gettext("The photo"), size=size
    )
    try:
        with transaction.atomic():
            photo = ClaimPhoto(claim=claim, client_uuid=client_uuid, stage=stage)
            photo.set_stored(stored, original_name=original_name, uploaded_by=actor)
            photo.save()
            record_event(
                "claim.photo_added",
                actor=actor,
                project=project,
                target=claim,
                changes={"photo": [None, stored.sha256], "stage": [None, stage]},
            )
    except IntegrityError:
        existing = ClaimPhoto.objects.filter(client_uuid=client_uuid, claim_id=claim_id).first()
        if existing is None:
            raise
        return existing, False
    return photo, True


def move_claim(
    project: Project,
    *,
    claim_id: int,
    verb: str,
    note: str = "",
    reasons: list[str] | None = None,
    party: str = "",
    actor,
) -> DefectClaim:
    """survey (TIS), accept / decline (insurer, a decline with its reasons), contest (the home
    owner, once), assign_repair (insurer, to a party of the register), record_repair (that party,
    with photos), confirm_repair (the home owner; the claim closes)."""
    if verb not in CLAIM_MOVES:
        raise InvalidInput(gettext("%(value)s is not a move of a claim.") % {"value": repr(verb)}, field="verb")
    sources, target, right = CLAIM_MOVES[verb]
    roles = authorize(actor, project, right)
    queries.get_claim(project, claim_id, user=actor)  # invisible claims do not exist (a home owner's neighbour's)
    note = require_fits((note or "").strip(), field="note", limit=TEXT_LENGTH, label=gettext("Note"))
    with transaction.atomic():
        claim = (
            DefectClaim.objects.select_for_update()
            .select_related("policy")  # a nullable relation would be an outer join, which cannot be locked
            .filter(project=project, pk=claim_id)
            .first()
        )
        if claim is None:
            raise NotFound(gettext("No claim %(id)s in project %(code)s.") % {"id": claim_id, "code": project.code})
        if claim.status not in sources:
            allowed = [v for v, (s, _t, _r) in CLAIM_MOVES.items() if claim.status in s]
            raise InvalidTransition(
                gettext("A claim that is %(status)s cannot be moved by %(verb)s; allowed: %(allowed)s.")
                % {
                    "status": claim.get_status_display(),
                    "verb": verb,
                    "allowed": ", ".join(allowed) or gettext("nothing"),
                },
                allowed=allowed,
            )
        old = claim.status
        changes: dict = {"status": [old, target]}
        fields = ["status", "updated_at"]
        today = timezone.localdate()
        days = {**DEFAULT_SERVICE_DAYS, **(claim.policy.service_days or {})}
        if verb == "survey":
            if not note:
                raise InvalidInput(gettext("Write what the survey found."), field="note")
            claim.decision_due = add_working_days(today, days["decision"])
            fields.append("decision_due")
            changes["decision_due"] = [None, claim.decision_due]
        elif verb in ("accept", "decline"):
            reasons = list(dict.fromkeys(reasons or []))
            if verb == "decline":
                if not reasons:
                    raise InvalidInput(
                        gettext("Give the reasons for declining: %(codes)s.")
                        % {"codes": _reason_list(decline_codes_for(claim))},
                        field="reasons",
                    )
                unknown = [r for r in reasons if r not in DECLINE_CODES]
                if unknown:
                    raise InvalidInput(
                        gettext("Unknown reasons %(unknown)s: use %(codes)s.")
                        % {"unknown": ", ".join(unknown), "codes": _reason_list(DECLINE_CODES, with_codes=True)},
                        field="reasons",
                    )
                contradicted = [r for r in reasons if r not in decline_codes_for(claim)]
                if contradicted:
                    raise InvalidInput(
                        gettext(
                            "The cover decided from the policy and the dates contradicts %(reasons)s: this claim "
                            "may be declined for %(codes)s."
                        )
                        % {
                            "reasons": _reason_list(contradicted, with_codes=True),
                            "codes": _reason_list(decline_codes_for(claim), with_codes=True),
                        },
                        field="reasons",
                    )
            claim.decision_reasons = reasons
            fields.append("decision_reasons")
            changes["reasons"] = [None, reasons]
            if verb == "accept":
                claim.repair_start_due = add_working_days(today, days["repair_start"])
                claim.repair_finish_due = add_working_days(today, days["repair_finish"])
                fields += ["repair_start_due", "repair_finish_due"]
                changes["repair_due"] = [None, [claim.repair_start_due, claim.repair_finish_due]]
        elif verb == "contest":
            if claim.filed_by_id != actor.pk and Role.OWNER not in roles:
                raise PermissionDenied(gettext("Only who filed the claim may contest its decision."))
            if claim.is_contested:
                raise Conflict(gettext("This claim was contested once already."), code="contested_once")
            if not note:
                raise InvalidInput(gettext("Say why you contest the decision."), field="note")
            claim.is_contested = True
            claim.decision_due = add_working_days(today, days["decision"])
            fields += ["is_contested", "decision_due"]
        elif verb == "assign_repair":
            party = party or Party.CONTRACTOR
            if party not in FIVE_PARTIES:
                raise InvalidInput(
                    gettext("%(value)s is not one of the five parties.") % {"value": repr(party)}, field="party"
                )
            appointment = current_appointments(project)[party]
            if appointment is None:
                raise InvalidInput(
                    gettext("Nobody is appointed as %(party)s on this project.") % {"party": Party(party).label},
                    field="party",
                )
            claim.repair_party, claim.repair_appointment = party, appointment
            fields += ["repair_party", "repair_appointment"]
            changes["repair"] = [None, f"{appointment.organisation.name} / {appointment.leader.name}"]
        elif verb == "record_repair":
            if not queries.is_repairer(claim, actor, roles):
                raise PermissionDenied(
                    gettext("The repair is assigned to %(organisation)s; only its staff record it.")
                    % {"organisation": claim.repair_appointment.organisation.name}
                )
            if not note:
                raise InvalidInput(gettext("Describe the repair."), field="note")
            if not claim.photos.filter(stage="repair", uploaded_by=actor).exists():
                raise InvalidInput(gettext("Add at least one photo of the repair first."), field="photos")
        elif (
            verb == "confirm_repair"
            and claim.unit_id is not None
            and claim.unit_id not in queries.own_unit_ids(actor, project)
        ):
            raise PermissionDenied(gettext("The home owner of the unit confirms the repair."))
        claim.status = target
        claim.save(update_fields=fields)
        ClaimStep.objects.create(claim=claim, kind=verb, status=target, note=note, actor=actor)
        changes["note"] = [None, note or None]
        record_event(f"claim.{verb}", actor=actor, project=project, target=claim, changes=changes)
    return claim
