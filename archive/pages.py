"""The archive check in the browser: start one, and follow its progress (the page reloads itself
while the task runs: no script) to its outcome and the file that was checked."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from plumbline.core.errors import NotFound, PermissionDenied
from projects.queries import get_project

from . import actions, queries


def _project(request, code):
    try:
        return get_project(code, user=request.user, action="archive.read")
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


@login_required
@require_http_methods(["GET", "POST"])
def archive_checks_page(request, code: str):
    project = _project(request, code)
    if request.method == "POST":
        check = actions.start_archive_check(project, actor=request.user)
        return redirect("archive-check", check_id=check.pk)
    checks = queries.list_archive_checks(project, user=request.user)[:10]
    return render(request, "archive/checks.html", {"project": project, "checks": checks})


@login_required
@require_GET
def archive_check_page(request, check_id: int):
    try:
        check = queries.get_archive_check(check_id, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
    return render(
        request,
        "archive/check.html",
        {"check": check, "project": check.project, "download_url": queries.download_url(check)},
    )
