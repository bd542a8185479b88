"""Inspections API: findings (offline-safe), photos, the rectification moves, lists with filters,
BCF exchange, and checklists (templates, filling on site, completion into findings)."""

from typing import Annotated

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from plumbline.core.errors import InvalidInput, PayloadTooLarge
from plumbline.core.limits import CHOICE_LENGTH, CODE_LENGTH
from plumbline.core.pagination import Pagination
from plumbline.core.uploads import human_size
from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .models import MOVE_ACTIONS
from .schemas import (
    AnswerIn,
    AssignIn,
    BcfImportOut,
    ChecklistDetailOut,
    ChecklistIn,
    ChecklistOut,
    ChecklistTemplateIn,
    ChecklistTemplateOut,
    CreatedChecklistOut,
    CreatedChecklistPhotoOut,
    CreatedFindingOut,
    CreatedPhotoOut,
    FindingDetailOut,
    FindingFilters,
    FindingIn,
    FindingOut,
    FindingsReportIn,
    FindingsReportOut,
    NoteIn,
)

router = Router(tags=["inspections"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}


@router.post(
    "/projects/{code}/findings",
    response={201: CreatedFindingOut, 200: CreatedFindingOut, **ERRORS},
    operation_id="open_finding",
    summary="Open a finding on elements or a plan point (idempotent by client_uuid); one opened by an inspector "
    "the housing department drew for the project has source supervision",
)
@project_right("finding.open", "finding.open_supervision")
def open_finding(request: HttpRequest, code: str, payload: FindingIn):
    project = get_project(code, user=request.user, action="finding.view")
    data = payload.dict()
    x, y = data.pop("x"), data.pop("y")
    if (x is None) != (y is None):
        raise InvalidInput(_("Give both x and y of the plan point, or neither."), field="x")
    finding, created = actions.open_finding(
        project, **data, point=(x, y) if x is not None else None, actor=request.user
    )
    finding = queries.get_finding(project, finding.pk, user=request.user)
    finding.is_new = created
    return Status(201 if created else 200, finding)


@router.get(
    "/projects/{code}/findings",
    response={200: list[FindingOut], **ERRORS},
    operation_id="list_findings",
    summary="Findings, newest first, by status, severity, category, storey, element or its class, "
    "responsible party, assignee (assignee=me: my findings), overdue or source (site, supervision)",
)
@paginate(Pagination)
def list_findings(request: HttpRequest, code: str, filters: Query[FindingFilters]):
    project = get_project(code, user=request.user, action="finding.view")
    return queries.search_findings(project, user=request.user, **filters.dict())


@router.get(
    "/projects/{code}/findings/bcf",
    response={200: None, **ERRORS},
    operation_id="export_findings_bcf",
    summary="Every finding as a BCF file (2.1 or 3.0) for other BIM tools",
)
def export_findings_bcf(request: HttpRequest, code: str, bcf_version: str = "2.1"):
    project = get_project(code, user=request.user, action="finding.view")
    data = queries.export_bcf(project, user=request.user, version=bcf_version)
    response = HttpResponse(data, content_type="application/octet-stream")
    name = f"{project.code}-findings-bcf{bcf_version}.bcf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/projects/{code}/findings/bcf",
    response={200: BcfImportOut, 413: dict, **ERRORS},
    operation_id="import_findings_bcf",
    summary="Import a BCF 2.x or 3.0 file from another BIM tool into findings (re-import updates, never duplicates)",
)
@project_right("finding.open")
def import_findings_bcf(request: HttpRequest, code: str, file: File[UploadedFile]):
    project = get_project(code, user=request.user, action="finding.view")
    if file.size and file.size > settings.BCF_MAX_BYTES:
        raise PayloadTooLarge(
            _("The BCF file is %(size)s, over the limit of %(limit)s.")
            % {"size": human_size(file.size), "limit": human_size(settings.BCF_MAX_BYTES)}
        )
    return actions.import_bcf(project, data=file.read(), file_name=file.name or "", actor=request.user)


@router.post(
    "/projects/{code}/findings/reports",
    response={202: FindingsReportOut, **ERRORS},
    operation_id="export_findings_report",
    summary="Ask for a findings report (PDF or XLSX, filtered as the list) for the site meeting; "
    "it is made in the background: poll it for progress and its download link",
)
@project_right("finding.export")
def export_findings_report(request: HttpRequest, code: str, payload: FindingsReportIn):
    project = get_project(code, user=request.user, action="finding.view")
    report = actions.export_findings_report(
        project, format=payload.format, filters=payload.filters.dict(), actor=request.user
    )
    return Status(202, queries.get_findings_report(project, report.pk, user=request.user))


@router.get(
    "/projects/{code}/findings/reports/{report_id}",
    response={200: FindingsReportOut, **ERRORS},
    operation_id="get_findings_report",
    summary="A findings report you asked for: status, progress, and a signed download link when it is made",
)
def get_findings_report(request: HttpRequest, code: str, report_id: int):
    project = get_project(code, user=request.user, action="finding.view")
    return queries.get_findings_report(project, report_id, user=request.user)


@router.get(
    "/projects/{code}/findings/{finding_id}",
    response={200: FindingDetailOut, **ERRORS},
    operation_id="get_finding",
    summary="A finding with its history, photos and your next moves",
)
def get_finding(request: HttpRequest, code: str, finding_id: int):
    project = get_project(code, user=request.user, action="finding.view")
    return queries.get_finding(project, finding_id, user=request.user)


@router.post(
    "/projects/{code}/findings/{finding_id}/photos",
    response={201: CreatedPhotoOut, 200: CreatedPhotoOut, 413: dict, **ERRORS},
    operation_id="add_finding_photo",
    summary="Add a photo (JPEG, PNG or HEIC; idempotent by client_uuid), of the defect or the rectification "
    "(kind; default by who uploads it); with marks_up (the client_uuid of a photo of the finding) it is that "
    "photo with arrows and circles drawn on it, both kept",
)
@project_right("finding.photo", "finding.photo_supervision")
def add_finding_photo(
    request: HttpRequest,
    code: str,
    finding_id: int,
    client_uuid: Annotated[str, Form(max_length=CODE_LENGTH)],
    file: File[UploadedFile],
    kind: Annotated[str, Form(max_length=CHOICE_LENGTH)] = "",
    marks_up: Annotated[str | None, Form(max_length=CODE_LENGTH)] = None,
):
    project = get_project(code, user=request.user, action="finding.view")
    photo, created = actions.add_finding_photo(
        project,
        finding_id=finding_id,
        client_uuid=client_uuid,
        stream=file,
        size=file.size,
        original_name=file.name,
        kind=kind or None,
        marks_up=marks_up,
        actor=request.user,
    )
    photo.is_new = created
    return Status(201 if created else 200, photo)


@router.post(
    "/projects/{code}/findings/{finding_id}/assign",
    response={200: FindingDetailOut, **ERRORS},
    operation_id="assign_finding",
    summary="Give the finding to a person of the responsible party's organisation (they are notified); "
    "null takes it back",
)
@project_right("finding.assign")
def assign_finding(request: HttpRequest, code: str, finding_id: int, payload: AssignIn):
    project = get_project(code, user=request.user, action="finding.view")
    actions.assign_finding(project, finding_id=finding_id, person_id=payload.person_id, actor=request.user)
    return queries.get_finding(project, finding_id, user=request.user)


# The rectification moves: one route each (paths and operation ids are what clients call), made
# by one function; the right each needs is the one the action checks (MOVE_ACTIONS).
FINDING_MOVE_ROUTES = [  # (path segment, verb of move_finding, operation id, summary)
    (
        "submit-rectification",
        "submit_rectification",
        "submit_rectification",
        "Contractor: the defect is fixed (photos first, then a note)",
    ),
    ("verify", "verify", "verify_finding", "Inspector: the rectification is accepted; the finding closes"),
    ("reject", "reject", "reject_rectification", "Inspector: the rectification is not enough (reason required)"),
    ("reopen", "reopen", "reopen_finding", "Inspector: reopen a closed finding (reason required)"),
]


def _move_endpoint(verb: str, name: str):
    @project_right(MOVE_ACTIONS[verb])
    def move(request: HttpRequest, code: str, finding_id: int, payload: NoteIn):
        project = get_project(code, user=request.user, action="finding.view")
        actions.move_finding(project, finding_id=finding_id, verb=verb, note=payload.note, actor=request.user)
        return queries.get_finding(project, finding_id, user=request.user)

    move.__name__ = move.__qualname__ = name
    return move


for _segment, _verb, _operation_id, _summary in FINDING_MOVE_ROUTES:
    router.post(
        f"/projects/{{code}}/findings/{{finding_id}}/{_segment}",
        response={200: FindingDetailOut, **ERRORS},
        operation_id=_operation_id,
        summary=_summary,
    )(_move_endpoint(_verb, _operation_id))


# --- checklists -------------------------------------------------------------------------------


@router.get(
    "/projects/{code}/checklist-templates",
    response={200: list[ChecklistTemplateOut], **ERRORS},
    operation_id="list_checklist_templates",
    summary="The project's checklist templates with their items",
)
def list_checklist_templates(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="checklist.view")
    return queries.list_checklist_templates(project, user=request.user)


@router.post(
    "/projects/{code}/checklist-templates",
    response={201: ChecklistTemplateOut, **ERRORS},
    operation_id="create_checklist_template",
    summary="Define a checklist: ordered items, each pass / fail / n.a., some needing a photo",
)
@project_right("checklist.manage")
def create_checklist_template(request: HttpRequest, code: str, payload: ChecklistTemplateIn):
    project = get_project(code, user=request.user, action="checklist.view")
    data = payload.dict()
    template = actions.create_checklist_template(project, **data, actor=request.user)
    return Status(201, queries.get_checklist_template(project, template.pk, user=request.user))


@router.get(
    "/projects/{code}/checklist-templates/{template_id}",
    response={200: ChecklistTemplateOut, **ERRORS},
    operation_id="get_checklist_template",
    summary="One checklist template",
)
def get_checklist_template(request: HttpRequest, code: str, template_id: int):
    project = get_project(code, user=request.user, action="checklist.view")
    return queries.get_checklist_template(project, template_id, user=request.user)


@router.get(
    "/projects/{code}/checklists",
    response={200: list[ChecklistOut], **ERRORS},
    operation_id="list_checklists",
    summary="Checklists filled on site, newest first (filter by status: in_progress, completed)",
)
@paginate(Pagination)
def list_checklists(request: HttpRequest, code: str, status: str | None = None):
    project = get_project(code, user=request.user, action="checklist.view")
    return queries.list_checklists(project, user=request.user, status=status)


@router.post(
    "/projects/{code}/checklists",
    response={201: CreatedChecklistOut, 200: CreatedChecklistOut, **ERRORS},
    operation_id="start_checklist",
    summary="Start filling a checklist on elements or at a location (idempotent by client_uuid)",
)
@project_right("checklist.fill")
def start_checklist(request: HttpRequest, code: str, payload: ChecklistIn):
    project = get_project(code, user=request.user, action="checklist.view")
    checklist, created = actions.start_checklist(project, **payload.dict(), actor=request.user)
    checklist = queries.get_checklist(project, checklist.pk, user=request.user)
    checklist.is_new = created
    return Status(201 if created else 200, checklist)


@router.get(
    "/projects/{code}/checklists/{checklist_id}",
    response={200: ChecklistDetailOut, **ERRORS},
    operation_id="get_checklist",
    summary="A checklist with every item's answer, photos and the finding a failure opened",
)
def get_checklist(request: HttpRequest, code: str, checklist_id: int):
    project = get_project(code, user=request.user, action="checklist.view")
    return queries.get_checklist(project, checklist_id, user=request.user)


@router.put(
    "/projects/{code}/checklists/{checklist_id}/items/{item_id}",
    response={200: ChecklistDetailOut, **ERRORS},
    operation_id="answer_checklist_item",
    summary="Answer one item: pass, fail (with a note) or na; may be changed until the checklist is completed",
)
@project_right("checklist.fill")
def answer_checklist_item(request: HttpRequest, code: str, checklist_id: int, item_id: int, payload: AnswerIn):
    project = get_project(code, user=request.user, action="checklist.view")
    actions.answer_checklist_item(
        project, checklist_id=checklist_id, item_id=item_id, **payload.dict(), actor=request.user
    )
    return queries.get_checklist(project, checklist_id, user=request.user)


@router.post(
    "/projects/{code}/checklists/{checklist_id}/items/{item_id}/photos",
    response={201: CreatedChecklistPhotoOut, 200: CreatedChecklistPhotoOut, 413: dict, **ERRORS},
    operation_id="add_checklist_photo",
    summary="A photo of one item (JPEG, PNG or HEIC; idempotent by client_uuid)",
)
@project_right("checklist.fill")
def add_checklist_photo(
    request: HttpRequest,
    code: str,
    checklist_id: int,
    item_id: int,
    client_uuid: Annotated[str, Form(max_length=CODE_LENGTH)],
    file: File[UploadedFile],
):
    project = get_project(code, user=request.user, action="checklist.view")
    photo, created = actions.add_checklist_photo(
        project,
        checklist_id=checklist_id,
        item_id=item_id,
        client_uuid=client_uuid,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    photo.is_new = created
    return Status(201 if created else 200, photo)


@router.post(
    "/projects/{code}/checklists/{checklist_id}/complete",
    response={200: ChecklistDetailOut, **ERRORS},
    operation_id="complete_checklist",
    summary="Sign the checklist off: each failed item becomes a finding linked to it",
)
@project_right("checklist.fill")
def complete_checklist(request: HttpRequest, code: str, checklist_id: int):
    project = get_project(code, user=request.user, action="checklist.view")
    actions.complete_checklist(project, checklist_id=checklist_id, actor=request.user)
    return queries.get_checklist(project, checklist_id, user=request.user)
