"""Insurance API: units and binding home owners, policies and TIS reports, claims (filed offline-
safe from a phone, cover decided at once) and one operation per step of their workflow."""

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from plumbline.core.errors import InvalidInput
from plumbline.core.limits import CODE_LENGTH
from plumbline.core.rights import right_first
from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .schemas import (
    BindIn,
    BindingCodeOut,
    BoundOut,
    ClaimDetailOut,
    ClaimIn,
    ClaimOut,
    CreatedClaimOut,
    CreatedClaimPhotoOut,
    DecisionIn,
    HomeOwnerOut,
    NoteIn,
    PolicyIn,
    PolicyOut,
    RedeemIn,
    RepairAssignIn,
    TisReportIn,
    TisReportOut,
    UnitIn,
    UnitOut,
)

router = Router(tags=["insurance"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}


@router.get(
    "/projects/{code}/units",
    response={200: list[UnitOut], **ERRORS},
    operation_id="list_units",
    summary="The project's saleable units with their home owners (a home owner: their own only)",
)
def list_units(request: HttpRequest, code: str, building_id: int | None = None):
    project = get_project(code, user=request.user, action="unit.view")
    return queries.list_units(project, user=request.user, building_id=building_id)


@router.post(
    "/projects/{code}/units",
    response={201: UnitOut, **ERRORS},
    operation_id="create_unit",
    summary="Add a unit to a building (owner staff), on the IfcSpaces it spans",
)
@project_right("unit.manage")
def create_unit(request: HttpRequest, code: str, payload: UnitIn):
    project = get_project(code, user=request.user, action="unit.view")
    unit = actions.create_unit(project, **payload.dict(), actor=request.user)
    return Status(201, queries.get_unit(project, unit.pk, user=request.user))


@router.post(
    "/projects/{code}/units/{unit_id}/home-owners",
    response={200: HomeOwnerOut, **ERRORS},
    operation_id="bind_home_owner",
    summary="Bind a registered person to the unit as its home owner (owner staff)",
)
@project_right("home_owner.bind")
def bind_home_owner(request: HttpRequest, code: str, unit_id: int, payload: BindIn):
    project = get_project(code, user=request.user, action="unit.view")
    ownership = actions.bind_home_owner(project, unit_id=unit_id, person_id=payload.person_id, actor=request.user)
    return {
        "person_id": ownership.person_id,
        "name": ownership.person.name,
        "bound_at": ownership.bound_at,
        "by_code": ownership.by_code,
    }


@router.post(
    "/projects/{code}/units/{unit_id}/binding-codes",
    response={201: BindingCodeOut, **ERRORS},
    operation_id="issue_binding_code",
    summary="A one-time code to print for the unit's buyer (shown once)",
)
@project_right("home_owner.bind")
def issue_binding_code(request: HttpRequest, code: str, unit_id: int):
    project = get_project(code, user=request.user, action="unit.view")
    row, raw = actions.issue_binding_code(project, unit_id=unit_id, actor=request.user)
    return Status(201, {"unit_id": row.unit_id, "code": raw})


@router.post(
    "/units/bind",
    response={200: BoundOut, **ERRORS},
    operation_id="redeem_binding_code",
    summary="A buyer binds themself to their unit with the one-time code printed for them",
)
def redeem_binding_code(request: HttpRequest, payload: RedeemIn):
    ownership = actions.redeem_binding_code(code=payload.code, actor=request.user)
    unit = ownership.unit
    return {"project": unit.building.project.code, "unit_id": unit.pk, "unit": unit.number}


@router.get(
    "/projects/{code}/policies",
    response={200: list[PolicyOut], **ERRORS},
    operation_id="list_policies",
    summary="The project's latent-defect policies with cover, waiting period, exclusions and TIS reports",
)
def list_policies(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="policy.view")
    return queries.list_policies(project, user=request.user).prefetch_related("tis_reports")


@router.post(
    "/projects/{code}/policies",
    response={201: PolicyOut, **ERRORS},
    operation_id="create_policy",
    summary="Record an IDI policy on the project or a building (defaults of DOMAIN.md s7)",
)
@project_right("policy.manage")
def create_policy(request: HttpRequest, code: str, payload: PolicyIn):
    project = get_project(code, user=request.user, action="policy.view")
    policy = actions.create_policy(project, **payload.dict(), actor=request.user)
    return Status(201, queries.get_policy(project, policy.pk, user=request.user))


@router.post(
    "/projects/{code}/policies/{policy_id}/tis-reports",
    response={201: TisReportOut, **ERRORS},
    operation_id="file_tis_report",
    summary="TIS: file a risk report of construction on the policy, with the findings it raised",
)
@project_right("policy.tis_report")
def file_tis_report(request: HttpRequest, code: str, policy_id: int, payload: TisReportIn):
    project = get_project(code, user=request.user, action="policy.view")
    report = actions.file_tis_report(project, policy_id=policy_id, **payload.dict(), actor=request.user)
    return Status(201, report)


@router.get(
    "/projects/{code}/claims",
    response={200: list[ClaimOut], **ERRORS},
    operation_id="list_claims",
    summary="Claims by their next deadline, the most pressing first (a home owner: their own)",
)
def list_claims(
    request: HttpRequest,
    code: str,
    status: str | None = None,
    unit_id: int | None = None,
    overdue: bool | None = Query(None),
):
    project = get_project(code, user=request.user, action="claim.view")
    return queries.list_claims(project, user=request.user, status=status, unit_id=unit_id, overdue=overdue)


@router.post(
    "/projects/{code}/claims",
    response={201: CreatedClaimOut, 200: CreatedClaimOut, **ERRORS},
    operation_id="file_claim",
    summary="File a defect claim on the unit, an element or a plan point; cover decided at once (idempotent by client_uuid)",
)
@project_right("claim.file")
def file_claim(request: HttpRequest, code: str, payload: ClaimIn):
    project = get_project(code, user=request.user, action="claim.view")
    data = payload.dict()
    x, y = data.pop("x"), data.pop("y")
    if (x is None) != (y is None):
        raise InvalidInput(_("Give both x and y of the plan point, or neither."), field="x")
    claim, created = actions.file_claim(project, **data, point=(x, y) if x is not None else None, actor=request.user)
    claim = queries.get_claim(project, claim.pk, user=request.user)
    claim.is_new = created
    return Status(201 if created else 200, claim)


@router.get(
    "/projects/{code}/claims/{claim_id}",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="get_claim",
    summary="A claim with its cover and reasons, next deadline, history, photos and your next moves",
)
def get_claim(request: HttpRequest, code: str, claim_id: int):
    project = get_project(code, user=request.user, action="claim.view")
    return queries.get_claim(project, claim_id, user=request.user)


def _may_add_photo(request, *, code, claim_id, **_):
    """Who filed the claim adds photos of the defect, the party repairing it photos of the repair."""
    project = get_project(code, user=request.user, action="claim.view")
    queries.photo_stage(project, claim_id, user=request.user)


@router.post(
    "/projects/{code}/claims/{claim_id}/photos",
    response={201: CreatedClaimPhotoOut, 200: CreatedClaimPhotoOut, 413: dict, **ERRORS},
    operation_id="add_claim_photo",
    summary="A photo of the defect or of its repair (JPEG, PNG or HEIC; idempotent by client_uuid)",
)
@right_first(_may_add_photo)
def add_claim_photo(
    request: HttpRequest,
    code: str,
    claim_id: int,
    client_uuid: Annotated[str, Form(max_length=CODE_LENGTH)],
    file: File[UploadedFile],
):
    project = get_project(code, user=request.user, action="claim.view")
    photo, created = actions.add_claim_photo(
        project,
        claim_id=claim_id,
        client_uuid=client_uuid,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    photo.is_new = created
    return Status(201 if created else 200, photo)


def _moved(request, project, claim_id: int, verb: str, **kwargs):
    actions.move_claim(project, claim_id=claim_id, verb=verb, actor=request.user, **kwargs)
    return queries.get_claim(project, claim_id, user=request.user)


@router.post(
    "/projects/{code}/claims/{claim_id}/survey",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="survey_claim",
    summary="TIS: record the site survey (what it found)",
)
@project_right("claim.survey")
def survey_claim(request: HttpRequest, code: str, claim_id: int, payload: NoteIn):
    project = get_project(code, user=request.user, action="claim.view")
    return _moved(request, project, claim_id, "survey", note=payload.note)


@router.post(
    "/projects/{code}/claims/{claim_id}/decide",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="decide_claim",
    summary="Insurer: accept or decline the claim (a decline names its reasons)",
)
@project_right("claim.decide")
def decide_claim(request: HttpRequest, code: str, claim_id: int, payload: DecisionIn):
    project = get_project(code, user=request.user, action="claim.view")
    if payload.decision not in ("accept", "decline"):
        raise InvalidInput(_("The decision is accept or decline."), field="decision")
    return _moved(request, project, claim_id, payload.decision, note=payload.note, reasons=payload.reasons)


@router.post(
    "/projects/{code}/claims/{claim_id}/contest",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="contest_claim",
    summary="Home owner: contest a declined claim (once), saying why",
)
@project_right("claim.file")
def contest_claim(request: HttpRequest, code: str, claim_id: int, payload: NoteIn):
    project = get_project(code, user=request.user, action="claim.view")
    return _moved(request, project, claim_id, "contest", note=payload.note)


@router.post(
    "/projects/{code}/claims/{claim_id}/assign-repair",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="assign_repair",
    summary="Insurer: assign the repair to the responsible party of the register",
)
@project_right("claim.assign_repair")
def assign_repair(request: HttpRequest, code: str, claim_id: int, payload: RepairAssignIn):
    project = get_project(code, user=request.user, action="claim.view")
    return _moved(request, project, claim_id, "assign_repair", note=payload.note, party=payload.party)


@router.post(
    "/projects/{code}/claims/{claim_id}/repair",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="record_repair",
    summary="The party repairing: the repair is done (photos first, then a note)",
)
@project_right("claim.repair")
def record_repair(request: HttpRequest, code: str, claim_id: int, payload: NoteIn):
    project = get_project(code, user=request.user, action="claim.view")
    return _moved(request, project, claim_id, "record_repair", note=payload.note)


@router.post(
    "/projects/{code}/claims/{claim_id}/confirm",
    response={200: ClaimDetailOut, **ERRORS},
    operation_id="confirm_repair",
    summary="Home owner: the repair is good; the claim closes",
)
@project_right("claim.confirm")
def confirm_repair(request: HttpRequest, code: str, claim_id: int, payload: NoteIn):
    project = get_project(code, user=request.user, action="claim.view")
    return _moved(request, project, claim_id, "confirm_repair", note=payload.note)
