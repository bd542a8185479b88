"""The party register on the tablet: the five responsible parties and, where the region runs the
system, the architect in charge, each with their leader's history and the current appointment's
letters (on file, due or overdue) with the form that files a signed one (the contractor's, or any
party's, for its own appointment; the owner's for every one); and the design changes with who
signed them off for the owner. The same queries and actions as the API."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from plumbline.core.errors import InvalidInput, NotFound, PermissionDenied
from plumbline.core.forms import FormState, new_form, submit
from plumbline.core.permissions import allowed_roles
from storage import get_storage

from . import actions, queries
from .dates import parse_iso_date
from .models import LEADER_TITLE, LetterKind, Party


def _project(request, code):
    try:
        return queries.get_project(code, user=request.user, action="register.view")
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


def _register(request, project, form: FormState, form_appointment: int | None = None):
    roles = queries.roles_in(request.user, project)
    may_upload = bool(roles & allowed_roles("letter.upload"))
    me = queries.person_of(request.user)
    storage = get_storage()
    rows = {}
    for requirement in queries.letter_requirements(project):
        appointment = requirement.appointment
        row = rows.setdefault(
            appointment.pk,
            {
                "appointment": appointment,
                "requirements": [],
                "missing": [],
                "may_upload": may_upload and queries.files_letters_of(roles, me, appointment),
            },
        )
        url = ""
        if requirement.letter is not None:
            url = storage.presigned_url(
                requirement.letter.file_key,
                timedelta(seconds=settings.PRESIGNED_URL_SECONDS),
                filename=requirement.letter.original_name or requirement.letter.get_kind_display(),
            )
        else:
            row["missing"].append((requirement.kind, LetterKind(requirement.kind).label))
        row["requirements"].append(
            {"requirement": requirement, "label": LetterKind(requirement.kind).label, "url": url}
        )
    history: dict[str, list] = {}
    for appointment in queries.list_appointments(project, user=request.user):
        history.setdefault(appointment.party, []).append(appointment)
    parties = [
        {
            "party": party,
            "label": Party(party).label,
            "title": LEADER_TITLE[party],
            "current": appointment,
            "row": rows.get(appointment.pk) if appointment else None,
            "history": history.get(party, []),
        }
        for party, appointment in queries.current_appointments(project).items()
    ]
    may_read_changes = bool(roles & allowed_roles("design_change.view"))
    return render(
        request,
        "projects/register.html",
        {
            "project": project,
            "parties": parties,
            "form": form,
            "form_appointment": form_appointment,
            "region_has_architect_in_charge": queries.region_has_architect_in_charge(project.region_code),
            "design_changes": list(queries.list_design_changes(project, user=request.user))
            if may_read_changes
            else None,
        },
        status=form.status,
    )


@login_required
@require_GET
def register_page(request, code: str):
    project = _project(request, code)
    return _register(request, project, new_form())


@login_required
@require_POST
def upload_letter(request, code: str, appointment_id: int):
    project = _project(request, code)
    upload = request.FILES.get("file")

    def file_letter():
        if upload is None:
            raise InvalidInput(gettext("Choose the signed letter's file (PDF, JPEG or PNG)."), field="file")
        return actions.upload_letter(
            project,
            appointment_id=appointment_id,
            kind=request.POST.get("kind", ""),
            signed_on=parse_iso_date(
                request.POST.get("signed_on", ""), field="signed_on", label=gettext("The signing date")
            ),
            stream=upload,
            size=upload.size,
            original_name=upload.name,
            actor=request.user,
        )

    outcome = submit(
        request,
        file_letter,
        done=reverse("register", args=[project.code]),
        success=lambda letter: (
            gettext("%(letter)s of %(leader)s is on file.")
            % {"letter": letter.get_kind_display(), "leader": letter.appointment.leader.name}
        ),
    )
    if not isinstance(outcome, FormState):
        return outcome
    return _register(request, project, outcome, form_appointment=appointment_id)
