"""Building-materials API: batches, certificates, entry inspection, witnesses, samples, lab
reports, dispositions, element links, the witness report and the flagged elements of a version."""

from typing import Annotated

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile
from ninja.pagination import paginate

from plumbline.core.limits import CHOICE_LENGTH, TEXT_LENGTH
from plumbline.core.pagination import Pagination
from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .schemas import (
    AuthorisationOut,
    BatchDetailOut,
    BatchIn,
    BatchOut,
    CertificateOut,
    DispositionIn,
    EntryInspectionIn,
    FlaggedOut,
    IsoDate,
    LinkIn,
    LinkOut,
    ReportOut,
    ResultIn,
    SampleIn,
    SampleOut,
    WitnessIn,
    WitnessRowOut,
    parse_json_list,
)

router = Router(tags=["materials"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}
UPLOAD_ERRORS = {413: dict, **ERRORS}
BATCH = "/projects/{code}/materials/batches/{batch_id}"


@router.get(
    "/projects/{code}/materials/batches",
    response={200: list[BatchOut], **ERRORS},
    operation_id="list_material_batches",
    summary="The project's material batches, newest delivery first, with their sampling state",
)
@paginate(Pagination)
def list_material_batches(request: HttpRequest, code: str, category: str = "", status: str = ""):
    project = get_project(code, user=request.user, action="material.view")
    return queries.list_batches(project, user=request.user, category=category or None, status=status or None)


@router.post(
    "/projects/{code}/materials/batches",
    response={201: BatchOut, **ERRORS},
    operation_id="create_material_batch",
    summary="Register a delivered batch (a prefabricated component is a batch of one)",
)
@project_right("material.register")
def create_material_batch(request: HttpRequest, code: str, payload: BatchIn):
    project = get_project(code, user=request.user)
    batch = actions.create_material_batch(project, **payload.dict(), actor=request.user)
    return Status(201, queries.get_batch(project, batch.pk, user=request.user))


@router.get(
    BATCH,
    response={200: BatchDetailOut, **ERRORS},
    operation_id="get_material_batch",
    summary="One batch with its certificates, samples, reports and elements",
)
def get_material_batch(request: HttpRequest, code: str, batch_id: int):
    project = get_project(code, user=request.user, action="material.view")
    return queries.get_batch(project, batch_id, user=request.user)


@router.post(
    BATCH + "/certificates",
    response={201: CertificateOut, **UPLOAD_ERRORS},
    operation_id="add_batch_certificate",
    summary="File a certificate of the batch (PDF, JPEG or PNG)",
)
@project_right("material.register")
def add_batch_certificate(
    request: HttpRequest,
    code: str,
    batch_id: int,
    kind: Annotated[str, Form(max_length=CHOICE_LENGTH)],
    file: File[UploadedFile],
    number: Annotated[str, Form(max_length=100)] = "",
):
    project = get_project(code, user=request.user)
    certificate = actions.add_batch_certificate(
        project,
        batch_id=batch_id,
        kind=kind,
        number=number,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    return Status(201, certificate)


@router.post(
    BATCH + "/entry-inspection",
    response={200: BatchOut, **ERRORS},
    operation_id="inspect_material_batch",
    summary="The contractor's entry inspection: accepted, or rejected and returned",
)
@project_right("material.inspect")
def inspect_material_batch(request: HttpRequest, code: str, batch_id: int, payload: EntryInspectionIn):
    project = get_project(code, user=request.user)
    actions.inspect_material_batch(project, batch_id=batch_id, **payload.dict(), actor=request.user)
    return queries.get_batch(project, batch_id, user=request.user)


@router.post(
    BATCH + "/elements",
    response={200: LinkOut, **ERRORS},
    operation_id="link_batch_elements",
    summary="Link the batch to the elements it went into, by GlobalId or by a rule",
)
@project_right("material.link")
def link_batch_elements(request: HttpRequest, code: str, batch_id: int, payload: LinkIn):
    project = get_project(code, user=request.user)
    rule = payload.rule.dict() if payload.rule else None
    return actions.link_batch_elements(
        project,
        batch_id=batch_id,
        version_id=payload.version_id,
        global_ids=payload.global_ids,
        rule=rule,
        actor=request.user,
    )


@router.post(
    BATCH + "/samples",
    response={201: SampleOut, **ERRORS},
    operation_id="record_sample",
    summary="Record a sample taken by the contractor's samplers, for a testing lab",
)
@project_right("material.sample")
def record_sample(request: HttpRequest, code: str, batch_id: int, payload: SampleIn):
    project = get_project(code, user=request.user)
    return Status(201, actions.record_sample(project, batch_id=batch_id, **payload.dict(), actor=request.user))


@router.post(
    BATCH + "/samples/{sample_id}/witness",
    response={200: SampleOut, **ERRORS},
    operation_id="witness_sample",
    summary="The named witness confirms they saw the sample taken",
)
@project_right("material.witness")
def witness_sample(request: HttpRequest, code: str, batch_id: int, sample_id: int):
    project = get_project(code, user=request.user)
    return actions.witness_sample(project, batch_id=batch_id, sample_id=sample_id, actor=request.user)


@router.post(
    BATCH + "/reports",
    response={201: ReportOut, **UPLOAD_ERRORS},
    operation_id="record_lab_report",
    summary="Record the lab's report on a sample; a failed test fails the batch and opens a finding",
)
@project_right("material.report")
def record_lab_report(
    request: HttpRequest,
    code: str,
    batch_id: int,
    sample_id: Form[int],
    report_number: Annotated[str, Form(max_length=100)],
    issued_on: Form[IsoDate],
    results: Annotated[str, Form(max_length=TEXT_LENGTH)],
    file: File[UploadedFile],
):
    project = get_project(code, user=request.user)
    report = actions.record_lab_report(
        project,
        batch_id=batch_id,
        sample_id=sample_id,
        report_number=report_number,
        issued_on=issued_on,
        results=parse_json_list(results, ResultIn, field="results"),
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    return Status(201, report)


@router.post(
    BATCH + "/disposition",
    response={200: BatchOut, **ERRORS},
    operation_id="record_batch_disposition",
    summary="What became of a failed batch: returned, retest passed, or an approved treatment",
)
@project_right("material.dispose")
def record_batch_disposition(request: HttpRequest, code: str, batch_id: int, payload: DispositionIn):
    project = get_project(code, user=request.user)
    actions.record_batch_disposition(project, batch_id=batch_id, **payload.dict(), actor=request.user)
    return queries.get_batch(project, batch_id, user=request.user)


@router.get(
    "/projects/{code}/materials/witness-authorisations",
    response={200: list[AuthorisationOut], **ERRORS},
    operation_id="list_witness_authorisations",
    summary="The letters authorising witnesses",
)
def list_witness_authorisations(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="material.view")
    return queries.list_witness_authorisations(project, user=request.user)


@router.post(
    "/projects/{code}/materials/witness-authorisations",
    response={201: AuthorisationOut, **UPLOAD_ERRORS},
    operation_id="authorise_witnesses",
    summary="File the owner's or supervisor's letter naming 1-2 witnesses with their certificates",
)
@project_right("material.authorise")
def authorise_witnesses(
    request: HttpRequest,
    code: str,
    witnesses: Annotated[str, Form(max_length=TEXT_LENGTH)],
    signed_on: Form[IsoDate],
    file: File[UploadedFile],
):
    project = get_project(code, user=request.user)
    letter = actions.authorise_witnesses(
        project,
        witnesses=parse_json_list(witnesses, WitnessIn, field="witnesses"),
        signed_on=signed_on,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    return Status(201, letter)


@router.get(
    "/projects/{code}/materials/witness-report",
    response={200: list[WitnessRowOut], **ERRORS},
    operation_id="get_witness_report",
    summary="Per category: required, taken and witnessed samples and the witnessed share",
)
def get_witness_report(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="material.view")
    return queries.get_witness_report(project, user=request.user)


@router.get(
    "/projects/{code}/materials/flagged-elements",
    response={200: FlaggedOut, **ERRORS},
    operation_id="list_flagged_elements",
    summary="GlobalIds in a version of the elements a failed batch went into",
)
def list_flagged_elements(request: HttpRequest, code: str, version_id: int):
    project = get_project(code, user=request.user, action="material.view")
    return queries.list_flagged_elements(project, version_id, user=request.user)
