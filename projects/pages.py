"""The register page of a project: the five responsible parties and, where the region runs the
system, the architect in charge, each with their leader's history and letters; and the design
changes with who signed them off for the owner. It calls the same queries as the API."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from plumbline.core.errors import NotFound, PermissionDenied
from plumbline.core.permissions import allowed_roles

from . import queries
from .models import LEADER_TITLE, LetterKind, Party


@login_required
@require_GET
def register_page(request, code: str):
    try:
        project = queries.get_project(code, user=request.user, action="register.view")
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:  # a member whose role may not see the register
        raise DjangoPermissionDenied(exc.detail) from None
    history: dict[str, list] = {}
    for appointment in queries.list_appointments(project, user=request.user):
        history.setdefault(appointment.party, []).append(appointment)
    letters: dict[int, list] = {}
    for requirement in queries.letter_requirements(project):
        letters.setdefault(requirement.appointment.pk, []).append(
            {"kind": LetterKind(requirement.kind).label, "status": requirement.status, "due": requirement.due_date}
        )
    parties = [
        {
            "party": party,
            "label": Party(party).label,
            "title": LEADER_TITLE[party],
            "current": appointment,
            "letters": letters.get(appointment.pk, []) if appointment else [],
            "history": history.get(party, []),
        }
        for party, appointment in queries.current_appointments(project).items()
    ]
    may_read_changes = bool(queries.roles_in(request.user, project) & allowed_roles("design_change.view"))
    return render(
        request,
        "projects/register.html",
        {
            "project": project,
            "parties": parties,
            "region_has_architect_in_charge": queries.region_has_architect_in_charge(project.region_code),
            "design_changes": list(queries.list_design_changes(project, user=request.user))
            if may_read_changes
            else None,
        },
    )
