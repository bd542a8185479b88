"""A project's audit trail, for the housing department and the owner: read it and verify it."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from plumbline.core.audit.log import chain_of, verify_chain
from plumbline.core.audit.models import AuditEvent
from plumbline.core.pagination import Pagination
from projects.queries import get_project

from .schemas import AuditEventOut, ChainReportOut

router = Router(tags=["audit"])
ERRORS = {401: dict, 403: dict, 404: dict}


@router.get(
    "/projects/{code}/audit",
    response={200: list[AuditEventOut], **ERRORS},
    operation_id="list_audit_events",
    summary="The project's audit events, oldest first",
)
@paginate(Pagination)
def list_audit_events(
    request: HttpRequest,
    code: str,
    action: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
):
    """`action`: a dotted name or its first part (`finding`); `actor`: part of their name;
    `since` / `until`: days, inclusive."""
    project = get_project(code, user=request.user, action="audit.read")
    return filter_events(AuditEvent.objects.filter(chain=chain_of(project)), action, actor, since, until)


def filter_events(events, action=None, actor=None, since=None, until=None):
    if action:
        events = events.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if actor:
        events = events.filter(actor_name__icontains=actor)
    if since:
        events = events.filter(created_at__gte=_day_start(since))
    if until:
        events = events.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    return events.order_by("sequence")


def _day_start(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


@router.get(
    "/projects/{code}/audit/verify",
    response={200: ChainReportOut, **ERRORS},
    operation_id="verify_audit_chain",
    summary="Recompute the project's hash chain, compare it with its anchors and name the first broken event",
)
def verify_audit(request: HttpRequest, code: str):
    project = get_project(code, user=request.user, action="audit.read")
    report = verify_chain(chain_of(project))
    return {
        "project": project.code,
        "events": report.events,
        "is_intact": report.is_intact,
        "first_broken_sequence": report.first_broken,
        "reason": report.reason,
        "anchors": report.anchors,
    }
