"""Plain Django views of the platform: health, signed file downloads, the start page."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from storage import ObjectNotFound, get_storage
from storage.local import LocalStorage

from .health import run_checks


@require_GET
def healthz(request):
    checks = run_checks()
    healthy = all(c["status"] == "ok" for c in checks.values())
    failing = [name for name, c in checks.items() if c["status"] != "ok"]
    body = {"status": "ok" if healthy else "failing", "checks": checks}
    if failing:
        body["detail"] = f"failing: {', '.join(failing)}"
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def download_file(request, key: str):
    """Serve a local-storage object behind a presigned link (S3 serves its own links).

    Answers in the API's error format: links are followed by the tablet pages and API clients."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        raise Http404
    if not storage.verify_signature(key, request.GET.get("expires"), request.GET.get("signature")):
        detail = _("This download link is invalid or has expired.")
        return JsonResponse({"detail": detail, "code": "invalid_link"}, status=403)
    try:
        stored = storage.stat(key)
        handle = storage.open(key)
    except ObjectNotFound:
        return JsonResponse({"detail": _("No file is stored under this link."), "code": "not_found"}, status=404)
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Length"] = str(stored.size)
    return response


def home(request):
    from projects.queries import list_projects, roles_in

    projects = []
    if request.user.is_authenticated:
        projects = [
            (p, sorted(str(r.label) for r in roles_in(request.user, p))) for p in list_projects(user=request.user)[:50]
        ]
    return render(request, "home.html", {"projects": projects})


def not_found(request, exception=None):
    """404 in the API's error format under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"No endpoint at {request.path}.", "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
