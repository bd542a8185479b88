"""Tablet pages for site inspectors and contractors: a storey plan with finding pins, an element's
card with a capture form, the findings list, a finding's page with its next moves, and checklists
to fill on site. They call
the same actions and queries as the API; each page loads at most one plan and one page of rows."""

import math
import uuid
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from bim import queries as bim_queries
from bim.models import ModelVersion
from plumbline.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from plumbline.core.permissions import Role, allowed_roles
from projects.models import FIVE_PARTY_CHOICES, Party
from projects.queries import authorize_any, get_project, roles_in
from storage import get_storage

from . import actions, queries
from .cards import element_card_sections, plan_marks
from .models import (
    PHOTO_ACTIONS,
    Category,
    ChecklistStatus,
    FindingSource,
    FindingStatus,
    ItemResult,
    PhotoKind,
    ReportFormat,
    Severity,
)

PAGE_SIZE = 25
# a site inspector's finding, or a drawn supervision inspector's (the action tells them apart)
OPEN_ACTIONS = ("finding.open", "finding.open_supervision")
PINS = 200  # findings pinned on one storey plan at most


def _posted_from(page):
    """For a form's POST address: a GET there (a bookmark, a reload, a link shared from the address
    bar) goes to the page the form lives on, `page(code, **path)`, instead of an error page."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(page(*args, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return checked

    return decorate


def _plan_of(code: str) -> str:
    return reverse("plan", args=[code])


def _finding_of(code: str, finding_id: int) -> str:
    return reverse("finding", args=[code, finding_id])


def _checklists_of(code: str) -> str:
    return reverse("checklists", args=[code])


def _checklist_of(code: str, checklist_id: int, **_item) -> str:
    return reverse("checklist", args=[code, checklist_id])


def _signed_in_or_back(view):
    """`login_required` for a form's POST: a form sent after the session expired signs in again
    and comes back to the page the form was on (its `back`, or the page that sent it), never to
    the POST address itself (a GET there after signing in was "HTTP ERROR 405")."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        from_here = referer.netloc == request.get_host()
        back = request.POST.get("back") or (
            referer.path + (f"?{referer.query}" if referer.query else "") if from_here else ""
        )
        if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return redirect_to_login(back)

    return checked


def _project(request, code, action="finding.view"):
    try:
        return get_project(code, user=request.user, action=action)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:  # a member whose role may not see this page
        raise DjangoPermissionDenied(exc.detail) from None


def _photo_uuid(form_uuid: str, index: int, photo) -> uuid.UUID:
    """The same UUID for the same photo of the same form sent again (a double tap, a browser's
    resend), so a replay attaches nothing twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"plumbline:{form_uuid}:{index}:{photo.name}:{photo.size}")


def _due_date(value: str):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(gettext("The due date must be a date (YYYY-MM-DD)."), field="due_date") from None


def _photo_name(photo) -> str:
    """The name a photo is saved under: as it was uploaded, else its number (the extension
    follows from its type)."""
    return photo.original_name or f"{gettext('photo')}-{photo.pk}"


def _may(request, project, *actions) -> bool:
    return bool(roles_in(request.user, project) & frozenset().union(*(allowed_roles(a) for a in actions)))


def _number(value) -> int | None:
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404
    return int(value)


def _pick_version(versions: list[ModelVersion], version_id=None, model_id=None) -> ModelVersion | None:
    """The version asked for, else the latest ready version of the model asked for, else the
    latest ready version of the first model by name (`versions` are models by name, newest first)."""
    version_id, model_id = _number(version_id), _number(model_id)
    if version_id:
        found = next((v for v in versions if v.pk == version_id), None)
        if found is None:
            raise Http404
        return found
    if model_id:
        return next((v for v in versions if v.model_id == model_id), None) or _pick_version(versions)
    return versions[0] if versions else None


def _models(versions: list[ModelVersion], version: ModelVersion | None) -> list[dict]:
    """The picker: each model at its latest ready version, and the ready versions of the shown one."""
    models: dict[int, dict] = {}
    for v in versions:
        models.setdefault(v.model_id, {"model": v.model, "latest": v, "versions": []})["versions"].append(v)
    for entry in models.values():
        entry["is_shown"] = version is not None and entry["model"].pk == version.model_id
    return list(models.values())


def _plan(request, project, version, storey, highlight=None) -> str:
    pins = []
    if _may(request, project, "finding.view"):
        pins = queries.list_plan_pins(project, version, storey, user=request.user, limit=PINS)
    pin_href = reverse("findings", args=[project.code]).replace("{", "{{").replace("}", "}}") + "{id}/"
    return bim_queries.storey_plan_svg(storey, pins=pins, highlight=highlight, pin_href=pin_href)


@login_required
@require_GET
def plan_page(request, code: str):
    project = _project(request, code, "model.view")
    versions = bim_queries.list_ready_versions(project, user=request.user)
    version = _pick_version(versions, request.GET.get("version"), request.GET.get("model"))
    storeys = list(version.storeys.all()) if version else []
    storey = next((s for s in storeys if s.global_id == request.GET.get("storey")), storeys[0] if storeys else None)
    highlight = _number(request.GET.get("finding"))
    svg = _plan(request, project, version, storey, highlight) if storey is not None else ""
    marks, marks_css = plan_marks(request, project, version) if version is not None else ([], "")
    models = _models(versions, version)
    return render(
        request,
        "inspections/plan.html",
        {
            "project": project,
            "version": version,
            "models": models,
            "shown_versions": next((m["versions"] for m in models if m["is_shown"]), []),
            "storeys": storeys,
            "storey": storey,
            "highlight": highlight,
            "plan": mark_safe(svg),  # built by bim.ifc.plan, which escapes every value
            "marks": marks,
            "marks_css": marks_css,
            "photo_max_bytes": settings.PHOTO_MAX_BYTES,  # checked on the tablet before any upload
            # offer only what the role may do: a home owner sees the plan, not the findings
            "may_view_findings": _may(request, project, "finding.view"),
            "may_open": _may(request, project, *OPEN_ACTIONS),
        },
    )


@login_required
@require_GET
def plan_svg(request, code: str, version_id: int):
    """A storey plan with its pins, for pages of other apps that show a version's plan (the
    version page): the same plan as the plan page, tappable the same way."""
    project = _project(request, code, "model.view")
    try:
        version = bim_queries.get_version(project, version_id, user=request.user)
        storey = bim_queries.get_storey(version, request.GET.get("storey", ""))
    except NotFound:
        raise Http404 from None
    return HttpResponse(_plan(request, project, version, storey), content_type="image/svg+xml")


@login_required
@require_GET
def element_card(request, code: str, version_id: int, global_id: str):
    project = _project(request, code, "model.view")
    try:
        version = bim_queries.get_version(project, version_id, user=request.user)
        element = bim_queries.get_element(version, global_id)
    except NotFound:
        raise Http404 from None
    return _element_card(request, project, version, element)


def _element_card(request, project, version, element):
    findings = []
    if _may(request, project, "finding.view"):
        # the element's findings on every version, under every GlobalId it has had
        findings = list(
            queries.list_findings(project, user=request.user, global_id=element.global_id).select_related(
                "version__model"
            )[:20]
        )
        queries.note_element_changes(findings, version)
    return render(
        request,
        "inspections/element_card.html",
        {
            "project": project,
            "version": version,
            "element": element,
            "findings": findings,
            "may_open": _may(request, project, *OPEN_ACTIONS),
            "client_uuid": uuid.uuid4(),
            "checklist_templates": list(queries.list_checklist_templates(project, user=request.user))
            if _may(request, project, "checklist.fill")
            else [],
            "checklist_uuid": uuid.uuid4(),
            "extra_sections": element_card_sections(request, project, version, element),
            "categories": Category.choices,
            "severities": Severity.choices,
            "sources": FindingSource.choices,
            "parties": FIVE_PARTY_CHOICES,
            "today": timezone.localdate(),
        },
    )


POINT_SUGGESTIONS = 5
POINT_TOLERANCE_M = 1.0
TAP_RADIUS_MAX_M = 2.0  # a 40 px finger on a plan zoomed all the way out
SPANNING_CLASSES = {"IfcSlab", "IfcCovering", "IfcRoof"}


@login_required
@require_GET
def point_card(request, code: str, version_id: int):
    """A tapped plan point: the card of the nearest element within the finger's reach (`r`, metres)
    if there is one, else the nearest elements (within a metre) suggested and the capture form."""
    project = _project(request, code, "model.view")
    try:
        version = bim_queries.get_version(project, version_id, user=request.user)
        storey = bim_queries.get_storey(version, request.GET.get("storey", ""))
        x, y = float(request.GET.get("x", "")), float(request.GET.get("y", ""))
        radius = float(request.GET.get("r") or 0)
    except NotFound:
        raise Http404 from None
    except ValueError:
        return HttpResponseBadRequest(gettext("x and y must be numbers (metres)"))
    radius = min(radius, TAP_RADIUS_MAX_M) if math.isfinite(radius) and radius > 0 else 0.0
    if radius:
        # a tap beside a thin wall or a door picks the nearest element within the finger's reach;
        # slabs and ceilings span the rooms, so a tap in a room stays a point
        near = bim_queries.elements_near(version, storey, point=(x, y), tolerance=radius, limit=POINT_SUGGESTIONS)
        picked = next((e for e in near if e.ifc_class not in SPANNING_CLASSES), None)
        if picked is not None:
            return _element_card(request, project, version, bim_queries.get_element(version, picked.global_id))
    nearby = bim_queries.elements_near(
        version, storey, point=(x, y), tolerance=POINT_TOLERANCE_M, limit=POINT_SUGGESTIONS
    )
    return render(
        request,
        "inspections/point_card.html",
        {
            "project": project,
            "version": version,
            "storey": storey,
            "x": x,
            "y": y,
            "nearby": nearby,
            "may_open": _may(request, project, *OPEN_ACTIONS),
            "client_uuid": uuid.uuid4(),
            "categories": Category.choices,
            "severities": Severity.choices,
            "parties": FIVE_PARTY_CHOICES,
            "today": timezone.localdate(),
        },
    )


def _point(data):
    if not data.get("x") and not data.get("y"):
        return None
    try:
        return float(data.get("x", "")), float(data.get("y", ""))
    except ValueError:
        return "bad"


@_posted_from(_plan_of)
@_signed_in_or_back
def new_finding(request, code: str):
    project = _project(request, code, "project.view")
    try:  # the right before the form is read
        authorize_any(request.user, project, OPEN_ACTIONS)
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    data = request.POST
    try:
        version_id = int(data.get("version_id", ""))
    except ValueError:
        return HttpResponseBadRequest(gettext("version_id is missing"))
    point = _point(data)
    if point == "bad":
        return HttpResponseBadRequest(gettext("x and y must be numbers (metres)"))
    try:
        with transaction.atomic():  # a refused photo leaves no finding behind: the form can be sent again
            finding = _open_finding_with_photos(request, project, data, version_id, point)
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(request.POST.get("back") or reverse("plan", args=[project.code]))
    messages.success(request, f"#{finding.pk} {finding.title}")
    return redirect(f"{reverse('plan', args=[project.code])}?version={version_id}&storey={finding.storey_global_id}")


def _open_finding_with_photos(request, project, data, version_id, point):
    finding, _ = actions.open_finding(
        project,
        client_uuid=data.get("client_uuid", ""),
        version_id=version_id,
        global_ids=[g for g in data.getlist("global_ids") if g],
        storey_global_id=data.get("storey_global_id", ""),
        point=point,
        category=data.get("category", ""),
        severity=data.get("severity", ""),
        title=data.get("title", ""),
        description=data.get("description", ""),
        due_date=_due_date(data.get("due_date", "")),
        responsible_party=data.get("responsible_party") or Party.CONTRACTOR,
        actor=request.user,
    )
    _add_photos(
        request, project, finding.pk, lambda index, photo: _photo_uuid(data.get("client_uuid", ""), index, photo)
    )
    return finding


def _add_photos(request, project, finding_id, uuid_of):
    """The form's photos, then the marked-up copies the tablet drew (`markups`, each with the
    index of its photo in `markup_of`): both kept."""
    originals = []
    for index, photo in enumerate(request.FILES.getlist("photos")):
        added, _ = actions.add_finding_photo(
            project,
            finding_id=finding_id,
            client_uuid=uuid_of(index, photo),
            stream=photo,
            size=photo.size,
            original_name=photo.name,
            actor=request.user,
        )
        originals.append(added)
    markups, of = request.FILES.getlist("markups"), request.POST.getlist("markup_of")
    if len(markups) != len(of) or any(not i.isdigit() or int(i) >= len(originals) for i in of):
        raise InvalidInput(gettext("Each marked-up photo must name the photo it is drawn on."), field="photos")
    for index, (markup, original) in enumerate(zip(markups, of, strict=True)):
        actions.add_finding_photo(
            project,
            finding_id=finding_id,
            client_uuid=uuid_of(len(originals) + index, markup),
            stream=markup,
            size=markup.size,
            original_name=markup.name,
            marks_up=originals[int(original)].client_uuid,
            actor=request.user,
        )


FINDING_LIST_FILTERS = (
    "status",
    "severity",
    "storey",
    "ifc_class",
    "responsible_party",
    "assignee",
    "overdue",
    "source",
)


@login_required
@require_GET
def findings_page(request, code: str):
    """The findings list with its filters; "my findings" is the tab assignee=me."""
    project = _project(request, code)
    chosen = {name: request.GET.get(name, "") for name in FINDING_LIST_FILTERS}
    filters = {name: value or None for name, value in chosen.items()}
    filters["overdue"] = {"1": True, "0": False}.get(chosen["overdue"])
    try:
        rows = queries.search_findings(project, user=request.user, **filters)
    except InvalidInput as exc:
        messages.error(request, exc.detail)
        rows = queries.search_findings(project, user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for finding in page:
        finding.party_label = (
            Party(finding.responsible_party).label if finding.responsible_party in Party.values else ""
        )
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "inspections/findings.html",
        {
            "project": project,
            "page": page,
            "chosen": chosen,
            "query": kept.urlencode(),
            "is_mine": chosen["assignee"] == "me",
            "statuses": FindingStatus.choices,
            "severities": Severity.choices,
            "parties": FIVE_PARTY_CHOICES,
            "storeys": queries.list_finding_storeys(project, user=request.user),
            "ifc_classes": queries.list_element_classes(project, user=request.user)
            if _may(request, project, "model.view")
            else [],
            "may_export": _may(request, project, "finding.export"),
            "report_formats": ReportFormat.choices,
        },
    )


@login_required
@require_GET
def finding_page(request, code: str, finding_id: int):
    project = _project(request, code)
    try:
        finding = queries.get_finding(project, finding_id, user=request.user)
    except NotFound:
        raise Http404 from None
    queries.note_changes_since_logged(finding)
    storage = get_storage()
    every = list(finding.photos.all())
    marked = {p.marks_up_id for p in every if p.marks_up_id}
    by_id = {p.pk: p for p in every}
    photos = [  # a marked-up photo is shown in place of its original, which stays a tap away
        {
            "photo": p,
            # the thumbnail is shown in place (its type may differ from the photo's); the photo is saved named
            "url": storage.presigned_url(p.thumbnail_key or p.file_key, timedelta(minutes=30)),
            "full": storage.presigned_url(p.file_key, timedelta(minutes=30), filename=_photo_name(p)),
            "original": storage.presigned_url(
                by_id[p.marks_up_id].file_key, timedelta(minutes=30), filename=_photo_name(by_id[p.marks_up_id])
            )
            if p.marks_up_id in by_id
            else None,
        }
        for p in every
        if p.pk not in marked
    ]
    return render(
        request,
        "inspections/finding.html",
        {
            "project": project,
            "finding": finding,
            "photos": photos,
            **_photo_groups(photos),
            **_assignment(request, project, finding),
            "location": queries.location_of(finding),
            "moves": queries.next_moves(finding, user=request.user),
            "may_add_photo": _may(request, project, PHOTO_ACTIONS[finding.source]),
        },
    )


def _photo_groups(photos: list[dict]) -> dict:
    """The defect photos apart from the rectification photos."""
    return {
        "defect_photos": [p for p in photos if p["photo"].kind != PhotoKind.RECTIFICATION],
        "rectification_photos": [p for p in photos if p["photo"].kind == PhotoKind.RECTIFICATION],
    }


def _assignment(request, project, finding) -> dict:
    """The assign form's people, when this user may give this finding to someone (inspectors any
    open finding, contractor staff those of their own organisation)."""
    people = list(queries.list_assignable_people(finding, user=request.user))
    may = finding.status != FindingStatus.CLOSED and _may(request, project, "finding.assign")
    if may and not roles_in(request.user, project) & (allowed_roles("finding.assign") - {Role.CONTRACTOR}):
        may = any(p.user_id == request.user.pk for p in people)
    return {"assignable": people if may else [], "may_assign": may and bool(people)}


@_posted_from(_finding_of)
@_signed_in_or_back
def assign_finding(request, code: str, finding_id: int):
    project = _project(request, code)
    person_id = request.POST.get("person_id", "")
    if person_id and not person_id.isdigit():
        return HttpResponseBadRequest(gettext("person_id is not a number"))
    try:
        finding = actions.assign_finding(
            project, finding_id=finding_id, person_id=int(person_id) if person_id else None, actor=request.user
        )
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if finding.assignee is not None:
            messages.success(request, gettext("Assigned to %(name)s.") % {"name": finding.assignee.name})
        else:
            messages.success(request, gettext("Nobody is assigned any more."))
    return redirect("finding", code=project.code, finding_id=finding_id)


@_posted_from(_finding_of)
@_signed_in_or_back
def move_finding(request, code: str, finding_id: int):
    project = _project(request, code)
    verb = request.POST.get("verb", "")
    try:
        with transaction.atomic():  # photos and the move they prove land together, or not at all
            _photos_then_move(request, project, finding_id, verb)
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("finding", code=project.code, finding_id=finding_id)


def _photos_then_move(request, project, finding_id, verb):
    _add_photos(request, project, finding_id, lambda index, photo: uuid.uuid4())
    if verb:
        actions.move_finding(
            project, finding_id=finding_id, verb=verb, note=request.POST.get("note", ""), actor=request.user
        )


@require_GET
def service_worker(request):
    """The service worker script, served from the site root so its scope is the whole site; it
    needs no sign-in (it must install and update whoever is signed in, or nobody)."""
    response = render(
        request,
        "inspections/sw.js",
        {
            "offline_page": gettext("No network, and this page was not opened on this tablet before."),
            "home": gettext("My projects"),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"  # a new release reaches the tablets at their next visit
    return response


# --- checklists -------------------------------------------------------------------------------


@login_required
@require_GET
def checklists_page(request, code: str):
    project = _project(request, code, "checklist.view")
    status = request.GET.get("status") or None
    page = Paginator(queries.list_checklists(project, user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = bim_queries.element_names([(c.version_id, g) for c in page for g in c.global_ids if c.version_id])
    for checklist in page:
        checklist.place = checklist.location or ", ".join(
            names.get((checklist.version_id, g), g) for g in checklist.global_ids
        )
    return render(
        request,
        "inspections/checklists.html",
        {
            "project": project,
            "page": page,
            "status": status or "",
            "statuses": ChecklistStatus.choices,
            "templates": queries.list_checklist_templates(project, user=request.user),
            "may_fill": _may(request, project, "checklist.fill"),
            "client_uuid": uuid.uuid4(),
        },
    )


@_posted_from(_checklists_of)
@_signed_in_or_back
def start_checklist(request, code: str):
    project = _project(request, code, "checklist.fill")  # the right before the form is read
    data = request.POST
    try:
        version_id = int(data["version_id"]) if data.get("version_id") else None
        template_id = int(data.get("template_id", ""))
    except ValueError:
        return HttpResponseBadRequest(gettext("template_id or version_id is not a number"))
    try:
        checklist, _ = actions.start_checklist(
            project,
            client_uuid=data.get("client_uuid", ""),
            template_id=template_id,
            location=data.get("location", ""),
            version_id=version_id,
            global_ids=[g for g in data.getlist("global_ids") if g],
            actor=request.user,
        )
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(data.get("back") or reverse("checklists", args=[project.code]))
    return redirect("checklist", code=project.code, checklist_id=checklist.pk)


@login_required
@require_GET
def checklist_page(request, code: str, checklist_id: int):
    project = _project(request, code, "checklist.view")
    try:
        checklist = queries.get_checklist(project, checklist_id, user=request.user)
    except NotFound:
        raise Http404 from None
    storage = get_storage()
    rows = queries.checklist_rows(checklist)
    for row in rows:
        row["photo_urls"] = [
            storage.presigned_url(p.file_key, timedelta(minutes=30), filename=_photo_name(p)) for p in row["photos"]
        ]
    open_ = checklist.status == ChecklistStatus.IN_PROGRESS
    return render(
        request,
        "inspections/checklist.html",
        {
            "project": project,
            "checklist": checklist,
            "rows": rows,
            "answered": sum(1 for r in rows if r["result"]),
            # what completing would refuse, shown before the inspector taps "complete"
            "unanswered": [str(r["position"]) for r in rows if not r["result"]],
            "needs_photo": [
                str(r["position"]) for r in rows if r["photo_required"] and r["result"] != "na" and not r["photos"]
            ],
            "element_names": list(
                checklist.version.elements.filter(global_id__in=checklist.global_ids).values_list("name", flat=True)
            )
            if checklist.version_id
            else [],
            "results": ItemResult.choices,
            "severities": Severity.choices,
            "may_fill": open_ and _may(request, project, "checklist.fill"),
            "photo_max_bytes": settings.PHOTO_MAX_BYTES,
        },
    )


@_posted_from(_checklist_of)
@_signed_in_or_back
def answer_checklist_item(request, code: str, checklist_id: int, item_id: int):
    project = _project(request, code, "checklist.view")
    try:
        with transaction.atomic():  # photos and the answer land together, or not at all
            _photos_then_answer(request, project, checklist_id, item_id)
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(f"{reverse('checklist', args=[project.code, checklist_id])}#item-{item_id}")


def _photos_then_answer(request, project, checklist_id, item_id):
    for photo in request.FILES.getlist("photos"):
        actions.add_checklist_photo(
            project,
            checklist_id=checklist_id,
            item_id=item_id,
            client_uuid=uuid.uuid4(),
            stream=photo,
            size=photo.size,
            original_name=photo.name,
            actor=request.user,
        )
    if request.POST.get("result"):
        actions.answer_checklist_item(
            project,
            checklist_id=checklist_id,
            item_id=item_id,
            result=request.POST["result"],
            note=request.POST.get("note", ""),
            severity=request.POST.get("severity", ""),
            actor=request.user,
        )


@_posted_from(_checklist_of)
@_signed_in_or_back
def complete_checklist(request, code: str, checklist_id: int):
    project = _project(request, code, "checklist.view")
    try:
        checklist = actions.complete_checklist(project, checklist_id=checklist_id, actor=request.user)
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.detail)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        count = checklist.findings.count()
        messages.success(request, gettext("Checklist completed; %(count)d findings opened.") % {"count": count})
    return redirect("checklist", code=project.code, checklist_id=checklist_id)
