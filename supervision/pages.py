"""Pages of the housing department: the region dashboard (filters, one page of projects, charts
drawn on the server), a project's drill-down, a draw with its projects' findings and the form
that signs their results, a drawn inspector's projects (我的监督检查), and the public page of
supervision results. They call the same queries and actions as the API."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from plumbline.core.accounts.throttle import client_ip, note_public_post, public_post_wait
from plumbline.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from projects import actions as project_actions
from projects.models import ProjectStage
from projects.queries import current_appointments_of, jurisdiction_of, person_of, region_policy_of
from signage.queries import get_public_sign

from . import actions, queries, reports
from .models import Outcome
from .scoring import COMPONENT_LABELS, COMPONENTS

PAGE_SIZE = 25
FILTERS = ("sort", "search", "stage", "reason", "min_score", "max_score")


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


SHOWN_REASONS = 4


def _shown(row, stages: dict) -> dict:
    """What a dashboard row shows, as plain text: the template reads each value once (a row of
    25 with its reasons was most of the page's rendering time)."""
    project = row.project
    return {
        "url": reverse("supervision-project", args=[project.code]),
        "code": project.code,
        "name": project.name,
        "stage": stages.get(project.stage, project.stage),
        "score": str(row.score),
        "is_low": row.score < 60,
        "reasons": [f"{r.message} (−{r.points})" for r in row.reasons[:SHOWN_REASONS]],
        "more": len(row.reasons) > SHOWN_REASONS,
    }


@login_required
@require_GET
def dashboard_page(request):
    filters = {name: request.GET.get(name, "") for name in FILTERS}
    page_number = max(1, _int_or_none(request.GET.get("page")) or 1)
    try:
        page = reports.region_dashboard(
            request.user,
            sort=filters["sort"] or "code",
            search=filters["search"],
            stage=filters["stage"],
            reason=filters["reason"],
            min_score=_int_or_none(filters["min_score"]),
            max_score=_int_or_none(filters["max_score"]),
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
    except InvalidInput:
        filters["sort"] = "code"
        page = reports.region_dashboard(request.user, limit=PAGE_SIZE, offset=0)
    query = urlencode({k: v for k, v in filters.items() if v})
    pages = max(1, -(-page.count // PAGE_SIZE))
    stages = dict(ProjectStage.choices)
    department = person_of(request.user).organisation
    policy = region_policy_of(department.region_code)
    return render(
        request,
        "supervision/dashboard.html",
        {
            "rows": [_shown(r, stages) for r in page.rows],
            "count": page.count,
            "filters": filters,
            "query": query,
            "page_number": page_number,
            "pages": pages,
            "previous": page_number - 1 if page_number > 1 else None,
            "next": page_number + 1 if page_number < pages else None,
            "stages": ProjectStage.choices,
            "draws": queries.list_department_draws(user=request.user)[:12],
            "department": department,
            "has_architect_in_charge": bool(policy and policy.has_architect_in_charge),
            "components": [(name, COMPONENT_LABELS.get(name, name)) for name, _f in COMPONENTS],
            "sorts": [
                ("code", gettext("project code")),
                ("score", gettext("lowest score first")),
                ("-score", gettext("highest score first")),
                ("name", gettext("project name")),
            ],
        },
    )


@login_required
@require_GET
def project_page(request, code: str):
    try:
        project, score = queries.get_project_supervision(code, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
    return render(
        request,
        "supervision/project.html",
        {"project": project, "score": score, "complaints": queries.list_complaints_of(project)},
    )


@login_required
@require_http_methods(["POST"])
def switch_architect_in_charge(request):
    """The department's switch for the architect-in-charge system in its region."""
    if jurisdiction_of(request.user) is None:
        raise DjangoPermissionDenied(gettext("Only staff of a housing department (住建部门) may do this."))
    enabled = request.POST.get("enabled") == "on"
    try:
        project_actions.set_architect_in_charge_system(enabled=enabled, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            gettext("The architect-in-charge system is on in your region.")
            if enabled
            else gettext("The architect-in-charge system is off in your region."),
        )
    return redirect("supervision-dashboard")


@login_required
@require_GET
def region_chart(request, chart: str):
    """The dashboard's charts, in the page's language (the API's follow Accept-Language)."""
    try:
        return reports.chart_response(request.user, chart)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


@login_required
@require_GET
def project_findings_chart(request, code: str):
    try:
        project, _score = queries.get_project_supervision(code, user=request.user)
    except (NotFound, PermissionDenied):
        raise Http404 from None
    return reports.chart_response(request.user, "findings.svg", project=project)


@require_GET
def public_draw(request, draw_id: int):
    """A draw whose results are published: its seed, pool, algorithm and result, for anyone."""
    try:
        draw = queries.get_draw(draw_id, user=request.user)
    except NotFound:
        raise Http404 from None
    return JsonResponse(reports.draw_record(draw), json_dumps_params={"ensure_ascii": False})


@require_GET
def public_results_page(request):
    results = [reports.public_result(r) for r in queries.list_public_results()[:200]]
    return render(request, "supervision/public_results.html", {"results": results})


@require_http_methods(["GET", "POST"])
def report_problem_page(request, token: str):
    """Report a problem from a permanent sign's QR code: anyone, signed in or not; the complaint
    goes to the project's first receiver (the owner) with a deadline."""
    try:
        sign = get_public_sign(token)
    except NotFound:
        raise Http404 from None
    values = {k: request.POST.get(k, "").strip() for k in ("complainant_name", "complainant_contact", "description")}
    error, complaint, status = None, None, 200
    if request.method == "POST":
        ip = client_ip(request)
        window = settings.PUBLIC_REPORT_WINDOW_MINUTES
        minutes = public_post_wait("sign-report", ip, limit=settings.PUBLIC_REPORT_MAX_PER_IP)
        if minutes:
            error, status = (
                gettext("Too many reports were sent from your address; try again in %(minutes)d minutes.")
                % {"minutes": minutes},
                429,
            )
        else:
            try:
                complaint = actions.file_complaint(sign.project, **values, channel="sign_qr", actor=None)
                note_public_post("sign-report", ip, window_minutes=window)
            except (InvalidInput, DomainError) as exc:
                error, status = exc.detail, exc.status_code
    return render(
        request,
        "supervision/report_problem.html",
        {"sign": sign, "values": values, "error": error, "complaint": complaint},
        status=status,
    )


@login_required
@require_GET
def my_inspections_page(request):
    """A drawn inspector's projects for the period, each opening its plan where they log
    supervision findings on elements as on site (the same offline queue)."""
    return render(
        request, "supervision/my_inspections.html", {"assignments": queries.list_my_assignments(user=request.user)}
    )


def _department_draw(request, draw_id: int):
    try:
        draw = queries.get_draw(draw_id, user=request.user, public=False)
        return draw, queries.list_drawn_projects(draw, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


@login_required
@require_http_methods(["GET", "POST"])
def draw_page(request, draw_id: int):
    """The department's draw: per drawn project its inspectors, the findings they logged, and the
    form that signs its result (citing those findings)."""
    draw, drawn = _department_draw(request, draw_id)
    if request.method == "POST":
        data = request.POST
        try:
            actions.record_supervision_result(
                draw,
                project_code=data.get("project", ""),
                outcome=data.get("outcome", ""),
                summary=data.get("summary", ""),
                violation_organisation_id=_int_or_none(data.get("violation_organisation_id")),
                violation_points=_int_or_none(data.get("violation_points")) or 0,
                finding_ids=[int(i) for i in data.getlist("finding_ids") if i.isdigit()],
                actor=request.user,
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.detail) from None
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, gettext("The result of %(code)s is signed.") % {"code": data.get("project")})
        return redirect(reverse("supervision-draw-page", args=[draw.pk]))
    appointments = current_appointments_of([d.project.pk for d in drawn])
    for d in drawn:  # the organisations a violation can score against: the project's parties now
        d.parties = sorted(
            {a.organisation for a in appointments.get(d.project.pk, {}).values() if a is not None},
            key=lambda o: o.name,
        )
    return render(request, "supervision/draw.html", {"draw": draw, "drawn": drawn, "outcomes": Outcome.choices})
