"""Projects API: organisations, people, projects and their members."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from . import actions, queries
from .schemas import (
    MembershipIn,
    MembershipOut,
    OrganisationIn,
    OrganisationOut,
    PersonIn,
    PersonOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    StageIn,
)

ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}

router = Router(tags=["projects"])


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    operation_id="list_organisations",
    summary="Registered organisations",
)
@paginate(LimitOffsetPagination)
def list_organisations(request: HttpRequest, kind: str | None = None):
    return queries.list_organisations(user=request.user, kind=kind)


@router.post(
    "/organisations",
    response={201: OrganisationOut, **ERRORS},
    operation_id="create_organisation",
    summary="Register an organisation (platform administrators)",
)
def create_organisation(request: HttpRequest, payload: OrganisationIn):
    return Status(201, actions.create_organisation(**payload.dict(), actor=request.user))


@router.post(
    "/people",
    response={201: PersonOut, **ERRORS},
    operation_id="register_person",
    summary="Register a person with a sign-in account",
)
def register_person(request: HttpRequest, payload: PersonIn):
    person = actions.register_person(**payload.dict(), actor=request.user)
    return Status(201, person)


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **ERRORS},
    operation_id="get_person",
    summary="A person (ID number masked unless you may see it)",
)
def get_person(request: HttpRequest, person_id: int):
    return queries.get_person(person_id, user=request.user)


@router.get("/projects", response=list[ProjectOut], operation_id="list_projects", summary="Projects you can see")
@paginate(LimitOffsetPagination)
def list_projects(request: HttpRequest):
    return queries.list_projects(user=request.user)


@router.post(
    "/projects",
    response={201: ProjectOut, **ERRORS},
    operation_id="create_project",
    summary="Create a project (owner staff)",
)
def create_project(request: HttpRequest, payload: ProjectIn):
    project = actions.create_project(**payload.dict(), actor=request.user)
    return Status(201, project)


@router.get("/projects/{code}", response={200: ProjectOut, **ERRORS}, operation_id="get_project", summary="A project")
def get_project(request: HttpRequest, code: str):
    return queries.get_project(code, user=request.user)


@router.patch(
    "/projects/{code}",
    response={200: ProjectOut, **ERRORS},
    operation_id="update_project",
    summary="Change a project's details (owner staff)",
)
def update_project(request: HttpRequest, code: str, payload: ProjectPatch):
    project = queries.get_project(code, user=request.user)
    project = actions.update_project(project, changes=payload.dict(exclude_unset=True), actor=request.user)
    return project


@router.post(
    "/projects/{code}/stage",
    response={200: ProjectOut, **ERRORS},
    operation_id="change_project_stage",
    summary="Move a project to its next stage (owner staff; gates apply)",
)
def change_project_stage(request: HttpRequest, code: str, payload: StageIn):
    project = queries.get_project(code, user=request.user)
    project = actions.change_project_stage(project, stage=payload.stage, actor=request.user)
    return project


@router.get(
    "/projects/{code}/members",
    response={200: list[MembershipOut], **ERRORS},
    operation_id="list_members",
    summary="Who works on the project, in which role",
)
def list_members(request: HttpRequest, code: str, include_ended: bool = Query(False)):
    project = queries.get_project(code, user=request.user)
    return queries.list_memberships(project, user=request.user, include_ended=include_ended)


@router.post(
    "/projects/{code}/members",
    response={201: MembershipOut, **ERRORS},
    operation_id="add_member",
    summary="Add a person to the project in a role (owner staff)",
)
def add_member(request: HttpRequest, code: str, payload: MembershipIn):
    project = queries.get_project(code, user=request.user)
    membership = actions.add_project_member(project, person_id=payload.person_id, role=payload.role, actor=request.user)
    return Status(201, membership)


@router.post(
    "/projects/{code}/members/{membership_id}/end",
    response={200: MembershipOut, **ERRORS},
    operation_id="end_member",
    summary="End a membership (kept on record)",
)
def end_member(request: HttpRequest, code: str, membership_id: int):
    project = queries.get_project(code, user=request.user)
    membership = actions.end_project_membership(project, membership_id=membership_id, actor=request.user)
    return membership
