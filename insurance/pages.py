"""Pages of latent-defect insurance. For the home owner, phone-sized: my home (the unit, its plan,
my claims with their status and next deadline) and filing a claim in a few taps (kept on the
phone until the server confirms it, like findings). For the insurer and TIS: the queue of claims
by deadline and one screen per claim to survey and decide. For the owner's staff: policies,
units and binding home owners. They call the same actions and queries as the API."""

import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from bim import queries as bim_queries
from plumbline.core.errors import DomainError, NotFound, PermissionDenied
from plumbline.core.permissions import allowed_roles
from projects.models import FIVE_PARTY_CHOICES, Person
from projects.queries import get_project, roles_in

from . import actions, queries
from .actions import decline_codes_for
from .cover import CATEGORY_LABELS, decline_reason_label
from .models import DefectCategory


def _project(request, code, action):
    try:
        return get_project(code, user=request.user, action=action)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


def _may(request, project, action) -> bool:
    return bool(roles_in(request.user, project) & allowed_roles(action))


def _posted(view):
    """A form's POST: a refusal is shown on the page it came from, nothing is saved."""

    @wraps(view)
    def run(request, code, *args, **kwargs):
        try:
            return view(request, code, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.detail)
            back = request.POST.get("back") or request.META.get("HTTP_REFERER") or "/"
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = "/"
            return redirect(back)

    return login_required(require_POST(run))


def _unit_plan(unit):
    """The storey plan of the unit's first IfcSpace in the latest ready version, or None."""
    from bim.models import Space

    if not unit.space_global_ids:
        return None, None
    space = (
        Space.objects.filter(
            version__model__project=unit.building.project, version__status="ready", global_id__in=unit.space_global_ids
        )
        .select_related("storey", "version")
        .order_by("-version__uploaded_at")
        .first()
    )
    if space is None or space.storey is None:
        return None, None
    return space.version, bim_queries.storey_plan_svg(space.storey)


def _unit_elements(unit, version):
    """The elements a home owner may file on: those touching the unit's spaces (walls, slabs,
    windows...), by plan footprint on the same storey."""
    if version is None:
        return []
    spaces = list(version.spaces.filter(global_id__in=unit.space_global_ids))
    found = []
    for element in version.elements.filter(storey__in=[s.storey_id for s in spaces]).order_by("ifc_class", "name"):
        if element.min_x is None:
            continue
        if any(
            element.min_x <= s.max_x + 0.05
            and element.max_x >= s.min_x - 0.05
            and element.min_y <= s.max_y + 0.05
            and element.max_y >= s.min_y - 0.05
            for s in spaces
            if s.min_x is not None and s.storey_id == element.storey_id
        ):
            found.append(element)
    return found


# --- the home owner's pages --------------------------------------------------------------------


@login_required
@require_GET
def my_home(request, code: str):
    project = _project(request, code, "claim.view")
    units = list(
        queries.list_units(project, user=request.user).filter(pk__in=queries.own_unit_ids(request.user, project))
    )
    plans = []
    for unit in units:
        _version, svg = _unit_plan(unit)
        plans.append((unit, svg))
    claims = queries.list_claims(project, user=request.user)
    return render(request, "insurance/my_home.html", {"project": project, "plans": plans, "claims": claims})


@login_required
@require_GET
def new_claim(request, code: str):
    project = _project(request, code, "claim.file")
    own = queries.own_unit_ids(request.user, project)
    units = list(queries.list_units(project, user=request.user).filter(pk__in=own))
    if not units:
        raise DjangoPermissionDenied(gettext("You are not bound to a unit of this project."))
    unit = next((u for u in units if str(u.pk) == request.GET.get("unit")), units[0])
    version, _svg = _unit_plan(unit)
    if version is None:
        version = bim_queries.latest_ready_version(project, user=request.user)
    elements = _unit_elements(unit, version) if unit.space_global_ids else []
    picked = request.GET.get("element", "")
    if picked and version is not None and picked not in {e.global_id for e in elements}:
        tapped = version.elements.filter(global_id=picked).first()  # the action checks it is the unit's
        if tapped is not None:
            elements.insert(0, tapped)
    context = {
        "project": project,
        "units": units,
        "unit": unit,
        "version": version,
        "elements": elements,
        "picked": picked,
        "categories": [(c, CATEGORY_LABELS[c]) for c in DefectCategory.values],
        "today": timezone.localdate().isoformat(),
        "photo_max_bytes": settings.PHOTO_MAX_BYTES,
    }
    return render(request, "insurance/new_claim.html", context)


@login_required
@require_GET
def claim_page(request, code: str, claim_id: int):
    project = _project(request, code, "claim.view")
    try:
        claim = queries.get_claim(project, claim_id, user=request.user)
    except NotFound:
        raise Http404 from None
    plan = None
    if claim.version is not None and claim.storey_global_id:
        storey = claim.version.storeys.filter(global_id=claim.storey_global_id).first()
        if storey is not None:
            plan = bim_queries.storey_plan_svg(storey)
    history = (
        queries.element_history(project, claim)
        if _may(request, project, "claim.survey") or _may(request, project, "claim.decide")
        else []
    )
    context = {
        "project": project,
        "claim": claim,
        "plan": plan,
        "history": history,
        "moves": queries.next_moves(claim, user=request.user),
        "decline_codes": [(c, decline_reason_label(c)) for c in decline_codes_for(claim)],
        "decision_reasons": [decline_reason_label(c) for c in claim.decision_reasons or []],
        "parties": FIVE_PARTY_CHOICES,
        "photo_max_bytes": settings.PHOTO_MAX_BYTES,
    }
    return render(request, "insurance/claim.html", context)


@_posted
def move_claim(request, code: str, claim_id: int):
    project = _project(request, code, "claim.view")
    verb = request.POST.get("verb", "")
    photo = request.FILES.get("photo")
    if photo is not None:
        actions.add_claim_photo(
            project,
            claim_id=claim_id,
            client_uuid=request.POST.get("photo_uuid") or uuid.uuid4(),
            stream=photo,
            size=photo.size,
            original_name=photo.name,
            actor=request.user,
        )
    actions.move_claim(
        project,
        claim_id=claim_id,
        verb=verb,
        note=request.POST.get("note", ""),
        reasons=request.POST.getlist("reasons"),
        party=request.POST.get("party", ""),
        actor=request.user,
    )
    return redirect(reverse("insurance-claim", args=[project.code, claim_id]))


# --- the insurer's and TIS's queue -------------------------------------------------------------


@login_required
@require_GET
def claims_queue(request, code: str):
    project = _project(request, code, "claim.view")
    status = request.GET.get("status") or None
    claims = queries.list_claims(project, user=request.user, status=status)
    return render(request, "insurance/queue.html", {"project": project, "claims": claims, "status": status})


# --- the owner's staff: policies, units, binding ----------------------------------------------


@login_required
@require_GET
def insurance_admin(request, code: str):
    project = _project(request, code, "unit.manage")
    policies = list(queries.list_policies(project, user=request.user).prefetch_related("tis_reports"))
    for policy in policies:
        policy.cover_rows = [(CATEGORY_LABELS.get(c, c), years) for c, years in policy.cover_years.items()]
    context = {
        "project": project,
        "policies": policies,
        "units": queries.list_units(project, user=request.user),
        "issued_code": request.session.pop("issued_binding_code", None),
    }
    return render(request, "insurance/admin.html", context)


@_posted
def bind_home_owner(request, code: str, unit_id: int):
    project = _project(request, code, "unit.view")
    username = request.POST.get("username", "").strip()
    person = Person.objects.filter(user__username=username).first()
    if person is None:
        messages.error(request, gettext("Nobody signs in as %(username)s.") % {"username": username})
    else:
        actions.bind_home_owner(project, unit_id=unit_id, person_id=person.pk, actor=request.user)
        messages.success(request, gettext("%(name)s is bound to the unit.") % {"name": person.name})
    return redirect(reverse("insurance-admin", args=[project.code]))


@_posted
def issue_binding_code(request, code: str, unit_id: int):
    project = _project(request, code, "unit.view")
    row, raw = actions.issue_binding_code(project, unit_id=unit_id, actor=request.user)
    request.session["issued_binding_code"] = {"unit": row.unit.number, "code": raw}
    return redirect(reverse("insurance-admin", args=[project.code]))


@login_required
def redeem_code(request):
    """A buyer types the code printed for them and lands on their home."""
    if request.method == "POST":
        try:
            ownership = actions.redeem_binding_code(code=request.POST.get("code", ""), actor=request.user)
        except DomainError as exc:
            return render(request, "insurance/redeem.html", {"error": exc.detail}, status=422)
        return redirect(reverse("insurance-my-home", args=[ownership.unit.building.project.code]))
    return render(request, "insurance/redeem.html", {})
