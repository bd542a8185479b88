"""Archive API: the project's quality archive as a streamed ZIP."""

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Router

from projects.queries import get_project

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
