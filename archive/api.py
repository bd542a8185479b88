"""Archive API: the project's quality archive and a claim's evidence pack, each a streamed ZIP."""

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Router

from projects.queries import get_project

from .evidence import stream_claim_evidence
from .export import stream_archive

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
