"""Archive API: the project's quality archive and a claim's evidence pack, each a streamed ZIP, and
checks of the archive run as a task."""

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Router, Status

from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries
from .evidence import stream_claim_evidence
from .export import stream_archive
from .schemas import ArchiveCheckOut

ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}

router = Router(tags=["archive"])


@router.get(
    "/projects/{code}/archive",
    response={200: None, **ERRORS},
    operation_id="download_archive",
    summary="The quality liability archive as a ZIP (manifest with the sha256 of every file)",
)
def download_archive(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="archive.read")
    response = StreamingHttpResponse(stream_archive(project, user=request.user), content_type="application/zip")
    filename = f"{project.code}-quality-archive-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/projects/{code}/claims/{claim_id}/evidence",
    response={200: None, **ERRORS},
    operation_id="download_claim_evidence",
    summary="A claim's subrogation evidence pack as a ZIP: elements and their history, lots, batches, "
    "findings, the leaders on the dates of the work (manifest with the sha256 of every file)",
)
def download_claim_evidence(request: HttpRequest, code: str, claim_id: int):
    project = get_project(code, user=request.user, action="claim.evidence.read")
    chunks = stream_claim_evidence(project, claim_id, user=request.user)
    first = next(chunks, b"")  # a claim that does not exist answers 404 before the download starts
    response = StreamingHttpResponse(_then(first, chunks), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{project.code}-claim-{claim_id}-evidence.zip"'
    return response


def _then(first: bytes, rest):
    yield first
    yield from rest
def check_out(check) -> dict:
    return {
        "id": check.pk,
        "project": check.project.code,
        "status": check.status,
        "percent": check.percent,
        "files_total": check.files_total,
        "files_checked": check.files_checked,
        "is_intact": check.is_intact,
        "events": check.events,
        "problem": check.problem,
        "problem_path": check.problem_path,
        "problem_sequence": check.problem_sequence,
        "archive_sha256": check.archive_sha256,
        "archive_size": check.archive_size,
        "download_url": queries.download_url(check),
        "error": check.error,
        "created_at": check.created_at,
        "finished_at": check.finished_at,
    }


@router.post(
    "/projects/{code}/archive/checks",
    response={201: ArchiveCheckOut, **ERRORS},
    operation_id="start_archive_check",
    summary="Build the archive and verify it (as `plumbline archive verify` does) in a task with progress",
)
@project_right("archive.read")
def start_archive_check(request: HttpRequest, code: str):
    project = get_project(code, user=request.user)
    check = actions.start_archive_check(project, actor=request.user)
    return Status(201, check_out(queries.get_archive_check(check.pk, user=request.user)))


@router.get(
    "/archive-checks/{check_id}",
    response={200: ArchiveCheckOut, **ERRORS},
    operation_id="get_archive_check",
    summary="An archive check's progress and outcome, with a link to the file it checked",
)
def get_archive_check(request: HttpRequest, check_id: int):
    return check_out(queries.get_archive_check(check_id, user=request.user))
