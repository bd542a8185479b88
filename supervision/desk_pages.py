"""The housing department's desk on the tablet: double-random draws and their signed results,
the region's quality credit and the contests it decides, complaints passed on or answered, and
webhooks with their delivery log; and, for an organisation's admin, its own credit and the one
contest of an event. Each form calls the same action as the API (supervision/actions.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plumbline.core.errors import InvalidInput, NotFound, PermissionDenied
from plumbline.core.forms import FormState, new_form, submit
from projects.models import Party
from projects.queries import current_appointments_of, jurisdiction_of, person_of

from . import actions, queries
from .models import CreditEventStatus, Outcome, SupervisionResult, WebhookEventType


def _department(request):
    try:
        return actions.department_of(request.user)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


def _int(value, *, field: str, label: str, required: bool = True):
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(gettext("%(label)s is required.") % {"label": label}, field=field)
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(gettext("%(label)s is a whole number.") % {"label": label}, field=field) from None


def _render(request, template, context, form: FormState):
    return render(request, template, {**context, "form": form}, status=form.status)


# --- draws and results ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def draws_page(request):
    """The department's draws, and the form that draws a period (period, seed, inspectors)."""
    _department(request)
    form = new_form({"inspectors_per_project": "2"})
    if request.method == "POST":
        post = request.POST

        def draw():
            return actions.create_supervision_draw(
                period=post.get("period", ""),
                seed=post.get("seed", ""),
                inspectors_per_project=_int(
                    post.get("inspectors_per_project"),
                    field="inspectors_per_project",
                    label=gettext("Inspectors per project"),
                ),
                actor=request.user,
            )

        outcome = submit(
            request,
            draw,
            done=lambda d: reverse("supervision-sign-result", args=[d.pk]),
            success=lambda d: (
                gettext("Period %(period)s drawn: %(count)d projects.") % {"period": d.period, "count": len(d.result)}
            ),
        )
        if not isinstance(outcome, FormState):
            return outcome
        form = outcome
    draws = list(queries.list_draws(user=request.user))
    return _render(request, "supervision/draws.html", {"draws": draws}, form)


def _parties_of(codes) -> dict[str, list[tuple[int, str]]]:
    """For each drawn project, the organisations of its current parties (who may be scored)."""
    from projects.models import Project

    projects = {p.pk: p.code for p in Project.objects.filter(code__in=codes)}
    current = current_appointments_of(list(projects))
    parties = {}
    for pk, code in projects.items():
        rows = []
        for party, appointment in current[pk].items():
            if appointment is not None:
                label = f"{Party(party).label} · {appointment.organisation.name}"
                rows.append((appointment.organisation_id, label))
        parties[code] = rows
    return parties


@login_required
@require_http_methods(["GET", "POST"])
def sign_result_page(request, draw_id: int):
    """A draw's projects with their inspectors; the form that enters and signs one's result."""
    _department(request)
    try:
        draw = queries.get_draw(draw_id, user=request.user, public=False)
    except NotFound:
        raise Http404 from None
    form = new_form({"outcome": Outcome.PASSED, "violation_points": "0"})
    if request.method == "POST":
        post = request.POST

        def sign():
            return actions.record_supervision_result(
                draw,
                project_code=post.get("project", ""),
                outcome=post.get("outcome", ""),
                summary=post.get("summary", ""),
                violation_organisation_id=_int(
                    post.get("violation_organisation_id"),
                    field="violation_organisation_id",
                    label=gettext("The organisation at fault"),
                    required=False,
                ),
                violation_points=_int(
                    post.get("violation_points") or "0", field="violation_points", label=gettext("Violation points")
                ),
                actor=request.user,
            )

        outcome = submit(
            request,
            sign,
            done=reverse("supervision-sign-result", args=[draw.pk]),
            success=lambda r: gettext("The result of %(code)s is signed and published.") % {"code": r.project.code},
        )
        if not isinstance(outcome, FormState):
            return outcome
        form = outcome
    signed = {r.project.code: r for r in SupervisionResult.objects.filter(draw=draw).select_related("project")}
    codes = [row["project"] for row in draw.result]
    parties = _parties_of(codes)
    names = {p["code"]: p["name"] for p in draw.pool.get("projects", [])}
    rows = [
        {
            "code": row["project"],
            "name": names.get(row["project"], ""),
            "inspectors": [i["name"] for i in row.get("inspectors", [])],
            "result": signed.get(row["project"]),
            "parties": parties.get(row["project"], []),
        }
        for row in draw.result
    ]
    return _render(
        request,
        "supervision/sign_result.html",
        {
            "draw": draw,
            "rows": rows,
            "unsigned": [r for r in rows if r["result"] is None],
            "organisations": sorted({o for r in rows if r["result"] is None for o in r["parties"]}, key=lambda o: o[1]),
            "outcomes": Outcome.choices,
        },
        form,
    )


# --- quality credit ------------------------------------------------------------------------------


@login_required
@require_GET
def region_credit_page(request):
    _department(request)
    rows = queries.list_region_credit(user=request.user)
    return render(request, "supervision/region_credit.html", {"rows": rows})


def _credit_context(request, organisation_id: int) -> dict:
    try:
        organisation, score, events = queries.get_organisation_credit(organisation_id, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
    me = person_of(request.user)
    is_admin = me is not None and me.organisation_id == organisation.pk and me.is_organisation_admin
    is_department = me is not None and jurisdiction_of(request.user) is not None
    return {
        "organisation": organisation,
        "score": score,
        "events": sorted(events, key=lambda e: (e.occurred_on, e.pk), reverse=True),
        "may_contest": is_admin,
        "may_decide": is_department and not is_admin,
        "CONTESTED": CreditEventStatus.CONTESTED,
    }


@login_required
@require_GET
def credit_page(request, organisation_id: int):
    context = _credit_context(request, organisation_id)
    return _render(request, "supervision/credit.html", {**context, "form_event": None}, new_form())


@login_required
@require_POST
def contest_event(request, organisation_id: int, event_id: int):
    done = reverse("supervision-credit", args=[organisation_id])
    outcome = submit(
        request,
        lambda: actions.contest_credit_event(event_id, reason=request.POST.get("reason", ""), actor=request.user),
        done=done,
        success=gettext("Your contest is filed; the housing department decides it."),
    )
    if not isinstance(outcome, FormState):
        return outcome
    context = _credit_context(request, organisation_id)
    return _render(request, "supervision/credit.html", {**context, "form_event": event_id}, outcome)


@login_required
@require_POST
def decide_contest(request, organisation_id: int, event_id: int):
    done = reverse("supervision-credit", args=[organisation_id])
    decision = request.POST.get("decision", "")

    def decide():
        if decision not in ("count", "annul"):
            raise InvalidInput(gettext("Choose whether the event counts or is annulled."), field="decision")
        return actions.decide_credit_contest(
            event_id, accept=decision == "annul", note=request.POST.get("note", ""), actor=request.user
        )

    outcome = submit(request, decide, done=done, success=gettext("The contest is decided."))
    if not isinstance(outcome, FormState):
        return outcome
    context = _credit_context(request, organisation_id)
    return _render(request, "supervision/credit.html", {**context, "form_event": event_id}, outcome)


# --- complaints ----------------------------------------------------------------------------------


@login_required
@require_GET
def complaints_page(request):
    """The complaints the user's organisation holds (linked from their home page)."""
    return render(
        request, "supervision/complaints.html", {"complaints": queries.list_complaints_held(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def complaint_page(request, complaint_id: int):
    """A complaint's timeline; its holder passes it on (to another party, with a note) or answers it."""
    try:
        complaint = queries.get_complaint(complaint_id, user=request.user)
    except NotFound:
        raise Http404 from None
    form, which = new_form(), ""
    if request.method == "POST":
        which = request.POST.get("step", "")

        def step():
            if which == "pass":
                return actions.pass_on_complaint(
                    complaint.pk,
                    organisation_id=_int(
                        request.POST.get("organisation_id"), field="organisation_id", label=gettext("The party")
                    ),
                    note=request.POST.get("note", ""),
                    actor=request.user,
                )
            return actions.answer_complaint(complaint.pk, note=request.POST.get("note", ""), actor=request.user)

        outcome = submit(
            request,
            step,
            done=reverse("supervision-complaint", args=[complaint.pk]),
            success=gettext("The complaint is passed on.")
            if which == "pass"
            else gettext("The complaint is answered."),
        )
        if not isinstance(outcome, FormState):
            return outcome
        form = outcome
        complaint = queries.get_complaint(complaint_id, user=request.user)
    me = person_of(request.user)
    is_holder = me is not None and me.organisation_id == complaint.current_holder_id and complaint.status == "open"
    current = current_appointments_of([complaint.project_id])[complaint.project_id]
    parties = sorted(
        {
            (a.organisation_id, f"{Party(p).label} · {a.organisation.name}")
            for p, a in current.items()
            if a is not None and a.organisation_id != complaint.current_holder_id
        },
        key=lambda o: o[1],
    )
    return _render(
        request,
        "supervision/complaint.html",
        {"complaint": complaint, "is_holder": is_holder, "parties": parties, "which": which},
        form,
    )


# --- webhooks ------------------------------------------------------------------------------------


SECRET_KEY = "webhook_secret_%d"


@login_required
@require_http_methods(["GET", "POST"])
def webhooks_page(request):
    """The user's webhooks and the form that subscribes one (to a project, or the region)."""
    me = person_of(request.user)
    is_department = me is not None and jurisdiction_of(request.user) is not None
    form = new_form({"event_types_list": []})
    if request.method == "POST":

        def create():
            return actions.create_webhook(
                url=request.POST.get("url", ""),
                event_types=request.POST.getlist("event_types"),
                project_code=request.POST.get("project", "").strip() or None,
                actor=request.user,
            )

        def done(hook):
            request.session[SECRET_KEY % hook.pk] = hook.secret  # shown once, on the next page
            return reverse("supervision-webhook", args=[hook.pk])

        outcome = submit(request, create, done=done, success=gettext("The webhook is subscribed."))
        if not isinstance(outcome, FormState):
            return outcome
        form = outcome
    from plumbline.core.permissions import allowed_roles
    from projects.queries import list_projects, roles_in

    managing = allowed_roles("webhook.manage")
    projects = [p for p in list_projects(user=request.user) if roles_in(request.user, p) & managing]
    if not is_department and not projects:
        raise DjangoPermissionDenied(gettext("Only a project's owner or a housing department subscribes webhooks."))
    return _render(
        request,
        "supervision/webhooks.html",
        {
            "webhooks": queries.list_webhooks(user=request.user),
            "projects": projects,
            "is_department": is_department,
            "event_types": WebhookEventType.choices,
        },
        form,
    )


def _webhook(request, webhook_id):
    try:
        return queries.get_webhook(webhook_id, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


@login_required
@require_GET
def webhook_page(request, webhook_id: int):
    """A webhook's delivery log with each attempt's response code, and replay buttons; right
    after it is created, its secret, once."""
    hook = _webhook(request, webhook_id)
    secret = request.session.pop(SECRET_KEY % hook.pk, "")
    deliveries = list(hook.deliveries.all()[:100])
    return render(
        request,
        "supervision/webhook.html",
        {"webhook": hook, "secret": secret, "deliveries": deliveries, "form": new_form()},
    )


@login_required
@require_POST
def replay_delivery(request, webhook_id: int, delivery_id: int):
    hook = _webhook(request, webhook_id)
    outcome = submit(
        request,
        lambda: actions.replay_webhook_delivery(delivery_id, actor=request.user),
        done=reverse("supervision-webhook", args=[hook.pk]),
        success=lambda d: (
            gettext("Delivery %(id)d is sent again as delivery %(new)d.") % {"id": delivery_id, "new": d.pk}
        ),
    )
    if isinstance(outcome, FormState):
        messages.error(request, outcome.error or next(iter(outcome.errors.values()), ""))
        return redirect("supervision-webhook", webhook_id=hook.pk)
    return outcome
