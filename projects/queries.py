"""Reads of projects and people, always scoped to the user; and the one place that resolves a
user's roles in a project and checks them against the permission table."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.core.errors import NotFound, PermissionDenied
from plumbline.core.permissions import Role, allowed_roles

from .models import (
    FIVE_PARTIES,
    PARTY_LETTER_KINDS,
    Building,
    DesignChange,
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
    RegionPolicy,
)
from .validators import region_prefix
from .workdays import add_working_days


def person_of(user) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.person
    except ObjectDoesNotExist:
        return None


def active_membership(prefix: str = "") -> Q:
    """Memberships in force now: not ended, or ending later (an appointment that ends on a date
    ends its memberships at the end of that day). `prefix` reaches them through a relation."""
    return Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": timezone.now()})


def _jurisdiction(person: Person | None) -> str | None:
    """The region prefix a housing-department auditor reads, or None for everybody else."""
    org = person.organisation if person else None
    if org is None or org.kind != OrganisationKind.HOUSING_AUTHORITY or not org.region_code:
        return None
    return region_prefix(org.region_code)


def is_auditor(user) -> bool:
    return _jurisdiction(person_of(user)) is not None


def jurisdiction_of(user) -> str | None:
    """The region-code prefix a housing-department auditor reads (4401 for 440100), or None."""
    return _jurisdiction(person_of(user))


def files_letters_of(roles: set[Role], person: Person | None, appointment: PartyAppointment) -> bool:
    """Whether someone of `roles` in the project (holding `letter.upload`) files this appointment's
    letters: the owner's staff file every party's, any other party's staff only their own."""
    return Role.OWNER in roles or (person is not None and person.organisation_id == appointment.organisation_id)


def roles_in(user, project: Project) -> set[Role]:
    person = person_of(user)
    if person is None:
        return set()
    roles = {
        Role(r)
        for r in ProjectMembership.objects.filter(active_membership(), project=project, person=person).values_list(
            "role", flat=True
        )
    }
    prefix = _jurisdiction(person)
    if prefix is not None and project.region_code.startswith(prefix):
        roles.add(Role.AUDITOR)
    return roles


def authorize(user, project: Project, action: str) -> set[Role]:
    """The user's roles in the project if one of them may do `action`.

    NotFound when the user has no role at all (the project does not exist for them),
    PermissionDenied when their roles lack the right.
    """
    allowed = allowed_roles(action)
    roles = roles_in(user, project)
    if not roles:
        raise NotFound(_("No project %(code)s.") % {"code": repr(project.code)})
    if not roles & allowed:
        held = ", ".join(sorted(str(r.label) for r in roles))
        raise PermissionDenied(
            _("As %(roles)s on project %(code)s you may not do this (%(action)s).")
            % {"roles": held, "code": project.code, "action": action}
        )
    return roles


def authorize_any(user, project: Project, actions) -> set[Role]:
    """The user's roles in the project if one of them may do one of `actions` (authorize's errors,
    the first action named in the 403): an opening of a finding is either a site inspector's or a
    drawn supervision inspector's."""
    allowed = frozenset().union(*(allowed_roles(a) for a in actions))
    roles = roles_in(user, project)
    if roles & allowed:
        return roles
    return authorize(user, project, actions[0])


def visible_projects(user) -> QuerySet[Project]:
    person = person_of(user)
    if person is None:
        return Project.objects.none()
    visible = Q(id__in=ProjectMembership.objects.filter(active_membership(), person=person).values("project_id"))
    prefix = _jurisdiction(person)
    if prefix is not None:
        visible |= Q(region_code__startswith=prefix)
    return Project.objects.filter(visible).distinct()


def list_projects(*, user) -> QuerySet[Project]:
    return visible_projects(user).order_by("code")


def get_project(code: str, *, user, action: str = "project.view") -> Project:
    """The project with this code, if the user may `action` it (NotFound / PermissionDenied)."""
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise NotFound(_("No project %(code)s.") % {"code": repr(code)})
    authorize(user, project, action)
    return project


def list_memberships(project: Project, *, user, include_ended: bool = False) -> QuerySet[ProjectMembership]:
    authorize(user, project, "membership.view")
    qs = ProjectMembership.objects.filter(project=project).select_related("person", "organisation")
    return qs if include_ended else qs.filter(active_membership())


def members_of(project: Project, organisation_id: int) -> QuerySet[Person]:
    """The people working on the project for the organisation now (active memberships), by
    name: whom a task of that organisation may be given to. Not scoped: callers check the right."""
    working = ProjectMembership.objects.filter(active_membership(), project=project, organisation_id=organisation_id)
    return Person.objects.filter(pk__in=working.values("person_id")).select_related("user").order_by("name", "pk")


def list_organisations(*, user, kind: str | None = None) -> QuerySet[Organisation]:
    """Organisations are public register data (name, credit code): any signed-in user reads them."""
    if user is None or not user.is_authenticated:
        return Organisation.objects.none()
    qs = Organisation.objects.all()
    return qs.filter(kind=kind) if kind else qs


def may_see_full_id_number(viewer, person: Person) -> bool:
    """Who reads a resident ID number in full: the person themself, platform administrators, and,
    for a leader appointed on a project (now or before), that project's owner staff and the
    auditors of its region. Everybody else reads it masked."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.is_superuser or viewer.pk == person.user_id:
        return True
    me = person_of(viewer)
    if me is None:
        return False
    led = Project.objects.filter(appointments__leader=person)
    if led.filter(id__in=_projects_with_role(me, Role.OWNER)).exists():
        return True
    prefix = _jurisdiction(me)
    return prefix is not None and led.filter(region_code__startswith=prefix).exists()


def _projects_with_role(person: Person, role: Role):
    return ProjectMembership.objects.filter(active_membership(), person=person, role=role).values("project_id")


def get_person(person_id: int, *, user) -> Person:
    """A person is visible to platform administrators, themself, people of their organisation,
    anyone sharing a project with them, and auditors when they work or worked on a project of the
    auditor's region (or were appointed a leader on one)."""
    person = Person.objects.select_related("organisation", "user").filter(pk=person_id).first()
    if person is not None and user is not None and user.is_authenticated and user.is_superuser:
        return person
    me = person_of(user)
    if person is None or me is None:
        raise NotFound(_("No person %(id)s.") % {"id": person_id})
    if person.pk == me.pk or (me.organisation_id and me.organisation_id == person.organisation_id):
        return person
    prefix = _jurisdiction(me)
    if prefix is not None:
        in_region = Q(memberships__project__region_code__startswith=prefix) | Q(
            appointments__project__region_code__startswith=prefix
        )
        if Person.objects.filter(in_region, pk=person.pk).exists():
            return person
    shared = ProjectMembership.objects.filter(
        active_membership(),
        person=person,
        project__in=ProjectMembership.objects.filter(active_membership(), person=me).values("project_id"),
    ).exists()
    if not shared:
        raise NotFound(_("No person %(id)s.") % {"id": person_id})
    return person


# --- the party register and its letters -------------------------------------------------------


def appointments_at(project: Project, day: datetime.date) -> dict[str, PartyAppointment | None]:
    """Who held each party role on `day` (None where nobody did)."""
    held = {
        a.party: a
        for a in PartyAppointment.objects.filter(project=project, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("organisation", "leader")
    }
    return _by_party(held)


def _by_party(held: dict[str, PartyAppointment]) -> dict[str, PartyAppointment | None]:
    """The five parties (None where nobody holds the role), then the architect in charge where
    there is one: a project without the system lists the five only."""
    parties = {party: held.get(party) for party in FIVE_PARTIES}
    if held.get(Party.ARCHITECT) is not None:
        parties[Party.ARCHITECT] = held[Party.ARCHITECT]
    return parties


def current_appointments(project: Project) -> dict[str, PartyAppointment | None]:
    held = {
        a.party: a
        for a in PartyAppointment.objects.filter(project=project, end_date__isnull=True).select_related(
            "organisation", "leader"
        )
    }
    return _by_party(held)


def architect_in_charge_on(project: Project, day: datetime.date) -> PartyAppointment | None:
    """The project's architect in charge on `day`, if it had one."""
    return (
        PartyAppointment.objects.filter(project=project, party=Party.ARCHITECT, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("organisation", "leader")
        .first()
    )


def has_architect_in_charge(project: Project, *, day: datetime.date | None = None) -> bool:
    """Whether the project has an architect in charge now, or on `day` (whose sign-offs it then
    needs)."""
    if day is None:
        return PartyAppointment.objects.filter(project=project, party=Party.ARCHITECT, end_date__isnull=True).exists()
    return (
        PartyAppointment.objects.filter(project=project, party=Party.ARCHITECT, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def region_policy_of(region_code: str) -> RegionPolicy | None:
    """The policy that governs a region code: its own department's, else its city's, else its
    province's (the most specific one set)."""
    code = region_code or ""
    candidates = [c for c in dict.fromkeys((code, code[:4] + "00", code[:2] + "0000")) if len(c) == 6]
    policies = {p.region_code: p for p in RegionPolicy.objects.filter(region_code__in=candidates)}
    return next((policies[c] for c in candidates if c in policies), None)


def region_has_architect_in_charge(region_code: str) -> bool:
    """Off unless the region's housing department switched the system on."""
    policy = region_policy_of(region_code)
    return policy is not None and policy.has_architect_in_charge


def list_appointments(project: Project, *, user) -> QuerySet[PartyAppointment]:
    authorize(user, project, "register.view")
    return (
        PartyAppointment.objects.filter(project=project)
        .select_related("organisation", "leader")
        .order_by("party", "start_date")
    )


@dataclass(frozen=True)
class LetterRequirement:
    appointment: PartyAppointment
    kind: str
    status: str  # on_file | filed_late | missing | overdue
    due_date: datetime.date | None  # None: required before construction, no working-day deadline
    letter: LiabilityLetter | None

    @property
    def is_satisfied(self) -> bool:
        return self.letter is not None

    def describe(self) -> str:
        a = self.appointment
        what = LetterKind(self.kind).label
        return _("%(party)s: %(leader)s's %(letter)s") % {
            "party": Party(a.party).label,
            "leader": a.leader.name,
            "letter": what,
        }


def letter_requirements(project: Project, *, today: datetime.date | None = None) -> list[LetterRequirement]:
    """For each current appointment, the two letters it needs and where each stands.

    A replacement leader's letters are due within LETTER_DUE_WORKING_DAYS working days of the
    change; the first leaders' letters are due before construction starts (the stage gate).
    """
    return letter_requirements_of([project.pk], today=today)[project.pk]


# what region-wide reads need of an appointment (the rest is read when it is asked for)
APPOINTMENT_FIELDS = (
    "id",
    "project_id",
    "party",
    "start_date",
    "end_date",
    "organisation__id",
    "organisation__name",
    "organisation__credit_code",
    "organisation__kind",
    "leader__id",
    "leader__name",
)


def current_appointments_of(project_ids) -> dict[int, dict[str, PartyAppointment | None]]:
    """`current_appointments` of many projects in one query (region dashboards)."""
    held: dict[int, dict[str, PartyAppointment]] = {pk: {} for pk in project_ids}
    appointments = (
        PartyAppointment.objects.filter(project_id__in=list(held), end_date__isnull=True)
        .select_related("organisation", "leader")
        .only(*APPOINTMENT_FIELDS)
    )
    for a in appointments:
        held[a.project_id][a.party] = a
    return {pk: _by_party(parties) for pk, parties in held.items()}


def letter_requirements_of(
    project_ids, *, today: datetime.date | None = None, current=None
) -> dict[int, list[LetterRequirement]]:
    """`letter_requirements` of many projects in three queries, whatever their number (two when
    `current`, the projects' `current_appointments_of`, is given)."""
    today = today or timezone.localdate()
    project_ids = list(project_ids)
    current = current if current is not None else current_appointments_of(project_ids)
    appointments = [a for pk in project_ids for a in current[pk].values() if a is not None]
    filed = {
        (letter.appointment_id, letter.kind): letter
        for letter in LiabilityLetter.objects.filter(
            appointment_id__in=[a.pk for a in appointments], status=LetterStatus.FILED
        ).only("id", "appointment_id", "kind", "uploaded_at", "status")
    }
    first_start = {
        (project_id, party): start
        for project_id, party, start in PartyAppointment.objects.filter(project_id__in=project_ids)
        .values_list("project_id", "party")
        .annotate(first=Min("start_date"))
        .values_list("project_id", "party", "first")
    }
    # an architect in charge first appointed once construction is under way has no stage gate ahead
    # of it: their letter is due within the working days a replacement leader has
    late_architects = {a.project_id for a in appointments if a.party == Party.ARCHITECT}
    started = (
        dict(Project.objects.filter(pk__in=late_architects).values_list("pk", "construction_started_on"))
        if late_architects
        else {}
    )
    requirements: dict[int, list[LetterRequirement]] = {pk: [] for pk in project_ids}
    for appointment in appointments:
        is_replacement = appointment.start_date > first_start[(appointment.project_id, appointment.party)]
        began = started.get(appointment.project_id)
        is_late_architect = (
            appointment.party == Party.ARCHITECT and began is not None and appointment.start_date > began
        )
        due = (
            add_working_days(appointment.start_date, settings.LETTER_DUE_WORKING_DAYS)
            if is_replacement or is_late_architect
            else None
        )
        for kind in PARTY_LETTER_KINDS[appointment.party]:
            letter = filed.get((appointment.pk, kind))
            if letter is not None:
                late = due is not None and timezone.localtime(letter.uploaded_at).date() > due
                status = "filed_late" if late else "on_file"
            else:
                status = "overdue" if due is not None and today > due else "missing"
            requirements[appointment.project_id].append(LetterRequirement(appointment, kind, status, due, letter))
    return requirements


def missing_for_stage(project: Project) -> list[str]:
    """What keeps a project out of construction or completion: unappointed parties and letters."""
    problems = [
        _("no %(party)s appointed") % {"party": Party(party).label}
        for party, a in current_appointments(project).items()
        if a is None and party in FIVE_PARTIES
    ]
    problems += [
        _("%(letter)s is not on file") % {"letter": r.describe()}
        for r in letter_requirements(project)
        if not r.is_satisfied
    ]
    return problems


def get_letter(project: Project, letter_id: int, *, user) -> LiabilityLetter:
    authorize(user, project, "register.view")
    letter = (
        LiabilityLetter.objects.select_related("appointment__leader")
        .filter(pk=letter_id, appointment__project=project)
        .first()
    )
    if letter is None:
        raise NotFound(_("No letter %(id)s in project %(code)s.") % {"id": letter_id, "code": project.code})
    return letter


# --- the project's part of the quality archive (assembled by the archive app) -------------------


def appointments_for_archive(project: Project) -> QuerySet[PartyAppointment]:
    """Every appointment of the project, ended ones included: the register's full history."""
    return PartyAppointment.objects.filter(project=project).select_related("organisation", "leader__organisation")


def letters_for_archive(project: Project) -> QuerySet[LiabilityLetter]:
    """Every letter of the project, withdrawn ones included (they stay on record)."""
    return (
        LiabilityLetter.objects.filter(appointment__project=project)
        .select_related("appointment")
        .order_by("appointment_id", "kind", "id")
    )


def design_changes_for_archive(project: Project) -> QuerySet[DesignChange]:
    """Every design change of the project and who signed it off (for the owner, or as the owner)."""
    return DesignChange.objects.filter(project=project).select_related("proposed_by", "signed_off_by")


def memberships_for_archive(project: Project) -> QuerySet[ProjectMembership]:
    """Every membership of the project, ended ones included."""
    return ProjectMembership.objects.filter(project=project).select_related("person", "organisation")


# --- design changes -----------------------------------------------------------------------------


def list_design_changes(project: Project, *, user) -> QuerySet[DesignChange]:
    authorize(user, project, "design_change.view")
    return DesignChange.objects.filter(project=project).select_related("proposed_by", "signed_off_by", "appointment")


def get_design_change(project: Project, change_id: int, *, user) -> DesignChange:
    change = list_design_changes(project, user=user).filter(pk=change_id).first()
    if change is None:
        raise NotFound(_("No design change %(id)s in project %(code)s.") % {"id": change_id, "code": project.code})
    return change


# --- buildings ----------------------------------------------------------------------------------


def list_buildings(project: Project, *, user) -> QuerySet[Building]:
    authorize(user, project, "building.view")
    return Building.objects.filter(project=project).order_by("name")


def get_building(project: Project, building_id: int, *, user) -> Building:
    authorize(user, project, "building.view")
    building = Building.objects.filter(pk=building_id, project=project).first()
    if building is None:
        raise NotFound(_("No building %(id)s in project %(code)s.") % {"id": building_id, "code": project.code})
    return building


def building_named(project: Project, name: str) -> Building | None:
    """The project's building of this name (a sign's or a form's "1#"), if it is recorded."""
    return Building.objects.filter(project=project, name=(name or "").strip()).first()


def buildings_for_archive(project: Project) -> QuerySet[Building]:
    return Building.objects.filter(project=project).order_by("name")
