"""BIM API: upload IFC models, follow their ingest, browse elements, plans and spatial look-ups."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from plumbline.errors import Conflict, InvalidInput
from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .models import VersionStatus
from .schemas import ElementDetailOut, ElementOut, ModelOut, StoreyOut, UploadOut, VersionOut

router = Router(tags=["bim"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}
BROWSABLE = {VersionStatus.GEOMETRY, VersionStatus.READY}


def _browsable_version(request, code: str, version_id: int):
    project = get_project(code, user=request.user, action="model.view")
    version = queries.get_version(project, version_id, user=request.user)
    if version.status not in BROWSABLE:
        raise Conflict(
            _("Version %(number)s of %(model)s is %(status)s")
            % {"number": version.number, "model": version.model.name, "status": version.get_status_display()}
            + (
                _(": %(reason)s") % {"reason": version.failure_reason}
                if version.failure_reason
                else _("; its elements are not readable yet.")
            ),
            code="version_not_ready",
        )
    return version


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
    model_name: Form[str] = "",
    discipline: Form[str] = "architecture",
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


class ElementFilters(Schema):
    ifc_class: str | None = None
    storey: str | None = None
    material: str | None = None
    name: str | None = None
    pset: str | None = None
    prop: str | None = None
    value: str | None = None


@router.get(
    "/projects/{code}/versions/{version_id}/elements",
    response={200: list[ElementOut], **ERRORS},
    operation_id="list_elements",
    summary="Elements filtered by class, storey, material, name or property",
)
@paginate(LimitOffsetPagination)
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
    request: HttpRequest, code: str, version_id: int, storey_id: str, x: float, y: float, tolerance: float = 0.3
):
    storey = queries.get_storey(_browsable_version(request, code, version_id), storey_id)
    bounds = queries.storey_bounds(storey)
    if bounds and not (bounds[0] - 5 <= x <= bounds[2] + 5 and bounds[1] - 5 <= y <= bounds[3] + 5):
        raise InvalidInput(
            _("The point (%(x)s, %(y)s) is outside storey %(storey)s.")
            % {"x": x, "y": y, "storey": storey.name or storey.global_id},
            code="outside_storey",
        )
    return queries.elements_near(storey.version, storey, point=(x, y), tolerance=min(max(tolerance, 0), 5))


class DiffOut(Schema):
    version_id: int
    previous_version_id: int | None
    added: list[str]
    removed: list[str]
    changed: list[dict]
    proposed_remaps: list[dict]
    accepted_remaps: list[dict]
    counts: dict


class RemapIn(Schema):
    old_global_id: str
    new_global_id: str


@router.get(
    "/projects/{code}/versions/{version_id}/diff",
    response={200: DiffOut, **ERRORS},
    operation_id="version_diff",
    summary="What changed since the previous ready version, with proposed remaps",
)
def version_diff(request: HttpRequest, code: str, version_id: int):
    version = _browsable_version(request, code, version_id)
    diff = version.diff or {}
    return {
        "version_id": version.pk,
        "previous_version_id": version.previous_id,
        **{key: diff.get(key, []) for key in ("added", "removed", "changed", "proposed_remaps")},
        "accepted_remaps": [{"from": r.old_global_id, "to": r.new_global_id} for r in version.remaps.all()],
        "counts": diff.get("counts", {}),
    }


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


class IdsFileOut(Schema):
    id: int
    name: str
    specifications: int
    sha256: str
    uploaded_at: datetime


class IdsRunIn(Schema):
    ids_id: int


class IdsRunOut(Schema):
    id: int
    version_id: int
    ids_id: int = Field(..., alias="ids_file_id")
    status: str
    summary: list[dict]
    failure_reason: str
    requested_at: datetime
    finished_at: datetime | None


class IdsFailureOut(Schema):
    global_id: str
    ifc_class: str
    name: str
    specification: str
    requirement: str
    reason: str


@router.post(
    "/projects/{code}/ids",
    response={201: IdsFileOut, 413: dict, **ERRORS},
    operation_id="upload_ids",
    summary="Upload an IDS file (buildingSMART information delivery specification)",
)
@project_right("ids.manage")
def upload_ids(request: HttpRequest, code: str, file: File[UploadedFile], name: Form[str] = ""):
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
@paginate(LimitOffsetPagination)
def ids_failures(request: HttpRequest, code: str, run_id: int):
    project = get_project(code, user=request.user, action="model.view")
    return queries.failing_elements(queries.get_ids_run(project, run_id, user=request.user))
