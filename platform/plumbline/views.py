"""Plain Django views of the platform: health, signed file downloads, the start page."""

from django.http import FileResponse, Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from storage import ObjectNotFound, get_storage
from storage.base import content_disposition
from storage.local import LocalStorage

from .core.errors import error_body
from .core.permissions import allowed_roles
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
    """Serve a local-storage object behind a presigned link (S3 serves its own links), under the
    file name the link was signed with.

    A refused link answers in the API's error format to API clients, with the error page to a
    browser (one that asks for HTML): links are followed by the tablet pages and API clients."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        raise Http404
    name = request.GET.get("name", "")
    if not storage.verify_signature(key, request.GET.get("expires"), request.GET.get("signature"), name):
        detail = _("This download link is invalid or has expired.")
        return _download_error(request, 403, _("Link expired"), detail, "invalid_link")
    try:
        stored = storage.stat(key)
        handle = storage.open(key)
    except ObjectNotFound:
        detail = _("No file is stored under this link.")
        return _download_error(request, 404, _("File not found"), detail, "not_found")
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Length"] = str(stored.size)
    if name:
        response["Content-Disposition"] = content_disposition(name, stored.content_type)
    return response


def _download_error(request, status: int, title, message, code: str):
    if "text/html" in request.headers.get("Accept", ""):
        context = {"status": status, "title": title, "message": message, "back": ""}
        return render(request, "errors/error.html", context, status=status)
    return JsonResponse(error_body(str(message), code), status=status)


# the pages a project card links to, each with the right it needs (a role without it sees no link)
PROJECT_PAGES = [
    ("plan", _lazy("Plan"), "model.view"),
    ("register", _lazy("Party register"), "register.view"),
    ("findings", _lazy("Findings"), "finding.view"),
    ("checklists", _lazy("Checklists"), "checklist.view"),
    ("acceptance-tree", _lazy("Acceptance"), "acceptance.view"),
    ("bim-models", _lazy("BIM models"), "model.view"),
    ("signs", _lazy("Permanent signs"), "register.view"),
    ("materials", _lazy("Building materials"), "material.view"),
    ("insurance-my-home", _lazy("My home"), "home.view"),
    ("insurance-claims", _lazy("Claims"), "claim_queue.view"),
    ("insurance-admin", _lazy("Insurance"), "unit.manage"),
    ("supervision-project", _lazy("Supervision"), "supervision.view"),
    ("archive-checks", _lazy("Quality archive"), "archive.read"),
    ("audit-trail", _lazy("Audit trail"), "audit.read"),
]


def home(request):
    from projects.queries import is_auditor, list_projects, person_of, roles_in
    from supervision.queries import list_complaints_held

    projects, manages_webhooks = [], False
    if request.user.is_authenticated:
        for project in list_projects(user=request.user)[:50]:
            roles = roles_in(request.user, project)
            manages_webhooks = manages_webhooks or bool(roles & allowed_roles("webhook.manage"))
            pages = [(name, label) for name, label, action in PROJECT_PAGES if roles & allowed_roles(action)]
            projects.append((project, sorted(str(r.label) for r in roles), pages))
    me = person_of(request.user) if request.user.is_authenticated else None
    desk = {
        "is_auditor": is_auditor(request.user),
        "is_organisation_admin": me is not None and me.organisation_id is not None and me.is_organisation_admin,
        "my_organisation_id": me.organisation_id if me is not None else None,
        "held_complaints": list_complaints_held(user=request.user).filter(status="open").count() if me else 0,
        "manages_webhooks": manages_webhooks,
    }
    return render(request, "home.html", {"projects": projects, **desk})


def _error_page(request, status: int, title, message, code: str):
    """An error in the site's language with a way back: JSON under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(str(message), code), status=status)
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    context = {"status": status, "title": title, "message": message, "back": back}
    return render(request, "errors/error.html", context, status=status)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        detail = _("No endpoint at %(path)s.") % {"path": request.path}
        return JsonResponse(error_body(detail, "not_found"), status=404)
    message = _("The page you asked for does not exist, or you may not see it.")
    return _error_page(request, 404, _("Page not found"), message, "not_found")


def forbidden(request, exception=None):
    message = str(exception or "") or _("Your role on this project does not let you open this page.")
    return _error_page(request, 403, _("Not allowed"), message, "forbidden")


def csrf_failure(request, reason=""):
    """A form sent from a page that was open too long or from before signing in again: nothing
    was saved; say so and lead back to the form, never Django's page for developers."""
    message = _(
        "This form was open too long or you signed in again since it was shown, so it was not sent "
        "and nothing was saved. Go back, reload the page and send it again."
    )
    return _error_page(request, 403, _("The form has expired"), message, "csrf_failed")


def server_error(request):
    """500: a page of its own that reads neither the database nor the session (either may be
    what failed)."""
    if request.path.startswith("/api/"):
        detail = _(
            "Something went wrong on our side; nothing was saved. Quote request id %(request_id)s when reporting it."
        )
        body = error_body(detail % {"request_id": getattr(request, "request_id", "")}, "server_error")
        return JsonResponse(body, status=500)
    template = loader.get_template("errors/500.html")
    context = {"request_id": getattr(request, "request_id", ""), "LANGUAGE_CODE": translation.get_language()}
    return HttpResponseServerError(template.render(context))
