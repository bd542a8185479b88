"""Reads of projects and people, always scoped to the user; and the one place that resolves a
user's roles in a project and checks them against the permission table."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from plumbline.errors import NotFound, PermissionDenied
from plumbline.permissions import Role, allowed_roles

from .models import Organisation, OrganisationKind, Person, Project, ProjectMembership
from .validators import region_prefix


def person_of(user) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.person
    except ObjectDoesNotExist:
        return None


def _jurisdiction(person: Person | None) -> str | None:
    """The region prefix a housing-department auditor reads, or None for everybody else."""
    org = person.organisation if person else None
    if org is None or org.kind != OrganisationKind.HOUSING_AUTHORITY or not org.region_code:
        return None
    return region_prefix(org.region_code)


def is_auditor(user) -> bool:
    return _jurisdiction(person_of(user)) is not None


def roles_in(user, project: Project) -> set[Role]:
    person = person_of(user)
    if person is None:
        return set()
    roles = {
        Role(r)
        for r in ProjectMembership.objects.filter(project=project, person=person, ended_at__isnull=True).values_list(
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
        raise NotFound(f"No project {project.code!r}.")
    if not roles & allowed:
        held = ", ".join(sorted(str(r.label) for r in roles))
        raise PermissionDenied(f"As {held} on project {project.code} you may not do this ({action}).")
    return roles


def visible_projects(user) -> QuerySet[Project]:
    person = person_of(user)
    if person is None:
        return Project.objects.none()
    visible = Q(memberships__person=person, memberships__ended_at__isnull=True)
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
        raise NotFound(f"No project {code!r}.")
    authorize(user, project, action)
    return project


def list_memberships(project: Project, *, user, include_ended: bool = False) -> QuerySet[ProjectMembership]:
    authorize(user, project, "membership.view")
    qs = ProjectMembership.objects.filter(project=project).select_related("person", "organisation")
    return qs if include_ended else qs.filter(ended_at__isnull=True)


def list_organisations(*, user, kind: str | None = None) -> QuerySet[Organisation]:
    """Organisations are public register data (name, credit code): any signed-in user reads them."""
    if user is None or not user.is_authenticated:
        return Organisation.objects.none()
    qs = Organisation.objects.all()
    return qs.filter(kind=kind) if kind else qs


def may_see_full_id_number(viewer, person: Person) -> bool:
    """The person themself, their organisation's admins and auditors see an ID number unmasked."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.pk == person.user_id:
        return True
    me = person_of(viewer)
    if me is None:
        return False
    if me.is_organisation_admin and me.organisation_id and me.organisation_id == person.organisation_id:
        return True
    return _jurisdiction(me) is not None


def get_person(person_id: int, *, user) -> Person:
    """A person is visible to themself, to people of their organisation, to anyone sharing a project
    with them, and to auditors."""
    person = Person.objects.select_related("organisation", "user").filter(pk=person_id).first()
    me = person_of(user)
    if person is None or me is None:
        raise NotFound(f"No person {person_id}.")
    if person.pk == me.pk or (me.organisation_id and me.organisation_id == person.organisation_id):
        return person
    if _jurisdiction(me) is not None:
        return person
    shared = ProjectMembership.objects.filter(
        person=person,
        ended_at__isnull=True,
        project__memberships__person=me,
        project__memberships__ended_at__isnull=True,
    ).exists()
    if not shared:
        raise NotFound(f"No person {person_id}.")
    return person
