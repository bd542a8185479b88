"""Supervision API: the region dashboard and its export and charts, draws and public results,
quality credit, complaints, webhooks."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from plumbline.core.pagination import MAX_LIMIT, MAX_OFFSET, Pagination
from plumbline.core.rights import right_first
from projects import actions as project_actions
from projects.queries import get_project
from projects.rights import project_right

from . import actions, queries, reports
from .schemas import (
    AnswerIn,
    ArchitectInChargeSwitchIn,
    ComplaintIn,
    ComplaintOut,
    ContestIn,
    CreditEventOut,
    CreditOut,
    DashboardOut,
    DecisionIn,
    DeliveryOut,
    DrawIn,
    DrawOut,
    PassOnIn,
    ProjectSupervisionOut,
    PublicResultOut,
    RegionPolicyOut,
    ResultIn,
    ResultOut,
    RosterIn,
    RosterOut,
    WebhookIn,
    WebhookListOut,
    WebhookOut,
)

router = Router(tags=["supervision"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}
department_right = right_first(lambda request, **_: actions.department_of(request.user))


class DashboardFilters(Schema):
    sort: str = "code"
    search: str = ""
    stage: str = ""
    reason: str = ""
    min_score: int | None = None
    max_score: int | None = None


class DashboardPageIn(DashboardFilters):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"projects per page, at most {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _row(r) -> dict:
    p = r.project
    return {
        "code": p.code,
        "name": p.name,
        "region_code": p.region_code,
        "stage": p.stage,
        "score": r.score,
        "reasons": [vars(x) for x in r.reasons],
    }


@router.get(
    "/supervision/dashboard",
    response={200: DashboardOut, **ERRORS},
    operation_id="get_region_dashboard",
    summary="The auditor's region: one page of projects, each with its completeness score and reasons",
)
def get_region_dashboard(request: HttpRequest, filters: Query[DashboardPageIn]):
    page = reports.region_dashboard(request.user, **filters.dict())
    return {
        "count": page.count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_row(r) for r in page.rows],
    }


@router.get(
    "/supervision/dashboard/export",
    response={200: None, **ERRORS},
    operation_id="export_region_dashboard",
    summary="Every project of the dashboard (with its filters) as CSV or XLSX",
)
def export_region_dashboard(request: HttpRequest, filters: Query[DashboardFilters], format: str = "csv"):
    return reports.export_response(request.user, filters.dict(), format)


@router.get(
    "/supervision/dashboard/charts/{chart}",
    response={200: None, **ERRORS},
    operation_id="get_region_chart",
    summary="A chart of the region drawn as SVG: scores.svg (score distribution) or findings.svg (per month)",
)
def get_region_chart(request: HttpRequest, chart: str):
    return reports.chart_response(request.user, chart)


@router.get(
    "/supervision/projects/{code}",
    response={200: ProjectSupervisionOut, **ERRORS},
    operation_id="get_project_supervision",
    summary="Drill down: one project of the region with its score, reasons and complaints",
)
def get_project_supervision(request: HttpRequest, code: str):
    project, score = queries.get_project_supervision(code, user=request.user)
    complaints = [
        {"id": c.pk, "status": c.status, "first_responsible": c.first_responsible.name, "due_date": c.due_date}
        for c in queries.list_complaints_of(project)
    ]
    return {**_row(score), "complaints": complaints}


@router.post(
    "/supervision/roster",
    response={201: RosterOut, **ERRORS},
    operation_id="add_roster_inspector",
    summary="Put a person of the department on its roster, with the organisations they worked for",
)
@department_right
def add_roster_inspector(request: HttpRequest, payload: RosterIn):
    inspector = actions.add_roster_inspector(
        person_id=payload.person_id,
        former_employers=[e.dict() for e in payload.former_employers],
        actor=request.user,
    )
    return Status(
        201,
        {
            "id": inspector.pk,
            "person": inspector.person.name,
            "former_employers": [
                {"organisation": e.organisation.name, "until": e.until} for e in inspector.employments.all()
            ],
        },
    )


_draw = reports.draw_record


@router.post(
    "/supervision/architect-in-charge",
    response={200: RegionPolicyOut, **ERRORS},
    operation_id="set_architect_in_charge_system",
    summary="Switch the architect-in-charge system (建筑师负责制) on or off for the department's region",
)
@department_right
def set_architect_in_charge_system(request: HttpRequest, payload: ArchitectInChargeSwitchIn):
    return project_actions.set_architect_in_charge_system(enabled=payload.enabled, actor=request.user)


@router.post(
    "/supervision/draws",
    response={201: DrawOut, **ERRORS},
    operation_id="create_supervision_draw",
    summary="Draw the period's projects (weighted by credit tier) and inspectors (no conflicts) with a published seed",
)
@department_right
def create_supervision_draw(request: HttpRequest, payload: DrawIn):
    return Status(201, _draw(actions.create_supervision_draw(**payload.dict(), actor=request.user)))


@router.get(
    "/supervision/draws/{draw_id}",
    response={200: DrawOut, **ERRORS},
    operation_id="get_supervision_draw",
    summary="A draw with its seed, its pool and its result (its department's; everyone's once a result is signed)",
)
def get_supervision_draw(request: HttpRequest, draw_id: int):
    return _draw(queries.get_draw(draw_id, user=request.user))


@router.post(
    "/supervision/draws/{draw_id}/results",
    response={201: ResultOut, **ERRORS},
    operation_id="record_supervision_result",
    summary="Sign the inspection result of a drawn project (published on the public page)",
)
@right_first(lambda request, *, draw_id, **_: queries.get_draw(draw_id, user=request.user, public=False))
def record_supervision_result(request: HttpRequest, draw_id: int, payload: ResultIn):
    draw = queries.get_draw(draw_id, user=request.user, public=False)
    data = payload.dict()
    result = actions.record_supervision_result(draw, project_code=data.pop("project"), **data, actor=request.user)
    return Status(
        201,
        {
            "id": result.pk,
            "project": result.project.code,
            "outcome": result.outcome,
            "summary": result.summary,
            "violation_points": result.violation_points,
            "finding_ids": sorted(result.findings.values_list("pk", flat=True)),
            "signed_at": result.signed_at,
        },
    )


@router.get(
    "/public/supervision-results",
    response={200: list[PublicResultOut], 422: dict},
    operation_id="list_public_supervision_results",
    summary="Signed results of the random supervision draws, for everyone (no sign-in, no ID numbers)",
    auth=None,
)
@paginate(Pagination)
def list_public_supervision_results(request: HttpRequest):
    return [reports.public_result(r) for r in queries.list_public_results()]


def _credit(organisation, score, events) -> dict:
    return {
        "organisation": organisation.name,
        "credit_code": organisation.credit_code,
        "points": score.points if score else 0,
        "tier": score.tier if score else "A",
        "computed_at": score.computed_at if score else None,
        "events": [_credit_event(e) for e in events],
    }


def _credit_event(e) -> dict:
    return {
        "id": e.pk,
        "rule": e.rule,
        "points": e.points,
        "occurred_on": e.occurred_on,
        "description": e.description,
        "project": e.project.code if e.project else None,
        "status": e.status,
        "contest_reason": e.contest_reason,
        "decision_note": e.decision_note,
    }


@router.get(
    "/organisations/{organisation_id}/credit",
    response={200: CreditOut, **ERRORS},
    operation_id="get_organisation_credit",
    summary="An organisation's quality-credit points, tier and every event behind them",
)
def get_organisation_credit(request: HttpRequest, organisation_id: int):
    return _credit(*queries.get_organisation_credit(organisation_id, user=request.user))


@router.post(
    "/credit-events/{event_id}/contest",
    response={200: CreditEventOut, **ERRORS},
    operation_id="contest_credit_event",
    summary="The organisation's admin contests a credit event (once)",
)
@right_first(lambda request, *, event_id, **_: actions.require_contester(event_id, request.user))
def contest_credit_event(request: HttpRequest, event_id: int, payload: ContestIn):
    return _credit_event(actions.contest_credit_event(event_id, reason=payload.reason, actor=request.user))


@router.post(
    "/credit-events/{event_id}/decide",
    response={200: CreditEventOut, **ERRORS},
    operation_id="decide_credit_contest",
    summary="The housing department decides a contest: the event counts, or it is annulled",
)
@department_right
def decide_credit_contest(request: HttpRequest, event_id: int, payload: DecisionIn):
    return _credit_event(
        actions.decide_credit_contest(event_id, accept=payload.accept, note=payload.note, actor=request.user)
    )


def _complaint(c) -> dict:
    return {
        "id": c.pk,
        "project": c.project.code,
        "description": c.description,
        "channel": c.channel,
        "first_responsible": c.first_responsible.name,
        "current_holder": c.current_holder.name,
        "due_date": c.due_date,
        "status": c.status,
        "steps": [
            {
                "kind": s.kind,
                "from_organisation": s.from_organisation.name if s.from_organisation else None,
                "to_organisation": s.to_organisation.name if s.to_organisation else None,
                "note": s.note,
                "created_at": s.created_at,
            }
            for s in c.steps.all()
        ],
    }


@router.post(
    "/projects/{code}/complaints",
    response={201: ComplaintOut, **ERRORS},
    operation_id="file_complaint",
    summary="File a complaint: the first organisation to receive it answers for it by a deadline",
)
@project_right("complaint.file")
def file_complaint(request: HttpRequest, code: str, payload: ComplaintIn):
    project = get_project(code, user=request.user)
    complaint = actions.file_complaint(project, **payload.dict(), actor=request.user)
    return Status(201, _complaint(queries.get_complaint(complaint.pk, user=request.user)))


@router.get(
    "/complaints/{complaint_id}",
    response={200: ComplaintOut, **ERRORS},
    operation_id="get_complaint",
    summary="A complaint with its timeline",
)
def get_complaint(request: HttpRequest, complaint_id: int):
    return _complaint(queries.get_complaint(complaint_id, user=request.user))


@router.post(
    "/complaints/{complaint_id}/pass",
    response={200: ComplaintOut, **ERRORS},
    operation_id="pass_on_complaint",
    summary="Pass a complaint on to another party of the project, with a record",
)
@right_first(lambda request, *, complaint_id, **_: actions.require_holder(complaint_id, request.user))
def pass_on_complaint(request: HttpRequest, complaint_id: int, payload: PassOnIn):
    actions.pass_on_complaint(complaint_id, **payload.dict(), actor=request.user)
    return _complaint(queries.get_complaint(complaint_id, user=request.user))


@router.post(
    "/complaints/{complaint_id}/answer",
    response={200: ComplaintOut, **ERRORS},
    operation_id="answer_complaint",
    summary="Answer a complaint (its holder)",
)
@right_first(lambda request, *, complaint_id, **_: actions.require_holder(complaint_id, request.user))
def answer_complaint(request: HttpRequest, complaint_id: int, payload: AnswerIn):
    actions.answer_complaint(complaint_id, note=payload.note, actor=request.user)
    return _complaint(queries.get_complaint(complaint_id, user=request.user))


@router.post(
    "/supervision/webhooks",
    response={201: WebhookOut, **ERRORS},
    operation_id="create_webhook",
    summary="Subscribe a URL to a project's events (its owner) or a region's (its department), signed with HMAC-SHA256",
)
def create_webhook(request: HttpRequest, payload: WebhookIn):
    hook = actions.create_webhook(
        url=payload.url, event_types=payload.event_types, project_code=payload.project, actor=request.user
    )
    return Status(
        201,
        {
            "id": hook.pk,
            "url": hook.url,
            "secret": hook.secret,
            "event_types": hook.event_types,
            "project": hook.project.code if hook.project else None,
            "created_at": hook.created_at,
        },
    )


@router.get(
    "/supervision/webhooks",
    response={200: list[WebhookListOut], **ERRORS},
    operation_id="list_webhooks",
    summary="The webhooks the user manages: their department's region's and their projects' (no secrets)",
)
@paginate(Pagination)
def list_webhooks(request: HttpRequest):
    return [
        {
            "id": h.pk,
            "url": h.url,
            "event_types": h.event_types,
            "project": h.project.code if h.project else None,
            "is_active": h.is_active,
            "created_at": h.created_at,
        }
        for h in queries.list_webhooks(user=request.user)
    ]


@router.get(
    "/supervision/webhooks/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    operation_id="list_webhook_deliveries",
    summary="The webhook's delivery log, newest first, with every attempt's response code",
)
@paginate(Pagination)
def list_webhook_deliveries(request: HttpRequest, webhook_id: int):
    return queries.list_deliveries(webhook_id, user=request.user)


@router.post(
    "/supervision/deliveries/{delivery_id}/replay",
    response={201: DeliveryOut, **ERRORS},
    operation_id="replay_webhook_delivery",
    summary="Send a logged delivery's payload again (a new delivery in the log)",
)
@right_first(lambda request, *, delivery_id, **_: queries.get_delivery(delivery_id, user=request.user))
def replay_webhook_delivery(request: HttpRequest, delivery_id: int):
    return Status(201, actions.replay_webhook_delivery(delivery_id, actor=request.user))
