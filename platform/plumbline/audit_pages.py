"""A project's audit trail in the browser, for the housing department and the owner: its events
filtered by actor, action and date, and the chain verified, the first broken event shown."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from plumbline.core.audit.log import chain_of, verify_chain
from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import NotFound, PermissionDenied
from projects.queries import get_project

from .audit_api import filter_events

PAGE_SIZE = 50


def _day(value: str):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


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
    events = filter_events(
        AuditEvent.objects.filter(chain=chain_of(project)),
        filters["action"],
        filters["actor"],
        _day(filters["since"]),
        _day(filters["until"]),
    )
    report = verify_chain(chain_of(project)) if request.GET.get("verify") else None
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    broken = None
    if report is not None and report.first_broken is not None:
        broken = AuditEvent.objects.filter(chain=chain_of(project), sequence=report.first_broken).first()
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(
        request,
        "audit.html",
        {"project": project, "page": page, "filters": filters, "report": report, "broken": broken, "query": query},
    )
