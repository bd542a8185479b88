"""Projects API: organisations, people, projects and their members."""

from datetime import timedelta
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from plumbline.core.limits import CHOICE_LENGTH
from plumbline.core.pagination import Pagination
from storage import get_storage

from . import actions, queries
from .dates import parse_iso_date
from .rights import owner_staff_right, people_registrar_right, project_right, site_staff_right
from .schemas import (
    AppointmentIn,
    AppointmentOut,
    ArchitectInChargeIn,
    BuildingIn,
    BuildingOut,
    BuildingPatch,
    DesignChangeIn,
    DesignChangeOut,
    DesignChangeSignOffIn,
    DownloadOut,
    EndAppointmentIn,
    IsoDate,
    LetterOut,
    LetterRequirementOut,
    MembershipIn,
    MembershipOut,
    OrganisationIn,
    OrganisationOut,
    PartyOnDateOut,
    PersonIn,
    PersonOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    StageIn,
    WithdrawIn,
)

ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}

router = Router(tags=["projects"])


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    operation_id="list_organisations",
    summary="Registered organisations",
)
@paginate(Pagination)
def list_organisations(request: HttpRequest, kind: str | None = None):
    return queries.list_organisations(user=request.user, kind=kind)


@router.post(
    "/organisations",
    response={201: OrganisationOut, **ERRORS},
    operation_id="create_organisation",
    summary="Register an organisation (platform administrators)",
)
@site_staff_right
def create_organisation(request: HttpRequest, payload: OrganisationIn):
    return Status(201, actions.create_organisation(**payload.dict(), actor=request.user))


@router.post(
    "/people",
    response={201: PersonOut, **ERRORS},
    operation_id="register_person",
    summary="Register a person with a sign-in account",
)
@people_registrar_right
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
@paginate(Pagination)
def list_projects(request: HttpRequest):
    return queries.list_projects(user=request.user)


@router.post(
    "/projects",
    response={201: ProjectOut, **ERRORS},
    operation_id="create_project",
    summary="Create a project (owner staff)",
)
@owner_staff_right
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
@project_right("project.update")
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
@project_right("project.change_stage")
def change_project_stage(request: HttpRequest, code: str, payload: StageIn):
    project = queries.get_project(code, user=request.user)
    project = actions.change_project_stage(project, stage=payload.stage, on=payload.on, actor=request.user)
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
@project_right("membership.manage")
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
@project_right("membership.manage")
def end_member(request: HttpRequest, code: str, membership_id: int):
    project = queries.get_project(code, user=request.user)
    membership = actions.end_project_membership(project, membership_id=membership_id, actor=request.user)
    return membership


# --- the party register and its letters -------------------------------------------------------


@router.get(
    "/projects/{code}/parties",
    response={200: list[PartyOnDateOut], **ERRORS},
    operation_id="parties_on_date",
    summary="Who held each of the five party roles (and architect in charge, where appointed) on a date",
)
def parties_on_date(
    request: HttpRequest, code: str, at: str | None = Query(None, description="YYYY-MM-DD (default today)")
):
    project = queries.get_project(code, user=request.user, action="register.view")
    day = parse_iso_date(at, field="at", label=gettext("The date")) if at else timezone.localdate()
    held = queries.appointments_at(project, day)
    return [{"party": party, "appointment": appointment} for party, appointment in held.items()]


@router.get(
    "/projects/{code}/appointments",
    response={200: list[AppointmentOut], **ERRORS},
    operation_id="list_appointments",
    summary="The full appointment history of the five parties and the architect in charge",
)
def list_appointments(request: HttpRequest, code: str):
    project = queries.get_project(code, user=request.user, action="register.view")
    return queries.list_appointments(project, user=request.user)


@router.post(
    "/projects/{code}/appointments",
    response={201: AppointmentOut, **ERRORS},
    operation_id="appoint_party",
    summary="Appoint a party's organisation and leader (ends the current appointment the day before)",
)
@project_right("register.manage")
def appoint_party(request: HttpRequest, code: str, payload: AppointmentIn):
    project = queries.get_project(code, user=request.user)
    return Status(201, actions.appoint_party(project, **payload.dict(), actor=request.user))


@router.post(
    "/projects/{code}/architect-in-charge",
    response={201: AppointmentOut, **ERRORS},
    operation_id="appoint_architect_in_charge",
    summary="Appoint the architect in charge (建筑师负责制) where the region runs the system",
)
@project_right("register.manage")
def appoint_architect_in_charge(request: HttpRequest, code: str, payload: ArchitectInChargeIn):
    project = queries.get_project(code, user=request.user)
    return Status(201, actions.appoint_architect_in_charge(project, **payload.dict(), actor=request.user))


@router.post(
    "/projects/{code}/appointments/{appointment_id}/end",
    response={200: AppointmentOut, **ERRORS},
    operation_id="end_appointment",
    summary="Record that an appointment ended, before a successor is known",
)
@project_right("register.manage")
def end_appointment(request: HttpRequest, code: str, appointment_id: int, payload: EndAppointmentIn):
    project = queries.get_project(code, user=request.user)
    return actions.end_appointment(
        project, appointment_id=appointment_id, end_date=payload.end_date, actor=request.user
    )


@router.get(
    "/projects/{code}/letters/requirements",
    response={200: list[LetterRequirementOut], **ERRORS},
    operation_id="letter_requirements",
    summary="Which letters the current leaders have on file, due or overdue",
)
def letter_requirements(request: HttpRequest, code: str):
    project = queries.get_project(code, user=request.user, action="register.view")
    return [
        {
            "party": r.appointment.party,
            "appointment_id": r.appointment.pk,
            "leader": r.appointment.leader.name,
            "kind": r.kind,
            "status": r.status,
            "due_date": r.due_date,
            "letter_id": r.letter.pk if r.letter else None,
        }
        for r in queries.letter_requirements(project)
    ]


@router.post(
    "/projects/{code}/appointments/{appointment_id}/letters",
    response={201: LetterOut, 413: dict, **ERRORS},
    operation_id="upload_letter",
    summary="File an authorisation or commitment letter (PDF, JPEG or PNG)",
)
@project_right("letter.upload")
def upload_letter(
    request: HttpRequest,
    code: str,
    appointment_id: int,
    kind: Annotated[str, Form(max_length=CHOICE_LENGTH)],
    signed_on: Form[IsoDate],
    file: File[UploadedFile],
):
    project = queries.get_project(code, user=request.user)
    letter = actions.upload_letter(
        project,
        appointment_id=appointment_id,
        kind=kind,
        signed_on=signed_on,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    return Status(201, letter)


@router.get(
    "/projects/{code}/letters/{letter_id}/download",
    response={200: DownloadOut, **ERRORS},
    operation_id="download_letter",
    summary="A short-lived link to the letter's file",
)
def download_letter(request: HttpRequest, code: str, letter_id: int):
    project = queries.get_project(code, user=request.user, action="register.view")
    letter = queries.get_letter(project, letter_id, user=request.user)
    seconds = settings.PRESIGNED_URL_SECONDS
    return {
        "url": get_storage().presigned_url(
            letter.file_key, timedelta(seconds=seconds), filename=letter.original_name or letter.get_kind_display()
        ),
        "expires_in_seconds": seconds,
    }


@router.post(
    "/projects/{code}/letters/{letter_id}/withdraw",
    response={200: LetterOut, **ERRORS},
    operation_id="withdraw_letter",
    summary="Take a wrongly filed letter off file (kept on record)",
)
@project_right("register.manage")
def withdraw_letter(request: HttpRequest, code: str, letter_id: int, payload: WithdrawIn):
    project = queries.get_project(code, user=request.user)
    return actions.withdraw_letter(project, letter_id=letter_id, reason=payload.reason, actor=request.user)


# --- design changes -----------------------------------------------------------------------------


@router.get(
    "/projects/{code}/design-changes",
    response={200: list[DesignChangeOut], **ERRORS},
    operation_id="list_design_changes",
    summary="The project's design changes (设计变更) and who signed them off",
)
def list_design_changes(request: HttpRequest, code: str):
    project = queries.get_project(code, user=request.user, action="design_change.view")
    return queries.list_design_changes(project, user=request.user)


@router.post(
    "/projects/{code}/design-changes",
    response={201: DesignChangeOut, **ERRORS},
    operation_id="propose_design_change",
    summary="Record a design change for the owner's sign-off",
)
@project_right("design_change.propose")
def propose_design_change(request: HttpRequest, code: str, payload: DesignChangeIn):
    project = queries.get_project(code, user=request.user)
    return Status(201, actions.propose_design_change(project, description=payload.description, actor=request.user))


@router.post(
    "/projects/{code}/design-changes/{change_id}/sign-off",
    response={200: DesignChangeOut, **ERRORS},
    operation_id="sign_off_design_change",
    summary="Sign off a design change: the owner's project leader, or the architect in charge for the owner",
)
@project_right("design_change.sign_off")
def sign_off_design_change(request: HttpRequest, code: str, change_id: int, payload: DesignChangeSignOffIn):
    project = queries.get_project(code, user=request.user)
    return actions.sign_off_design_change(project, change_id=change_id, signed_on=payload.signed_on, actor=request.user)


# --- buildings ----------------------------------------------------------------------------------


@router.get(
    "/projects/{code}/buildings",
    response={200: list[BuildingOut], **ERRORS},
    operation_id="list_buildings",
    summary="The project's buildings (单体), each a unit project of its acceptance",
)
def list_buildings(request: HttpRequest, code: str):
    project = queries.get_project(code, user=request.user, action="building.view")
    return queries.list_buildings(project, user=request.user)


@router.post(
    "/projects/{code}/buildings",
    response={201: BuildingOut, **ERRORS},
    operation_id="create_building",
    summary="Add a building to the project (owner staff)",
)
@project_right("building.manage")
def create_building(request: HttpRequest, code: str, payload: BuildingIn):
    project = queries.get_project(code, user=request.user)
    return Status(201, actions.create_building(project, **payload.dict(), actor=request.user))


@router.patch(
    "/projects/{code}/buildings/{building_id}",
    response={200: BuildingOut, **ERRORS},
    operation_id="update_building",
    summary="Change a building's details or its IfcBuilding GlobalIds (owner staff)",
)
@project_right("building.manage")
def update_building(request: HttpRequest, code: str, building_id: int, payload: BuildingPatch):
    project = queries.get_project(code, user=request.user)
    return actions.update_building(
        project, building_id=building_id, changes=payload.dict(exclude_unset=True), actor=request.user
    )
