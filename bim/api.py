"""BIM API: upload IFC models, follow their ingest, browse elements, plans and spatial look-ups."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from plumbline.core.limits import CHOICE_LENGTH, TITLE_LENGTH
from plumbline.core.pagination import Pagination
from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .schemas import (
    DiffOut,
    ElementDetailOut,
    ElementFilters,
    ElementOut,
    IdsFailureOut,
    IdsFileOut,
    IdsRunIn,
    IdsRunOut,
    ModelOut,
    RemapIn,
    StoreyOut,
    UploadOut,
    VersionOut,
)

router = Router(tags=["bim"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}


def _browsable_version(request, code: str, version_id: int):
    project = get_project(code, user=request.user, action="model.view")
    return queries.get_browsable_version(project, version_id, user=request.user)


@router.post(
    "/projects/{code}/models",
    response={201: UploadOut, 200: UploadOut, 413: dict, **ERRORS},
    operation_id="upload_model",
    summary="Upload an .ifc or .ifczip as a new version (contractor staff)",
)
@project_right("model.upload")
def upload_model(
    request: HttpRequest,
    code: str,
    file: File[UploadedFile],
    model_name: Annotated[str, Form(max_length=100)] = "",
    discipline: Annotated[str, Form(max_length=CHOICE_LENGTH)] = "architecture",
):
    project = get_project(code, user=request.user)
    version, created = actions.upload_model_version(
        project,
        stream=file,
        original_name=file.name,
        model_name=model_name,
        discipline=discipline,
        size=file.size,
        actor=request.user,
    )
    version.is_new = created
    return Status(201 if created else 200, version)


@router.get(
    "/projects/{code}/models",
    response={200: list[ModelOut], **ERRORS},
    operation_id="list_models",
    summary="The project's models and their versions",
)
def list_models(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="model.view")
    return queries.list_models(project, user=request.user)


@router.post(
    "/projects/{code}/models/{model_id}/retire",
    response={200: ModelOut, **ERRORS},
    operation_id="retire_model",
    summary="Retire a model whose every version failed (contractor staff); its versions and files are kept",
)
@project_right("model.retire")
def retire_model(request: HttpRequest, code: str, model_id: int):
    project = get_project(code, user=request.user)
    return actions.retire_model(project, model_id, actor=request.user)


@router.get(
    "/projects/{code}/versions/{version_id}",
    response={200: VersionOut, **ERRORS},
    operation_id="get_version",
    summary="A version's status, ingest progress, counts and timings",
)
def get_version(request: HttpRequest, code: str, version_id: int):
    project = get_project(code, user=request.user, action="model.view")
    return queries.get_version(project, version_id, user=request.user)


@router.get(
    "/projects/{code}/versions/{version_id}/storeys",
    response={200: list[StoreyOut], **ERRORS},
    operation_id="list_storeys",
    summary="Storeys of a version, lowest first",
)
def list_storeys(request: HttpRequest, code: str, version_id: int):
    return _browsable_version(request, code, version_id).storeys.all()


@router.get(
    "/projects/{code}/versions/{version_id}/elements",
    response={200: list[ElementOut], **ERRORS},
    operation_id="list_elements",
    summary="Elements filtered by class, storey, material, name or property",
)
@paginate(Pagination)
def list_elements(request: HttpRequest, code: str, version_id: int, filters: Query[ElementFilters]):
    version = _browsable_version(request, code, version_id)
    return queries.list_elements(version, **filters.dict())


@router.get(
    "/projects/{code}/versions/{version_id}/elements/{global_id}",
    response={200: ElementDetailOut, **ERRORS},
    operation_id="get_element",
    summary="Everything known about one element",
)
def get_element(request: HttpRequest, code: str, version_id: int, global_id: str):
    return queries.get_element(_browsable_version(request, code, version_id), global_id)


@router.get(
    "/projects/{code}/versions/{version_id}/storeys/{storey_id}/plan.svg",
    response={200: None, **ERRORS},
    operation_id="storey_plan",
    summary="The storey plan as SVG (element ids in the markup)",
)
def storey_plan(request: HttpRequest, code: str, version_id: int, storey_id: str):
    storey = queries.get_storey(_browsable_version(request, code, version_id), storey_id)
    return HttpResponse(queries.storey_plan_svg(storey), content_type="image/svg+xml")


@router.get(
    "/projects/{code}/versions/{version_id}/storeys/{storey_id}/elements-at",
    response={200: list[ElementOut], **ERRORS},
    operation_id="elements_at",
    summary="Elements at a plan point (x, y in metres), nearest first",
)
def elements_at(
    request: HttpRequest,
    code: str,
    version_id: int,
    storey_id: str,
    x: float = Query(..., allow_inf_nan=False),
    y: float = Query(..., allow_inf_nan=False),
    tolerance: float = Query(0.3, ge=0, allow_inf_nan=False, description="metres, at most 5 is used"),
):
    storey = queries.get_storey(_browsable_version(request, code, version_id), storey_id)
    return queries.elements_at(storey, x=x, y=y, tolerance=tolerance)


@router.get(
    "/projects/{code}/versions/{version_id}/diff",
    response={200: DiffOut, **ERRORS},
    operation_id="version_diff",
    summary="What changed since the previous ready version, with proposed remaps",
)
def version_diff(request: HttpRequest, code: str, version_id: int):
    return queries.get_version_diff(_browsable_version(request, code, version_id))


@router.post(
    "/projects/{code}/versions/{version_id}/remaps",
    response={201: dict, **ERRORS},
    operation_id="accept_remap",
    summary="Accept that a removed element lives on under a new GlobalId",
)
@project_right("model.upload")
def accept_remap(request: HttpRequest, code: str, version_id: int, payload: RemapIn):
    project = get_project(code, user=request.user)
    remap = actions.accept_remap(
        project,
        version_id=version_id,
        old_global_id=payload.old_global_id,
        new_global_id=payload.new_global_id,
        actor=request.user,
    )
    return Status(201, {"from": remap.old_global_id, "to": remap.new_global_id})


@router.post(
    "/projects/{code}/ids",
    response={201: IdsFileOut, 413: dict, **ERRORS},
    operation_id="upload_ids",
    summary="Upload an IDS file (buildingSMART information delivery specification)",
)
@project_right("ids.manage")
def upload_ids(
    request: HttpRequest, code: str, file: File[UploadedFile], name: Annotated[str, Form(max_length=TITLE_LENGTH)] = ""
):
    project = get_project(code, user=request.user)
    return Status(201, actions.upload_ids(project, stream=file, original_name=file.name, name=name, actor=request.user))


@router.get(
    "/projects/{code}/ids",
    response={200: list[IdsFileOut], **ERRORS},
    operation_id="list_ids",
    summary="The project's IDS files",
)
def list_ids(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="model.view")
    return queries.list_ids_files(project, user=request.user)


@router.post(
    "/projects/{code}/versions/{version_id}/ids-runs",
    response={202: IdsRunOut, **ERRORS},
    operation_id="run_ids",
    summary="Check a ready version against an IDS file (runs as a task)",
)
@project_right("ids.manage")
def run_ids(request: HttpRequest, code: str, version_id: int, payload: IdsRunIn):
    project = get_project(code, user=request.user)
    return Status(
        202, actions.request_ids_run(project, version_id=version_id, ids_id=payload.ids_id, actor=request.user)
    )


@router.get(
    "/projects/{code}/ids-runs/{run_id}",
    response={200: IdsRunOut, **ERRORS},
    operation_id="get_ids_run",
    summary="An IDS run's status and per-specification counts",
)
def get_ids_run(request: HttpRequest, code: str, run_id: int):
    project = get_project(code, user=request.user, action="model.view")
    return queries.get_ids_run(project, run_id, user=request.user)


@router.get(
    "/projects/{code}/ids-runs/{run_id}/failures",
    response={200: list[IdsFailureOut], **ERRORS},
    operation_id="ids_failures",
    summary="The elements that fail a requirement, and why",
)
@paginate(Pagination)
def ids_failures(request: HttpRequest, code: str, run_id: int):
    project = get_project(code, user=request.user, action="model.view")
    return queries.failing_elements(queries.get_ids_run(project, run_id, user=request.user))
