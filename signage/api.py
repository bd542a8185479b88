"""Permanent signs API: record, check, retire, photos."""

from django.http import HttpRequest
from ninja import File, Router, Status, UploadedFile

from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .materials import accepted_materials
from .schemas import RetireIn, SignIn, SignMaterialIn, SignMaterialOut, SignOut, SignPhotoOut

router = Router(tags=["signs"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}


@router.get(
    "/signs/materials",
    response={200: list[SignMaterialOut], 401: dict},
    operation_id="list_sign_materials",
    summary="The permanent materials a sign may be recorded with (built-in and configured)",
)
def list_sign_materials(request: HttpRequest):
    return list(accepted_materials())


@router.get(
    "/projects/{code}/signs",
    response={200: list[SignOut], **ERRORS},
    operation_id="list_signs",
    summary="The project's signs, each with its discrepancies against the register",
)
def list_signs(request: HttpRequest, code: str, include_retired: bool = False):
    project = get_project(code, user=request.user, action="register.view")
    return queries.list_signs(project, user=request.user, include_retired=include_retired)


@router.post(
    "/projects/{code}/signs",
    response={201: SignOut, **ERRORS},
    operation_id="record_sign",
    summary="Record a building's permanent sign; its content comes from the register",
)
@project_right("sign.manage")
def record_sign(request: HttpRequest, code: str, payload: SignIn):
    project = get_project(code, user=request.user)
    return Status(201, actions.record_sign(project, **payload.dict(), actor=request.user))


@router.get(
    "/projects/{code}/signs/{sign_id}",
    response={200: SignOut, **ERRORS},
    operation_id="get_sign",
    summary="One sign with its discrepancies",
)
def get_sign(request: HttpRequest, code: str, sign_id: int):
    project = get_project(code, user=request.user, action="register.view")
    return queries.get_sign(project, sign_id, user=request.user)


@router.post(
    "/projects/{code}/signs/{sign_id}/material",
    response={200: SignOut, **ERRORS},
    operation_id="set_sign_material",
    summary="Correct the sign's material on record (what the sign shows stays as recorded)",
)
@project_right("sign.manage")
def set_sign_material(request: HttpRequest, code: str, sign_id: int, payload: SignMaterialIn):
    project = get_project(code, user=request.user)
    return actions.set_sign_material(project, sign_id=sign_id, **payload.dict(), actor=request.user)


@router.post(
    "/projects/{code}/signs/{sign_id}/retire",
    response={200: SignOut, **ERRORS},
    operation_id="retire_sign",
    summary="Retire a sign (e.g. before installing a corrected one)",
)
@project_right("sign.manage")
def retire_sign(request: HttpRequest, code: str, sign_id: int, payload: RetireIn):
    project = get_project(code, user=request.user)
    return actions.retire_sign(project, sign_id=sign_id, reason=payload.reason, actor=request.user)


@router.post(
    "/projects/{code}/signs/{sign_id}/photos",
    response={201: SignPhotoOut, 413: dict, **ERRORS},
    operation_id="add_sign_photo",
    summary="Add a photo of the installed sign (JPEG or PNG)",
)
@project_right("sign.manage")
def add_sign_photo(request: HttpRequest, code: str, sign_id: int, file: File[UploadedFile]):
    project = get_project(code, user=request.user)
    photo = actions.add_sign_photo(
        project, sign_id=sign_id, stream=file, size=file.size, original_name=file.name, actor=request.user
    )
    return Status(201, photo)
