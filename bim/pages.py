"""Web pages for models: the project's models with each version's ingest progress and an upload
form, and a version's storeys with their plans. They call the same actions and queries as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from plumbline.core.errors import DomainError, NotFound, PermissionDenied
from plumbline.core.permissions import allowed_roles
from projects.queries import get_project, roles_in

from . import actions, queries
from .models import VersionStatus


def _project(request, code, action="model.view"):
    try:
        return get_project(code, user=request.user, action=action)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def models_page(request, code: str):
    project = _project(request, code)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose an .ifc or .ifczip file to upload."))
        else:
            try:
                version, created = actions.upload_model_version(
                    project,
                    stream=upload,
                    original_name=upload.name,
                    size=upload.size,
                    model_name=request.POST.get("model_name", ""),
                    discipline=request.POST.get("discipline", "architecture"),
                    actor=request.user,
                )
            except PermissionDenied as exc:
                return HttpResponseForbidden(exc.detail)
            except DomainError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(
                    request,
                    (
                        _("%(model)s v%(number)s uploaded: it is being read.")
                        if created
                        else _("%(model)s v%(number)s was uploaded before.")
                    )
                    % {"model": version.model.name, "number": version.number},
                )
        return redirect("bim-models", code=project.code)
    models = queries.list_models(project, user=request.user)
    busy = any(queries.is_ingesting(v) for m in models for v in m.versions.all())
    return render(
        request,
        "bim/models.html",
        {
            "project": project,
            "models": models,
            "busy": busy,
            "may_upload": "contractor" in {r.value for r in roles_in(request.user, project)},
            "may_retire": bool(roles_in(request.user, project) & allowed_roles("model.retire")),
        },
    )


@login_required
@require_http_methods(["POST"])
def retire_model(request, code: str, model_id: int):
    """The models page's "retire" button on a model whose every version failed."""
    project = _project(request, code)
    try:
        ifc_model = actions.retire_model(project, model_id, actor=request.user)
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("%(model)s was retired; its failed versions stay on record.") % {"model": ifc_model.name}
        )
    return redirect("bim-models", code=project.code)


@login_required
def version_page(request, code: str, version_id: int):
    project = _project(request, code)
    try:
        version = queries.get_version(project, version_id, user=request.user)
    except NotFound:
        raise Http404 from None
    storeys = list(version.storeys.all())
    selected = next((s for s in storeys if s.global_id == request.GET.get("storey")), storeys[0] if storeys else None)
    plan = queries.storey_plan_svg(selected) if selected and version.status == VersionStatus.READY else ""
    return render(
        request,
        "bim/version.html",
        {
            "project": project,
            "version": version,
            "storeys": storeys,
            "selected": selected,
            "plan": mark_safe(plan),  # built by bim.ifc.plan, which escapes every value
            "busy": queries.is_ingesting(version),
            "diff_counts": (version.diff or {}).get("counts"),
            "changed": queries.list_changed_elements(version) if version.status == VersionStatus.READY else [],
        },
    )
