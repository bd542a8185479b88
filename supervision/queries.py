"""Reads of the supervision app, scoped to the user: the region dashboard and a project's
drill-down (the department's auditors), draws and their public results, an organisation's credit,
complaints and webhook deliveries. What a user may not see does not exist for them (NotFound)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from inspections.queries import findings_per_month_of, supervision_findings_under
from plumbline.core.errors import InvalidInput, NotFound, PermissionDenied
from projects.models import Organisation, Project
from projects.queries import active_membership, get_project, jurisdiction_of, person_of

from .actions import department_of
from .models import (
    Complaint,
    CreditEvent,
    OrganisationCredit,
    SupervisionAssignment,
    SupervisionDraw,
    SupervisionResult,
    Webhook,
    WebhookDelivery,
)
from .scoring import ProjectScore, Reason, score_projects

SORTS = {"code": "code", "-code": "-code", "name": "name", "-name": "-name", "score": None, "-score": None}


def region_projects(*, user) -> QuerySet[Project]:
    """Every project of the auditor's region (PermissionDenied for anyone not of a department)."""
    department_of(user)
    return Project.objects.filter(region_code__startswith=jurisdiction_of(user))


@dataclass
class DashboardPage:
    count: int
    rows: list[ProjectScore]


def _stored(project: Project, language: str) -> ProjectScore:
    """The stored score of a project (read with it), its reasons in `language`."""
    stored = project.supervision_score
    reasons = [
        Reason(r["component"], r["code"], r["message"].get(language) or next(iter(r["message"].values())), r["points"])
        for r in stored.reasons
    ]
    return ProjectScore(project, stored.score, reasons)


# what a dashboard row shows of a project and its stored score (the rest is not read)
PAGE_FIELDS = ("code", "name", "region_code", "stage", "supervision_score__score", "supervision_score__reasons")


def _score_filters(reason: str, min_score: int | None, max_score: int | None) -> Q:
    """The dashboard's filters on the stored score: only projects scored, with the reason, in range."""
    q = Q(supervision_score__isnull=False)
    if reason:
        q &= Q(supervision_score__codes__contains=f" {reason} ")
    if min_score is not None:
        q &= Q(supervision_score__score__gte=min_score)
    if max_score is not None:
        q &= Q(supervision_score__score__lte=max_score)
    return q


def count_region_dashboard(
    *,
    user,
    search: str = "",
    stage: str = "",
    reason: str = "",
    min_score: int | None = None,
    max_score: int | None = None,
    today: datetime.date | None = None,
) -> tuple[int, int]:
    """(projects matching the filters, projects whose stored score is missing, marked stale or of
    an earlier day) in one aggregate query: the page's count, and whether to score any again
    before it is read."""
    today = today or timezone.localdate()
    stale = (
        Q(supervision_score__isnull=True)
        | Q(supervision_score__is_stale=True)
        | Q(supervision_score__computed_on__lt=today)
    )
    counts = dashboard_projects(user=user, search=search, stage=stage).aggregate(
        matching=Count("pk", filter=_score_filters(reason, min_score, max_score)), stale=Count("pk", filter=stale)
    )
    return counts["matching"], counts["stale"]


def get_region_dashboard(
    *,
    user,
    sort: str = "code",
    search: str = "",
    stage: str = "",
    reason: str = "",
    min_score: int | None = None,
    max_score: int | None = None,
    limit: int = 50,
    offset: int = 0,
    count: int | None = None,
) -> DashboardPage:
    """One page of the region's projects with their stored scores and reasons, filtered, sorted
    and paged in the database (one query, and one to count unless `count` is given from
    count_region_dashboard). The caller refreshes stale scores first (reports.region_dashboard)."""
    if sort not in SORTS:
        raise InvalidInput(_("Sort by one of %(sorts)s.") % {"sorts": ", ".join(SORTS)}, field="sort")
    projects = dashboard_projects(user=user, search=search, stage=stage).filter(
        _score_filters(reason, min_score, max_score)
    )
    order = SORTS[sort] or ("supervision_score__score" if sort == "score" else "-supervision_score__score")
    page = projects.select_related("supervision_score").only(*PAGE_FIELDS).order_by(order, "code")
    language = get_language() or settings.LANGUAGE_CODE
    rows = [_stored(p, language) for p in page[offset : offset + limit]]
    return DashboardPage(projects.count() if count is None else count, rows)


def dashboard_projects(*, user, search: str = "", stage: str = "") -> QuerySet[Project]:
    projects = region_projects(user=user)
    if search:
        projects = projects.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if stage:
        projects = projects.filter(stage=stage)
    return projects


def score_distribution(*, user) -> list[int]:
    """How many of the region's projects score 0-9, 10-19, ... 90-100 (one aggregate query)."""
    from django.db.models import IntegerField
    from django.db.models.functions import Cast, Least

    rows = (
        region_projects(user=user)
        .filter(supervision_score__isnull=False)
        .annotate(bin=Least(Cast(F("supervision_score__score") / 10, IntegerField()), 9))
        .values("bin")
        .annotate(n=Count("id"))
        .order_by()
    )
    bins = [0] * 10
    for row in rows:
        bins[row["bin"]] += row["n"]
    return bins


def findings_over_time(*, user, months: int = 12, project: Project | None = None) -> list[tuple]:
    """(month, severity, findings opened) of the region (or one project) over the last months."""
    first = (timezone.localdate().replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
    since = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    ids = [project.pk] if project is not None else region_projects(user=user).values("pk")
    return findings_per_month_of(ids, since=since)


def get_project_supervision(code: str, *, user) -> tuple[Project, ProjectScore]:
    """The drill-down: one project of the auditor's region with its score and reasons."""
    project = get_project(code, user=user, action="supervision.view")
    return project, score_projects([project], today=timezone.localdate())[0]


# --- draws and results --------------------------------------------------------------------------


def get_draw(draw_id: int, *, user, public: bool = True) -> SupervisionDraw:
    """A draw is its department's until a result of it is signed; from then on its seed, pool and
    result are public (one public, 一公开), so anyone recomputes it. `public=False`: the
    department's own draws only (to sign results)."""
    draw = SupervisionDraw.objects.select_related("department").filter(pk=draw_id).first()
    me = person_of(user)
    if draw is not None and me is not None and me.organisation_id == draw.department_id:
        return draw
    if draw is not None and public and draw.results.exists():
        return draw
    raise NotFound(_("No draw %(id)s.") % {"id": draw_id})


def list_my_assignments(*, user) -> QuerySet[SupervisionAssignment]:
    """The drawn inspector's projects they may inspect now (我的监督检查): assignments whose
    membership is in force (the result not signed yet, the period not over), newest draw first."""
    me = person_of(user)
    if me is None:
        return SupervisionAssignment.objects.none()
    return (
        SupervisionAssignment.objects.filter(active_membership("membership__"), membership__person=me)
        .select_related("draw__department", "project", "membership")
        .order_by("-draw__created_at", "project__code")
    )


@dataclass
class DrawnProject:
    """One project of a draw as its department's draw page shows it."""

    project: Project
    tier: str
    assignments: list
    findings: list
    result: SupervisionResult | None


def list_drawn_projects(draw: SupervisionDraw, *, user) -> list[DrawnProject]:
    """The department's view of its draw: per drawn project, its inspectors (and until when they
    hold it), the supervision findings they logged, and the signed result if any."""
    if draw.department_id != department_of(user).pk:
        raise NotFound(_("No draw %(id)s.") % {"id": draw.pk})
    assignments = list(draw.assignments.select_related("project", "inspector__person", "membership"))
    findings = list(supervision_findings_under([a.membership_id for a in assignments]))
    results = {r.project_id: r for r in draw.results.select_related("project").prefetch_related("findings")}
    projects = {p.code: p for p in Project.objects.filter(code__in=[row["project"] for row in draw.result])}
    drawn = []
    for row in draw.result:
        project = projects.get(row["project"])
        if project is None:
            continue
        drawn.append(
            DrawnProject(
                project=project,
                tier=row["tier"],
                assignments=[a for a in assignments if a.project_id == project.pk],
                findings=[f for f in findings if f.project_id == project.pk],
                result=results.get(project.pk),
            )
        )
    return drawn


def list_department_draws(*, user) -> QuerySet[SupervisionDraw]:
    return SupervisionDraw.objects.filter(department=department_of(user)).order_by("-created_at")


def get_draw_of_period(period: str, *, department: Organisation | None = None) -> SupervisionDraw:
    """For `plumbline supervision redraw` (a command run by the platform's operators)."""
    draws = SupervisionDraw.objects.filter(period=period)
    if department is not None:
        draws = draws.filter(department=department)
    found = list(draws[:2])
    if len(found) != 1:
        raise NotFound(
            _("No draw for %(period)s.") % {"period": period}
            if not found
            else _("Several departments drew %(period)s: name the department.") % {"period": period}
        )
    return found[0]


def list_public_results() -> QuerySet[SupervisionResult]:
    """Signed results of every draw, for the public page: project, period, outcome, inspectors'
    names; no personal ID numbers, no contacts."""
    return SupervisionResult.objects.select_related("draw__department", "project", "violation_organisation").order_by(
        "-signed_at", "pk"
    )


# --- quality credit -----------------------------------------------------------------------------


def _may_read_credit(user, organisation: Organisation) -> bool:
    """An organisation's admins read its credit; so does every housing department (tiers drive
    their draws whatever the region of the organisation)."""
    me = person_of(user)
    if me is None:
        return False
    if me.organisation_id == organisation.pk and me.is_organisation_admin:
        return True
    return jurisdiction_of(user) is not None


def get_organisation_credit(organisation_id: int, *, user) -> tuple[Organisation, OrganisationCredit | None, list]:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("No organisation %(id)s.") % {"id": organisation_id})
    if not _may_read_credit(user, organisation):
        raise PermissionDenied(_("Only the organisation's admins and housing departments read its credit."))
    score = OrganisationCredit.objects.filter(organisation=organisation).first()
    events = list(CreditEvent.objects.filter(organisation=organisation).select_related("project"))
    return organisation, score, events


def get_credit_event(event_id: int, *, user) -> CreditEvent:
    event = CreditEvent.objects.select_related("organisation", "project").filter(pk=event_id).first()
    if event is None or not _may_read_credit(user, event.organisation):
        raise NotFound(_("No credit event %(id)s.") % {"id": event_id})
    return event


# --- complaints ---------------------------------------------------------------------------------


def get_complaint(complaint_id: int, *, user) -> Complaint:
    """Visible to the region's department, the organisations it went through and its filer."""
    complaint = (
        Complaint.objects.select_related("project", "first_responsible", "current_holder")
        .prefetch_related("steps__from_organisation", "steps__to_organisation")
        .filter(pk=complaint_id)
        .first()
    )
    me = person_of(user)
    if complaint is None or me is None:
        raise NotFound(_("No complaint %(id)s.") % {"id": complaint_id})
    prefix = jurisdiction_of(user)
    involved = {complaint.first_responsible_id, complaint.current_holder_id}
    involved |= {s.from_organisation_id for s in complaint.steps.all()} | {
        s.to_organisation_id for s in complaint.steps.all()
    }
    if (
        (prefix is not None and complaint.project.region_code.startswith(prefix))
        or (me.organisation_id is not None and me.organisation_id in involved)
        or complaint.filed_by_id == user.pk
    ):
        return complaint
    raise NotFound(_("No complaint %(id)s.") % {"id": complaint_id})


def list_complaints_of(project: Project) -> QuerySet[Complaint]:
    """A project's complaints (for its drill-down page; the caller has checked the right)."""
    return Complaint.objects.filter(project=project).select_related("first_responsible", "current_holder")


# --- webhooks -----------------------------------------------------------------------------------


def get_webhook(webhook_id: int, *, user) -> Webhook:
    """A region's webhook is its department's; a project's, its owner staff's."""
    hook = Webhook.objects.select_related("project", "department").filter(pk=webhook_id).first()
    if hook is None:
        raise NotFound(_("No webhook %(id)s.") % {"id": webhook_id})
    if hook.project is not None:
        get_project(hook.project.code, user=user, action="webhook.manage")
        return hook
    me = person_of(user)
    if me is None or me.organisation_id != hook.department_id:
        raise NotFound(_("No webhook %(id)s.") % {"id": webhook_id})
    return hook


def list_deliveries(webhook_id: int, *, user) -> QuerySet[WebhookDelivery]:
    return get_webhook(webhook_id, user=user).deliveries.all()


def get_delivery(delivery_id: int, *, user) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("No delivery %(id)s.") % {"id": delivery_id})
    get_webhook(delivery.webhook_id, user=user)
    return delivery


# --- for the department's and the organisations' pages ------------------------------------------


def list_draws(*, user) -> QuerySet[SupervisionDraw]:
    """The department's own draws, newest first (PermissionDenied for anyone not of one)."""
    department = department_of(user)
    return SupervisionDraw.objects.filter(department=department).prefetch_related("results").order_by("-created_at")


def list_region_credit(*, user) -> list[tuple[Organisation, OrganisationCredit | None]]:
    """The organisations of the auditor's region (registered there, or a party of one of its
    projects) with their points and tier, the worst first."""
    department_of(user)
    prefix = jurisdiction_of(user)
    organisations = (
        Organisation.objects.filter(
            Q(region_code__startswith=prefix) | Q(appointments__project__region_code__startswith=prefix)
        )
        .exclude(pk=person_of(user).organisation_id)
        .distinct()
        .select_related("credit")
    )
    rows = [(o, getattr(o, "credit", None)) for o in organisations]
    return sorted(rows, key=lambda r: (-(r[1].points if r[1] else 0), r[0].name))


def list_complaints_held(*, user) -> QuerySet[Complaint]:
    """The open complaints the user's organisation holds now (to pass on or answer)."""
    me = person_of(user)
    if me is None or me.organisation_id is None:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(current_holder_id=me.organisation_id)
        .select_related("project", "first_responsible", "current_holder")
        .order_by("status", "due_date", "pk")
    )


def list_webhooks(*, user) -> list[Webhook]:
    """The department's region webhooks and those of the projects whose webhooks the user manages."""
    from plumbline.core.permissions import allowed_roles
    from projects.queries import list_projects, roles_in

    me = person_of(user)
    hooks = []
    if me is not None and jurisdiction_of(user) is not None:
        hooks += list(Webhook.objects.filter(department_id=me.organisation_id).select_related("project", "department"))
    managing = allowed_roles("webhook.manage")
    projects = [p for p in list_projects(user=user) if roles_in(user, p) & managing]
    hooks += list(Webhook.objects.filter(project__in=projects).select_related("project", "department"))
    return sorted(hooks, key=lambda h: -h.pk)
