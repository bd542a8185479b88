"""Every state change of organisations, people, projects and memberships.

Each function checks the actor's right, runs in one transaction and writes one audit event.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from plumbline.audit.log import diff, record_event
from plumbline.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from plumbline.permissions import Role

from .models import (
    ROLE_ORGANISATION_KINDS,
    STAGE_MOVES,
    Organisation,
    OrganisationKind,
    Person,
    Project,
    ProjectMembership,
    ProjectStage,
)
from .queries import authorize, person_of
from .validators import mask_id_number, validate_region_code

PROJECT_FIELDS = ("name", "address", "region_code", "site_location", "building_count", "design_service_life_years")


def _full_clean(obj, *, exclude=None) -> None:
    """Model validation as InvalidInput (HTTP 422) naming the field."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput(" ".join(messages), field=None if field == "__all__" else field) from None


def validate_site_location(value) -> None:
    """A GeoJSON Point or Polygon with WGS 84 longitude/latitude."""
    if value is None:
        return
    from shapely.geometry import shape

    if not isinstance(value, dict) or value.get("type") not in ("Point", "Polygon"):
        raise InvalidInput("The site location must be a GeoJSON Point or Polygon.", field="site_location")
    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InvalidInput(f"The site location is not valid GeoJSON: {exc}.", field="site_location") from None
    if geometry.is_empty or not geometry.is_valid:
        raise InvalidInput("The site location is empty or its outline crosses itself.", field="site_location")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(
            "The site location must be in longitude/latitude degrees (WGS 84), longitude first.",
            field="site_location",
        )


def _require_site_staff(actor, what: str) -> None:
    if not actor.is_staff:
        raise PermissionDenied(f"Only platform administrators may {what}.")


def create_organisation(*, credit_code: str, name: str, kind: str, region_code: str = "", actor) -> Organisation:
    _require_site_staff(actor, "register organisations")
    org = Organisation(
        credit_code=(credit_code or "").strip().upper(),
        name=(name or "").strip(),
        kind=kind,
        region_code=(region_code or "").strip(),
    )
    _full_clean(org)
    with transaction.atomic():
        if Organisation.objects.filter(credit_code=org.credit_code).exists():
            raise Conflict(f"An organisation with credit code {org.credit_code} is already registered.")
        org.save()
        record_event(
            "organisation.created",
            actor=actor,
            organisation=org,
            target=org,
            changes={k: [None, getattr(org, k)] for k in ("credit_code", "name", "kind", "region_code")},
        )
    return org


def register_person(
    *,
    username: str,
    name: str,
    organisation_id: int | None,
    id_number: str = "",
    qualification: str = "",
    certificate_number: str = "",
    email: str = "",
    password: str | None = None,
    is_organisation_admin: bool = False,
    actor,
) -> Person:
    """Create a sign-in account with its person profile (site staff, or an admin of the organisation)."""
    organisation = None
    if organisation_id is not None:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise InvalidInput(f"No organisation {organisation_id}.", field="organisation_id")
    me = person_of(actor)
    is_own_org_admin = bool(me and me.is_organisation_admin and organisation and me.organisation_id == organisation.pk)
    if not (actor.is_staff or is_own_org_admin):
        raise PermissionDenied("Only platform administrators and the organisation's admins may register its people.")
    username = (username or "").strip()
    if not username:
        raise InvalidInput("A username is required.", field="username")
    User = get_user_model()
    user = User(username=username, email=email or "")
    _full_clean(user, exclude=["password"])
    person = Person(
        name=(name or "").strip(),
        organisation=organisation,
        id_number=(id_number or "").strip().upper(),
        qualification=qualification or "",
        certificate_number=certificate_number or "",
        is_organisation_admin=is_organisation_admin,
    )
    _full_clean(person, exclude=["user"])
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(f"The username {username!r} is taken.")
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.first_name = person.name[:150]
        user.save()
        person.user = user
        person.save()
        record_event(
            "person.registered",
            actor=actor,
            organisation=organisation,
            target=person,
            changes={
                "username": [None, username],
                "name": [None, person.name],
                "organisation": [None, organisation.name if organisation else None],
                "id_number": [None, mask_id_number(person.id_number) or None],
                "is_organisation_admin": [None, is_organisation_admin],
            },
        )
    return person


def create_project(
    *,
    code: str,
    name: str,
    address: str,
    region_code: str,
    site_location: dict | None = None,
    building_count: int = 1,
    design_service_life_years: int = 50,
    actor,
) -> Project:
    """Owner (建设单位) staff create a project and become its first member."""
    me = person_of(actor)
    if me is None or me.organisation is None or me.organisation.kind != OrganisationKind.OWNER:
        raise PermissionDenied("Only staff of an owner / developer (建设单位) may create a project.")
    validate_site_location(site_location)
    project = Project(
        code=(code or "").strip(),
        name=(name or "").strip(),
        address=(address or "").strip(),
        region_code=(region_code or "").strip(),
        site_location=site_location,
        building_count=building_count,
        design_service_life_years=design_service_life_years,
    )
    _full_clean(project)
    if project.design_service_life_years < 1:
        raise InvalidInput("The design service life is at least one year.", field="design_service_life_years")
    with transaction.atomic():
        if Project.objects.filter(code=project.code).exists():
            raise Conflict(f"A project with code {project.code!r} already exists.")
        project.save()
        ProjectMembership.objects.create(project=project, person=me, organisation=me.organisation, role=Role.OWNER)
        record_event(
            "project.created",
            actor=actor,
            project=project,
            target=project,
            changes={
                **{k: [None, getattr(project, k)] for k in ("code", *PROJECT_FIELDS, "stage")},
                "members": [None, [{"person": me.name, "role": Role.OWNER.value}]],
            },
        )
    return project


def update_project(project: Project, *, changes: dict, actor) -> Project:
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "site_location" in changes:
        validate_site_location(changes["site_location"])
    if "region_code" in changes:
        try:
            validate_region_code(changes["region_code"])
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="region_code") from None
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        authorize(actor, project, "project.update")
        before = {k: getattr(project, k) for k in PROJECT_FIELDS}
        for field, value in changes.items():
            setattr(project, field, value)
        _full_clean(project, exclude=["code"])
        after = {k: getattr(project, k) for k in PROJECT_FIELDS}
        changed = diff(before, after)
        if not changed:
            return project
        project.save(update_fields=list(changed))
        record_event("project.updated", actor=actor, project=project, target=project, changes=changed)
    return project


# Other apps add the conditions a stage move needs (e.g. all five commitments on file).
STAGE_GATES: list = []


def change_project_stage(project: Project, *, stage: str, actor) -> Project:
    if stage not in ProjectStage.values:
        raise InvalidInput(f"{stage!r} is not a stage: use one of {', '.join(ProjectStage.values)}.", field="stage")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        authorize(actor, project, "project.change_stage")
        allowed = STAGE_MOVES[project.stage]
        if stage not in allowed:
            raise InvalidTransition(
                f"A project in {project.stage} cannot move to {stage}."
                + (f" Next allowed: {', '.join(sorted(allowed))}." if allowed else " It is in its last stage."),
                allowed=list(allowed),
            )
        missing = [problem for gate in STAGE_GATES for problem in gate(project, stage)]
        if missing:
            raise Conflict(
                f"Project {project.code} cannot enter {stage}: " + "; ".join(missing) + ".",
                code="stage_gate",
                extra={"missing": missing},
            )
        old = project.stage
        project.stage = stage
        project.save(update_fields=["stage"])
        record_event(
            "project.stage_changed", actor=actor, project=project, target=project, changes={"stage": [old, stage]}
        )
    return project


def add_project_member(project: Project, *, person_id: int, role: str, actor) -> ProjectMembership:
    if role not in Role.values or role == Role.AUDITOR:
        member_roles = [r for r in Role.values if r != Role.AUDITOR]
        raise InvalidInput(f"{role!r} is not a member role: use one of {', '.join(member_roles)}.", field="role")
    person = Person.objects.select_related("organisation").filter(pk=person_id).first()
    if person is None:
        raise InvalidInput(f"No person {person_id}.", field="person_id")
    kinds = ROLE_ORGANISATION_KINDS[role]
    if kinds is not None and (person.organisation is None or person.organisation.kind not in kinds):
        org = person.organisation.name if person.organisation else "no organisation"
        raise InvalidInput(
            f"{person.name} works for {org}; the role {role} needs someone from a "
            f"{' or '.join(str(OrganisationKind(k).label) for k in sorted(kinds))}.",
            field="role",
        )
    try:
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project.pk)
            authorize(actor, project, "membership.manage")
            membership = ProjectMembership.objects.create(
                project=project, person=person, organisation=person.organisation, role=role
            )
            record_event(
                "membership.added",
                actor=actor,
                project=project,
                target=membership,
                changes={
                    "person": [None, person.name],
                    "role": [None, role],
                    "organisation": [None, person.organisation.name if person.organisation else None],
                },
            )
    except IntegrityError:
        raise Conflict(f"{person.name} is already a member of {project.code} as {role}.") from None
    return membership


def end_project_membership(project: Project, *, membership_id: int, actor) -> ProjectMembership:
    with transaction.atomic():
        authorize(actor, project, "membership.manage")
        membership = (
            ProjectMembership.objects.select_for_update()
            .select_related("person")
            .filter(pk=membership_id, project=project)
            .first()
        )
        if membership is None:
            raise NotFound(f"No membership {membership_id} in project {project.code}.")
        if membership.ended_at is not None:
            raise Conflict(f"{membership.person.name}'s membership as {membership.role} has already ended.")
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])
        record_event(
            "membership.ended",
            actor=actor,
            project=project,
            target=membership,
            changes={"ended_at": [None, membership.ended_at]},
        )
    return membership
