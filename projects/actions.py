"""Every state change of organisations, people, projects and memberships.

Each function checks the actor's right, runs in one transaction and writes one audit event.
"""

import datetime
import re
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from plumbline.core.audit.log import diff, record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from plumbline.core.permissions import Role

from .dates import check_date, check_not_after, check_not_before
from .models import (
    DESIGN_CHANGE_MOVES,
    FIVE_PARTIES,
    PARTY_LETTER_KINDS,
    PARTY_ORGANISATION_KIND,
    ROLE_ORGANISATION_KINDS,
    STAGE_MOVES,
    Building,
    DesignChange,
    DesignChangeStatus,
    LetterKind,
    LetterStatus,
    LiabilityLetter,
    Organisation,
    OrganisationKind,
    Party,
    PartyAppointment,
    Person,
    Project,
    ProjectMembership,
    ProjectStage,
    RegionPolicy,
)
from .queries import (
    appointments_at,
    authorize,
    current_appointments,
    files_letters_of,
    jurisdiction_of,
    missing_for_stage,
    person_of,
    region_has_architect_in_charge,
)
from .rights import require_owner_staff, require_people_registrar, require_site_staff
from .validators import mask_id_number, normalise_id_number, validate_region_code

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
        raise InvalidInput(gettext("The site location must be a GeoJSON Point or Polygon."), field="site_location")
    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InvalidInput(
            gettext("The site location is not valid GeoJSON: %(reason)s.") % {"reason": exc}, field="site_location"
        ) from None
    if geometry.is_empty or not geometry.is_valid:
        raise InvalidInput(gettext("The site location is empty or its outline crosses itself."), field="site_location")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(
            gettext("The site location must be in longitude/latitude degrees (WGS 84), longitude first."),
            field="site_location",
        )


def create_organisation(*, credit_code: str, name: str, kind: str, region_code: str = "", actor) -> Organisation:
    require_site_staff(actor, gettext("register organisations"))
    org = Organisation(
        credit_code=(credit_code or "").strip().upper(),
        name=(name or "").strip(),
        kind=kind,
        region_code=(region_code or "").strip(),
    )
    _full_clean(org)
    with transaction.atomic():
        if Organisation.objects.filter(credit_code=org.credit_code).exists():
            raise Conflict(
                gettext("An organisation with credit code %(code)s is already registered.") % {"code": org.credit_code}
            )
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
    require_people_registrar(actor)  # the right first, then the input
    me = person_of(actor)
    organisation = None
    if organisation_id is not None:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise InvalidInput(gettext("No organisation %(id)s.") % {"id": organisation_id}, field="organisation_id")
    is_own_org_admin = bool(me and me.is_organisation_admin and organisation and me.organisation_id == organisation.pk)
    if not (actor.is_staff or is_own_org_admin):
        raise PermissionDenied(
            gettext("Only platform administrators and the organisation's admins may register its people.")
        )
    username = (username or "").strip()
    if not username:
        raise InvalidInput(gettext("A username is required."), field="username")
    User = get_user_model()
    user = User(username=username, email=email or "")
    _full_clean(user, exclude=["password"])
    person = Person(
        name=(name or "").strip(),
        organisation=organisation,
        id_number=normalise_id_number(id_number),
        qualification=qualification or "",
        certificate_number=certificate_number or "",
        is_organisation_admin=is_organisation_admin,
    )
    _full_clean(person, exclude=["user"])
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(gettext("The username %(username)s is taken.") % {"username": repr(username)})
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
    me = require_owner_staff(actor)
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
        raise InvalidInput(gettext("The design service life is at least one year."), field="design_service_life_years")
    with transaction.atomic():
        if Project.objects.filter(code=project.code).exists():
            raise Conflict(gettext("A project with code %(code)s already exists.") % {"code": repr(project.code)})
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
    authorize(actor, project, "project.update")  # the right first; checked again on the locked row
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput(
            gettext("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
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


PARTY_LEADER_ROLE = {
    Party.OWNER: Role.OWNER,
    Party.SURVEYOR: Role.SURVEY,
    Party.DESIGNER: Role.DESIGN,
    Party.CONTRACTOR: Role.CONTRACTOR,
    Party.SUPERVISOR: Role.CHIEF_INSPECTOR,
    Party.ARCHITECT: Role.DESIGN,  # the architect works for a design organisation
}
GATED_STAGES = {ProjectStage.CONSTRUCTION, ProjectStage.COMPLETED}


def change_project_stage(project: Project, *, stage: str, on: datetime.date | None = None, actor) -> Project:
    """Move to the next stage; entering construction or completion needs the five parties
    appointed and their letters on file (the refusal names what is missing)."""
    authorize(actor, project, "project.change_stage")  # the right first; checked again on the locked row
    if stage not in ProjectStage.values:
        raise InvalidInput(
            gettext("%(value)s is not a stage: use one of %(choices)s.")
            % {"value": repr(stage), "choices": ", ".join(ProjectStage.values)},
            field="stage",
        )
    dated = {ProjectStage.CONSTRUCTION: "construction_started_on", ProjectStage.COMPLETED: "completed_on"}.get(stage)
    day = on or timezone.localdate()
    label = (
        gettext("The construction start date") if stage == ProjectStage.CONSTRUCTION else gettext("The completion date")
    )
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        authorize(actor, project, "project.change_stage")
        allowed = STAGE_MOVES[project.stage]
        if stage not in allowed:
            raise InvalidTransition(
                gettext("A project in %(stage)s cannot move to %(target)s.") % {"stage": project.stage, "target": stage}
                + " "
                + (
                    gettext("Next allowed: %(allowed)s.") % {"allowed": ", ".join(sorted(allowed))}
                    if allowed
                    else gettext("It is in its last stage.")
                ),
                allowed=list(allowed),
            )
        if dated:
            check_date(day, field="on", label=label, not_after_today=True)
            # in order with the project's dates: completion after the start of construction, and
            # neither before the current leaders were appointed
            check_not_before(
                day,
                project.construction_started_on if stage == ProjectStage.COMPLETED else None,
                field="on",
                label=label,
                other_label=gettext("the start of construction"),
            )
            starts = [a.start_date for a in current_appointments(project).values() if a is not None]
            check_not_before(
                day,
                max(starts, default=None),
                field="on",
                label=label,
                other_label=gettext("the start of the latest current appointment"),
            )
        missing = missing_for_stage(project) if stage in GATED_STAGES else []
        if missing:
            raise Conflict(
                gettext("Project %(code)s cannot enter %(stage)s: %(missing)s.")
                % {"code": project.code, "stage": stage, "missing": "; ".join(missing)},
                code="stage_gate",
                extra={"missing": missing},
            )
        changes = {"stage": [project.stage, stage]}
        project.stage = stage
        if dated:
            changes[dated] = [getattr(project, dated), day]
            setattr(project, dated, day)
        project.save(update_fields=list(changes))
        record_event("project.stage_changed", actor=actor, project=project, target=project, changes=changes)
    return project


def add_project_member(project: Project, *, person_id: int, role: str, actor) -> ProjectMembership:
    authorize(actor, project, "membership.manage")  # the right first; checked again on the locked row
    if role == Role.DRAWN_INSPECTOR:
        raise InvalidInput(
            gettext("A drawn supervision inspector is given the project by the housing department's draw, not added."),
            field="role",
        )
    if role not in Role.values or role == Role.AUDITOR:
        member_roles = [r for r in Role.values if r not in (Role.AUDITOR, Role.DRAWN_INSPECTOR)]
        raise InvalidInput(
            gettext("%(value)s is not a member role: use one of %(choices)s.")
            % {"value": repr(role), "choices": ", ".join(member_roles)},
            field="role",
        )
    person = Person.objects.select_related("organisation").filter(pk=person_id).first()
    if person is None:
        raise InvalidInput(gettext("No person %(id)s.") % {"id": person_id}, field="person_id")
    kinds = ROLE_ORGANISATION_KINDS[role]
    if kinds is not None and (person.organisation is None or person.organisation.kind not in kinds):
        org = person.organisation.name if person.organisation else gettext("no organisation")
        raise InvalidInput(
            gettext("%(person)s works for %(organisation)s; the role %(role)s needs someone from a %(kinds)s.")
            % {
                "person": person.name,
                "organisation": org,
                "role": role,
                "kinds": gettext(" or ").join(str(OrganisationKind(k).label) for k in sorted(kinds)),
            },
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
        raise Conflict(
            gettext("%(person)s is already a member of %(code)s as %(role)s.")
            % {"person": person.name, "code": project.code, "role": role}
        ) from None
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
            raise NotFound(
                gettext("No membership %(id)s in project %(code)s.") % {"id": membership_id, "code": project.code}
            )
        if membership.role == Role.DRAWN_INSPECTOR:
            raise PermissionDenied(
                gettext("A drawn supervision inspector's membership ends with the signed result or the period.")
            )
        if membership.ended_at is not None:
            raise Conflict(
                gettext("%(person)s's membership as %(role)s has already ended.")
                % {"person": membership.person.name, "role": membership.role}
            )
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


# --- the party register -----------------------------------------------------------------------


def appoint_party(
    project: Project, *, party: str, organisation_id: int, leader_id: int, start_date: datetime.date, actor
) -> PartyAppointment:
    """Appoint an organisation and its project leader to a party role from `start_date`.

    If someone holds the role, their appointment ends the day before; nothing is overwritten.
    """
    authorize(actor, project, "register.manage")  # the right first; checked again on the locked row
    if party not in FIVE_PARTIES:
        raise InvalidInput(
            gettext("%(value)s is not a party: use one of %(choices)s.")
            % {"value": repr(party), "choices": ", ".join(FIVE_PARTIES)}
            + (
                gettext(" The architect in charge is appointed with its own operation.")
                if party == Party.ARCHITECT
                else ""
            ),
            field="party",
        )
    organisation, leader = _organisation_and_leader(party, organisation_id, leader_id, leader_field="leader_id")
    return _appoint(project, party=party, organisation=organisation, leader=leader, start_date=start_date, actor=actor)


REGISTRATION_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{3,49}")


def appoint_architect_in_charge(
    project: Project,
    *,
    organisation_id: int,
    architect_id: int,
    registration_number: str,
    start_date: datetime.date,
    actor,
) -> PartyAppointment:
    """Appoint a registered architect of a design organisation as the project's architect in
    charge (建筑师负责制) from `start_date`, where the project's region runs the system. A successor
    ends the current architect's appointment the day before, as for the five parties."""
    authorize(actor, project, "register.manage")  # the right first; checked again on the locked row
    if not region_has_architect_in_charge(project.region_code):
        raise Conflict(
            gettext(
                "Region %(region)s does not run the architect-in-charge system (建筑师负责制): its housing "
                "department has not switched it on, so project %(code)s cannot appoint an architect in charge."
            )
            % {"region": project.region_code, "code": project.code},
            code="architect_in_charge_not_enabled",
        )
    number = (registration_number or "").strip().upper()
    if not REGISTRATION_NUMBER.fullmatch(number):
        raise InvalidInput(
            gettext(
                "Give the architect's registration certificate number (注册建筑师证书编号): 4 to 50 letters, "
                "digits or hyphens."
            ),
            field="registration_number",
        )
    organisation, architect = _organisation_and_leader(
        Party.ARCHITECT, organisation_id, architect_id, leader_field="architect_id"
    )
    if not architect.id_number:
        raise InvalidInput(
            gettext("%(person)s has no resident ID number on record: register it before the appointment.")
            % {"person": architect.name},
            field="architect_id",
        )
    return _appoint(
        project,
        party=Party.ARCHITECT,
        organisation=organisation,
        leader=architect,
        start_date=start_date,
        registration_number=number,
        actor=actor,
    )


def _organisation_and_leader(party: str, organisation_id: int, leader_id: int, *, leader_field: str):
    """The appointed organisation, of the kind the party needs, and its person who leads for it."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise InvalidInput(gettext("No organisation %(id)s.") % {"id": organisation_id}, field="organisation_id")
    leader = Person.objects.filter(pk=leader_id).first()
    if leader is None:
        raise InvalidInput(gettext("No person %(id)s.") % {"id": leader_id}, field=leader_field)
    needed_kind = PARTY_ORGANISATION_KIND[party]
    if organisation.kind != needed_kind:
        raise InvalidInput(
            gettext("%(organisation)s is a %(kind)s; the %(party)s must be a %(needed)s.")
            % {
                "organisation": organisation.name,
                "kind": organisation.get_kind_display(),
                "party": Party(party).label,
                "needed": OrganisationKind(needed_kind).label,
            },
            field="organisation_id",
        )
    if leader.organisation_id != organisation.pk:
        raise InvalidInput(
            gettext("%(person)s works for %(works_for)s, not for the appointed organisation %(organisation)s.")
            % {
                "person": leader.name,
                "works_for": leader.organisation.name if leader.organisation else gettext("no organisation"),
                "organisation": organisation.name,
            },
            field=leader_field,
        )
    return organisation, leader


def _appoint(
    project: Project,
    *,
    party: str,
    organisation: Organisation,
    leader: Person,
    start_date: datetime.date,
    registration_number: str = "",
    actor,
) -> PartyAppointment:
    """The appointment itself, the same for the five parties and the architect in charge: the
    current holder's appointment ends the day before, the leader joins the project."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        authorize(actor, project, "register.manage")
        check_date(start_date, field="start_date", label=gettext("The start date"))
        check_not_after(
            start_date,
            project.completed_on,
            field="start_date",
            label=gettext("The start date"),
            other_label=gettext("the project's completion"),
        )
        later = PartyAppointment.objects.filter(project=project, party=party, start_date__gte=start_date).first()
        if later is not None:
            raise Conflict(
                gettext(
                    "The appointment would overlap %(leader)s's, which starts on %(start)s: "
                    "a new %(party)s must start after %(start)s."
                )
                % {"leader": later.leader.name, "start": later.start_date, "party": Party(party).label},
                code="overlapping_appointment",
            )
        overlapping = PartyAppointment.objects.filter(
            project=project, party=party, end_date__isnull=False, end_date__gte=start_date
        ).first()
        if overlapping is not None:
            raise Conflict(
                gettext("The appointment would overlap %(leader)s's, which ran until %(end)s.")
                % {"leader": overlapping.leader.name, "end": overlapping.end_date},
                code="overlapping_appointment",
            )
        changes = {}
        current = current_appointments(project).get(party)
        if current is not None:
            current.end_date = start_date - datetime.timedelta(days=1)
            current.save(update_fields=["end_date"])
            changes["ended"] = [
                None,
                {"appointment": current.pk, "leader": current.leader.name, "end_date": current.end_date},
            ]
            ended_memberships = _end_memberships_of(current)
            if ended_memberships:
                changes["memberships_ended"] = [None, ended_memberships]
        appointment = PartyAppointment.objects.create(
            project=project,
            party=party,
            organisation=organisation,
            leader=leader,
            start_date=start_date,
            registration_number=registration_number,
        )
        # the leader works on the project from now on: they file their own letters. A membership
        # the appointment creates ends with it; one the leader already held stays theirs.
        role = PARTY_LEADER_ROLE[party]
        _, joined = ProjectMembership.objects.get_or_create(
            project=project,
            person=leader,
            role=role,
            ended_at__isnull=True,
            defaults={"organisation": organisation, "appointment": appointment},
        )
        if joined:
            changes["membership"] = [None, {"person": leader.name, "role": role}]
        changes.update(
            {
                "party": [None, party],
                "organisation": [current.organisation.name if current else None, organisation.name],
                "leader": [current.leader.name if current else None, leader.name],
                "start_date": [None, start_date],
                **({"registration_number": [None, registration_number]} if registration_number else {}),
            }
        )
        record_event(
            "register.architect_appointed" if party == Party.ARCHITECT else "register.appointed",
            actor=actor,
            project=project,
            target=appointment,
            changes=changes,
        )
    return appointment


LETTER_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def upload_letter(
    project: Project,
    *,
    appointment_id: int,
    kind: str,
    signed_on: datetime.date,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> LiabilityLetter:
    """File an appointment's authorisation or commitment letter (PDF, JPEG or PNG by content).

    The file is stored before the row that points at it; a letter of the same kind already on
    file for the appointment is a conflict (withdraw it first).
    """
    from plumbline.core.uploads import store_upload

    roles = authorize(actor, project, "letter.upload")
    if kind not in LetterKind.values:
        raise InvalidInput(
            gettext("%(value)s is not a letter kind: use %(choices)s.")
            % {"value": repr(kind), "choices": gettext(" or ").join(LetterKind.values)},
            field="kind",
        )
    appointment = (
        PartyAppointment.objects.select_related("leader", "organisation")
        .filter(pk=appointment_id, project=project)
        .first()
    )
    if appointment is None:
        raise NotFound(
            gettext("No appointment %(id)s in project %(code)s.") % {"id": appointment_id, "code": project.code}
        )
    if kind not in PARTY_LETTER_KINDS[appointment.party]:
        raise InvalidInput(
            gettext("The %(party)s files no %(letter)s: only %(kinds)s.")
            % {
                "party": Party(appointment.party).label,
                "letter": LetterKind(kind).label,
                "kinds": gettext(" or ").join(str(LetterKind(k).label) for k in PARTY_LETTER_KINDS[appointment.party]),
            },
            field="kind",
        )
    if not files_letters_of(roles, person_of(actor), appointment):
        raise PermissionDenied(
            gettext("Only owner staff or staff of %(organisation)s may file this appointment's letters.")
            % {"organisation": appointment.organisation.name}
        )
    check_date(signed_on, field="signed_on", label=gettext("The signing date"), not_after_today=True)
    check_not_before(
        signed_on,
        appointment.start_date,
        field="signed_on",
        label=gettext("The signing date"),
        other_label=gettext("the appointment's start"),
    )
    stored = store_upload(
        stream, allowed=LETTER_TYPES, max_bytes=settings.LETTER_MAX_BYTES, what=gettext("The letter"), size=size
    )
    with transaction.atomic():
        appointment = PartyAppointment.objects.select_for_update().get(pk=appointment.pk)
        if LiabilityLetter.objects.filter(appointment=appointment, kind=kind, status=LetterStatus.FILED).exists():
            raise Conflict(
                gettext("%(leader)s's %(letter)s is already on file: withdraw it to replace it.")
                % {"leader": appointment.leader.name, "letter": LetterKind(kind).label},
                code="letter_on_file",
            )
        letter = LiabilityLetter(appointment=appointment, kind=kind, signed_on=signed_on)
        letter.set_stored(stored, original_name=original_name, uploaded_by=actor)
        letter.save()
        record_event(
            "letter.filed",
            actor=actor,
            project=project,
            target=letter,
            changes={
                "kind": [None, kind],
                "leader": [None, appointment.leader.name],
                "signed_on": [None, signed_on],
                "sha256": [None, stored.sha256],
                "size": [None, stored.size],
            },
        )
    return letter


def withdraw_letter(project: Project, *, letter_id: int, reason: str, actor) -> LiabilityLetter:
    """Take a wrongly filed letter off file (it stays on record, with the reason)."""
    authorize(actor, project, "register.manage")  # the right first, then the input
    if not (reason or "").strip():
        raise InvalidInput(gettext("Say why the letter is withdrawn."), field="reason")
    with transaction.atomic():
        letter = LiabilityLetter.objects.select_for_update().filter(pk=letter_id, appointment__project=project).first()
        if letter is None:
            raise NotFound(gettext("No letter %(id)s in project %(code)s.") % {"id": letter_id, "code": project.code})
        if letter.status == LetterStatus.WITHDRAWN:
            raise InvalidTransition(gettext("This letter is already withdrawn."), allowed=[])
        letter.status = LetterStatus.WITHDRAWN
        letter.save(update_fields=["status"])
        record_event(
            "letter.withdrawn",
            actor=actor,
            project=project,
            target=letter,
            changes={"status": [LetterStatus.FILED, LetterStatus.WITHDRAWN], "reason": [None, reason.strip()]},
        )
    return letter


def end_appointment(project: Project, *, appointment_id: int, end_date: datetime.date, actor) -> PartyAppointment:
    """Record that a party's organisation or leader left the project on `end_date` (inclusive),
    before a successor is known."""
    with transaction.atomic():
        authorize(actor, project, "register.manage")
        appointment = (
            PartyAppointment.objects.select_for_update()
            .select_related("leader")
            .filter(pk=appointment_id, project=project)
            .first()
        )
        if appointment is None:
            raise NotFound(
                gettext("No appointment %(id)s in project %(code)s.") % {"id": appointment_id, "code": project.code}
            )
        if appointment.end_date is not None:
            raise Conflict(
                gettext("%(leader)s's appointment already ended on %(end)s.")
                % {"leader": appointment.leader.name, "end": appointment.end_date}
            )
        check_date(end_date, field="end_date", label=gettext("The end date"))
        check_not_before(
            end_date,
            appointment.start_date,
            field="end_date",
            label=gettext("The end date"),
            other_label=gettext("the appointment's start"),
        )
        appointment.end_date = end_date
        appointment.save(update_fields=["end_date"])
        changes = {"end_date": [None, end_date]}
        ended_memberships = _end_memberships_of(appointment)
        if ended_memberships:
            changes["memberships_ended"] = [None, ended_memberships]
        record_event("register.appointment_ended", actor=actor, project=project, target=appointment, changes=changes)
    return appointment


def _end_memberships_of(appointment: PartyAppointment) -> list[dict]:
    """End the memberships that came with `appointment` at the end of its last day (inclusive);
    memberships the leader holds in their own right are not touched. In the caller's transaction."""
    until = timezone.make_aware(
        datetime.datetime.combine(appointment.end_date + datetime.timedelta(days=1), datetime.time.min)
    )
    ended = []
    for membership in ProjectMembership.objects.select_for_update().filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=until), appointment=appointment
    ):
        membership.ended_at = until
        membership.save(update_fields=["ended_at"])
        ended.append(
            {"membership": membership.pk, "person": appointment.leader.name, "role": membership.role, "ended_at": until}
        )
    return ended


def grant_drawn_memberships(project: Project, people, *, until: datetime.datetime | None) -> list[ProjectMembership]:
    """The housing department's draw sends `people` (its inspectors) to the project: each holds the
    drawn-inspector role there until `until` (the period's end; None: until the result is signed).
    Called by the draw's action (supervision), which checks the department and records the event;
    in its transaction."""
    return [
        ProjectMembership.objects.create(
            project=project,
            person=person,
            organisation=person.organisation,
            role=Role.DRAWN_INSPECTOR,
            ended_at=until,
        )
        for person in people
    ]


def end_drawn_memberships(membership_ids) -> list[int]:
    """End drawn inspectors' memberships now (their project's result is signed); those already
    over stay as they ended. In the caller's (supervision's) transaction; its event records them."""
    now = timezone.now()
    ended = []
    for membership in ProjectMembership.objects.select_for_update().filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=now), pk__in=list(membership_ids), role=Role.DRAWN_INSPECTOR
    ):
        membership.ended_at = now
        membership.save(update_fields=["ended_at"])
        ended.append(membership.pk)
    return ended


# --- the region's architect-in-charge system ------------------------------------------------------


def set_architect_in_charge_system(*, enabled: bool, actor) -> RegionPolicy:
    """The housing department switches the architect-in-charge system (建筑师负责制) on or off for
    its region. Off, projects cannot appoint a new architect in charge; those appointed stay on
    record and in office until their appointment ends."""
    me = person_of(actor)
    if me is None or jurisdiction_of(actor) is None:
        raise PermissionDenied(gettext("Only staff of a housing department (住建部门) may do this."))
    department = me.organisation
    with transaction.atomic():
        policy = RegionPolicy.objects.select_for_update().filter(region_code=department.region_code).first()
        before = policy.has_architect_in_charge if policy else False
        if policy is None:
            policy = RegionPolicy(region_code=department.region_code, department=department)
        if policy.pk is not None and before == enabled:
            return policy
        policy.has_architect_in_charge = enabled
        policy.department = department
        policy.save()
        record_event(
            "region.architect_in_charge_switched",
            actor=actor,
            organisation=department,
            target=policy,
            changes={"region_code": [None, policy.region_code], "has_architect_in_charge": [before, enabled]},
        )
    return policy


# --- design changes -------------------------------------------------------------------------------


def propose_design_change(project: Project, *, description: str, actor) -> DesignChange:
    """Record a change to the approved design (设计变更), numbered in the project, for sign-off."""
    authorize(actor, project, "design_change.propose")  # the right first, then the input
    description = (description or "").strip()
    if not description:
        raise InvalidInput(gettext("Describe the design change."), field="description")
    me = person_of(actor)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        number = (
            DesignChange.objects.filter(project=project).order_by("-number").values_list("number", flat=True).first()
            or 0
        ) + 1
        change = DesignChange.objects.create(project=project, number=number, description=description, proposed_by=me)
        record_event(
            "design_change.proposed",
            actor=actor,
            project=project,
            target=change,
            changes={"number": [None, number], "description": [None, description]},
        )
    return change


def sign_off_design_change(
    project: Project, *, change_id: int, signed_on: datetime.date | None = None, actor
) -> DesignChange:
    """The owner signs off a design change: its project leader on `signed_on`, or the architect
    in charge of that day on the owner's behalf (the record says which). Anybody else is refused."""
    authorize(actor, project, "design_change.sign_off")  # the right first, then the input
    day = signed_on or timezone.localdate()
    check_date(day, field="signed_on", label=gettext("The signing date"), not_after_today=True)
    me = person_of(actor)
    with transaction.atomic():
        change = DesignChange.objects.select_for_update().filter(pk=change_id, project=project).first()
        if change is None:
            raise NotFound(
                gettext("No design change %(id)s in project %(code)s.") % {"id": change_id, "code": project.code}
            )
        if DesignChangeStatus.SIGNED_OFF not in DESIGN_CHANGE_MOVES[change.status]:
            raise InvalidTransition(
                gettext("Design change %(number)s is signed off already.") % {"number": change.number}, allowed=[]
            )
        held = appointments_at(project, day)
        owner, architect = held.get(Party.OWNER), held.get(Party.ARCHITECT)
        if owner is not None and me is not None and owner.leader_id == me.pk:
            basis, on_behalf = owner, False
        elif architect is not None and me is not None and architect.leader_id == me.pk:
            basis, on_behalf = architect, True
        else:
            raise PermissionDenied(
                gettext(
                    "On %(day)s %(person)s was neither the owner's project leader nor the architect in charge "
                    "of project %(code)s: only they sign off a design change."
                )
                % {"day": day.isoformat(), "person": me.name if me else actor.get_username(), "code": project.code}
            )
        change.status = DesignChangeStatus.SIGNED_OFF
        change.signed_off_by = me
        change.signed_off_on = day
        change.appointment = basis
        change.is_on_behalf_of_owner = on_behalf
        change.save(update_fields=["status", "signed_off_by", "signed_off_on", "appointment", "is_on_behalf_of_owner"])
        record_event(
            "design_change.signed_off",
            actor=actor,
            project=project,
            target=change,
            changes={
                "status": [DesignChangeStatus.PROPOSED, DesignChangeStatus.SIGNED_OFF],
                "signed_off_by": [None, me.name],
                "signed_off_on": [None, day],
                "capacity": [None, Party.ARCHITECT.value if on_behalf else Party.OWNER.value],
                "on_behalf_of": [None, Party.OWNER.value if on_behalf else None],
            },
        )
    return change


# --- buildings ----------------------------------------------------------------------------------

BUILDING_FIELDS = (
    "name",
    "use",
    "storeys_above_ground",
    "storeys_below_ground",
    "floor_area_m2",
    "ifc_global_ids",
)
GLOBAL_ID = re.compile(r"[0-9A-Za-z_$]{22}")


def _clean_building_values(values: dict) -> dict:
    """Trimmed values of a building's fields, or InvalidInput naming the bad one."""
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise InvalidInput(gettext("Name the building (e.g. 1#)."), field="name")
        if len(cleaned["name"]) > 50:
            raise InvalidInput(gettext("A building's name has at most 50 characters."), field="name")
    if "use" in cleaned:
        cleaned["use"] = (cleaned["use"] or "").strip()
    for field in ("storeys_above_ground", "storeys_below_ground"):
        if field in cleaned and (cleaned[field] is None or cleaned[field] < 0):
            raise InvalidInput(gettext("A number of storeys cannot be negative."), field=field)
    if cleaned.get("floor_area_m2") is not None:
        cleaned["floor_area_m2"] = Decimal(str(cleaned["floor_area_m2"])).quantize(Decimal("0.01"))
    if cleaned.get("floor_area_m2") is not None and cleaned["floor_area_m2"] <= 0:
        raise InvalidInput(gettext("The floor area must be above zero (m²)."), field="floor_area_m2")
    if "ifc_global_ids" in cleaned:
        ids = [str(g).strip() for g in (cleaned["ifc_global_ids"] or [])]
        bad = [g for g in ids if not GLOBAL_ID.fullmatch(g)]
        if bad:
            raise InvalidInput(
                gettext("%(value)s is not an IFC GlobalId (22 characters).") % {"value": repr(bad[0])},
                field="ifc_global_ids",
            )
        cleaned["ifc_global_ids"] = sorted(set(ids))
    return cleaned


def _building_changes(before: dict, after: dict) -> dict:
    return {
        k: [str(v) if k == "floor_area_m2" and v is not None else v for v in pair]
        for k, pair in diff(before, after).items()
    }


def create_building(
    project: Project,
    *,
    name: str,
    use: str = "",
    storeys_above_ground: int = 0,
    storeys_below_ground: int = 0,
    floor_area_m2=None,
    ifc_global_ids: list[str] | None = None,
    actor,
) -> Building:
    """Add a building (单体) to the project; its name is unique in the project."""
    authorize(actor, project, "building.manage")  # the right first; checked again on the locked row
    values = _clean_building_values(
        {
            "name": name,
            "use": use,
            "storeys_above_ground": storeys_above_ground,
            "storeys_below_ground": storeys_below_ground,
            "floor_area_m2": floor_area_m2,
            "ifc_global_ids": ifc_global_ids or [],
        }
    )
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        authorize(actor, project, "building.manage")
        if Building.objects.filter(project=project, name=values["name"]).exists():
            raise Conflict(
                gettext("Project %(code)s already has a building %(name)s.")
                % {"code": project.code, "name": values["name"]},
                code="building_exists",
            )
        building = Building.objects.create(project=project, **values)
        record_event(
            "building.created",
            actor=actor,
            project=project,
            target=building,
            changes=_building_changes(
                dict.fromkeys(BUILDING_FIELDS), {k: getattr(building, k) for k in BUILDING_FIELDS}
            ),
        )
    return building


def update_building(project: Project, *, building_id: int, changes: dict, actor) -> Building:
    """Change a building's details or the IfcBuilding GlobalIds that stand for it."""
    authorize(actor, project, "building.manage")  # the right first, then the input
    unknown = set(changes) - set(BUILDING_FIELDS)
    if unknown:
        raise InvalidInput(
            gettext("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    values = _clean_building_values(changes)
    with transaction.atomic():
        building = Building.objects.select_for_update().filter(pk=building_id, project=project).first()
        if building is None:
            raise NotFound(
                gettext("No building %(id)s in project %(code)s.") % {"id": building_id, "code": project.code}
            )
        if (
            "name" in values
            and Building.objects.filter(project=project, name=values["name"]).exclude(pk=building.pk).exists()
        ):
            raise Conflict(
                gettext("Project %(code)s already has a building %(name)s.")
                % {"code": project.code, "name": values["name"]},
                code="building_exists",
            )
        before = {k: getattr(building, k) for k in BUILDING_FIELDS}
        for field, value in values.items():
            setattr(building, field, value)
        changed = _building_changes(before, {k: getattr(building, k) for k in BUILDING_FIELDS})
        if not changed:
            return building
        building.save(update_fields=list(changed))
        record_event("building.updated", actor=actor, project=project, target=building, changes=changed)
    return building


def ensure_building(project: Project, name: str) -> tuple[Building, bool]:
    """The project's building of this name, added when it is not recorded yet (a sign recorded
    for "2#" before anyone entered the building). Runs in the caller's transaction and writes no
    event of its own: the caller's event names the building it created."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ensure_building runs inside the caller's transaction")
    values = _clean_building_values({"name": name})
    return Building.objects.get_or_create(project=project, name=values["name"])
