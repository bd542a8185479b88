"""A project's audit trail in the browser, for the housing department and the owner: its events
in words (action labels, who, what changed) filtered by actor, action and date, and the chain
verified, the first broken event shown."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from plumbline.core.audit.log import SYSTEM_ACTOR_NAME, chain_of, verify_chain
from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import NotFound, PermissionDenied
from projects.queries import get_project

from .audit_api import filter_events
from .audit_details import describe_changes
from .audit_labels import action_label

PAGE_SIZE = 50


def _day(value: str, errors: list[str]):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        errors.append(gettext("%(value)s is not a date: use YYYY-MM-DD.") % {"value": value})
        return None


def list_actions(chain) -> list[tuple[str, str]]:
    """The distinct actions of a chain, by their words: one row per action from the database
    (the events' default ordering cleared, or DISTINCT would keep one row per event)."""
    codes = chain.order_by().values_list("action", flat=True).distinct()
    return sorted(((code, action_label(code)) for code in codes), key=lambda pair: (pair[1], pair[0]))


@login_required
@require_GET
def audit_page(request, code: str):
    try:
        project = get_project(code, user=request.user, action="audit.read")
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
    filters = {name: request.GET.get(name, "").strip() for name in ("actor", "action", "since", "until")}
    errors: list[str] = []
    since, until = _day(filters["since"], errors), _day(filters["until"], errors)
    if since and until and since > until:
        errors.append(gettext("The start date is after the end date."))
    chain = AuditEvent.objects.filter(chain=chain_of(project))
    events = chain.none() if errors else filter_events(chain, filters["action"], filters["actor"], since, until)
    actions = list_actions(chain)
    report = verify_chain(chain_of(project)) if request.GET.get("verify") else None
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    system = gettext("Plumbline (system)")
    for event in page:
        event.label = action_label(event.action)
        event.actor_label = (
            system if event.actor_id is None and event.actor_name == SYSTEM_ACTOR_NAME else event.actor_name
        )
        event.details = describe_changes(event.action, event.target_type, event.changes)
    broken = None
    if report is not None and report.first_broken is not None:
        broken = AuditEvent.objects.filter(chain=chain_of(project), sequence=report.first_broken).first()
        if broken is not None:
            broken.label = action_label(broken.action)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "audit.html",
        {
            "project": project,
            "page": page,
            "filters": filters,
            "actions": actions,
            "errors": errors,
            "report": report,
            "broken": broken,
            "query": query,
        },
        status=400 if errors else 200,
    )
