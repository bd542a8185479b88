"""Every state change of findings: opening one (idempotent by the tablet's UUID), adding photos,
the rectification moves, BCF import, and checklists (templates, filling, completion). Each checks
the actor's right, runs in one transaction and writes its audit event."""

import datetime
import io
import uuid as uuid_module
from functools import partial
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from bim import queries as bim_queries
from bim.models import ModelVersion
from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PayloadTooLarge, PermissionDenied
from plumbline.core.limits import TEXT_LENGTH, require_fits
from plumbline.core.notifications.actions import notify
from plumbline.core.permissions import Role, allowed_roles
from plumbline.core.uploads import HEIC, JPEG, PNG, store_upload
from projects.models import FIVE_PARTIES, Party, Project, ProjectMembership
from projects.queries import (
    active_membership,
    authorize,
    authorize_any,
    current_appointments,
    current_appointments_of,
    members_of,
    person_of,
    roles_in,
)
from storage import get_storage

from .bcf import BcfError, read_bcf
from .exchange import STATUS_TO_BCF, comment_guid, finding_fields, map_global_ids
from .models import (
    FINDING_MOVES,
    MOVE_ACTIONS,
    OVERDUE_STATUSES,
    PHOTO_ACTIONS,
    AttachmentKind,
    Category,
    Checklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistPhoto,
    ChecklistStatus,
    ChecklistTemplate,
    Finding,
    FindingDocument,
    FindingPhoto,
    FindingSource,
    FindingsReport,
    FindingStatus,
    FindingStep,
    FindingViewpoint,
    ItemResult,
    PhotoKind,
    ReportFormat,
    ReportStatus,
    Severity,
    StepKind,
)

PHOTO_TYPES = {JPEG, PNG, HEIC}
# what an import report says of a part of a BCF file that was not kept (codes of bcf.DROP_REASONS)
DROP_REASONS = {
    "not_in_schema": gettext_lazy("%(file)s holds this, which the BCF schema of its version does not define"),
    "unreferenced_file": gettext_lazy("no topic of the file refers to %(file)s"),
    "missing_file": gettext_lazy("the file names %(file)s, which is not in the ZIP"),
}
STEP_OF_MOVE = {
    "submit_rectification": StepKind.RECTIFICATION_SUBMITTED,
    "verify": StepKind.VERIFIED,
    "reject": StepKind.REJECTED,
    "reopen": StepKind.REOPENED,
}
# how far ahead of the server a tablet's clock may run before its observed_at is refused
OBSERVED_AT_CLOCK_SKEW = datetime.timedelta(minutes=5)
NOTE_REQUIRED = {
    "submit_rectification": gettext_lazy("Describe the rectification."),
    "reject": gettext_lazy("Say why the rectification is rejected."),
    "reopen": gettext_lazy("Say why the finding is reopened."),
}


def _uuid(value, field: str) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except ValueError:
        raise InvalidInput(gettext("%(value)s is not a UUID.") % {"value": repr(value)}, field=field) from None


def _elements_of(project, version_id, global_ids, *, actor):
    """The ready version named and the GlobalIds (deduplicated), each checked to be in it."""
    global_ids = list(dict.fromkeys(global_ids or []))
    if version_id is None:
        return None, global_ids
    version = bim_queries.get_version(project, version_id, user=actor)
    if version.status != "ready":
        raise InvalidInput(
            gettext("Version %(number)s of %(model)s is not ready.")
            % {"number": version.number, "model": version.model.name},
            field="version_id",
        )
    known = set(version.elements.filter(global_id__in=global_ids).values_list("global_id", flat=True))
    unknown = [g for g in global_ids if g not in known]
    if unknown:
        raise InvalidInput(
            gettext("Not in version %(number)s of %(model)s: %(global_ids)s.")
            % {"number": version.number, "model": version.model.name, "global_ids": ", ".join(unknown)},
            field="global_ids",
        )
    return version, global_ids


def _storey_of(version, global_ids) -> str:
    if version is None or not global_ids:
        return ""
    return version.elements.filter(global_id=global_ids[0]).values_list("storey__global_id", flat=True).first() or ""


def _observed_at(project, observed_at):
    """When the finding was seen on site, by the tablet's clock: not in the future (beyond a clock's
    drift) and not before the project existed here; none given means now."""
    now = timezone.now()
    if observed_at is None:
        return now
    if timezone.is_naive(observed_at):
        raise InvalidInput(gettext("Give observed_at with its time zone (ISO 8601)."), field="observed_at")
    if observed_at > now + OBSERVED_AT_CLOCK_SKEW:
        raise InvalidInput(
            gettext("observed_at %(when)s is in the future: check the tablet's clock.")
            % {"when": observed_at.isoformat(timespec="minutes")},
            field="observed_at",
        )
    if observed_at < project.created_at:
        raise InvalidInput(
            gettext("observed_at %(when)s is before the project was created.")
            % {"when": observed_at.isoformat(timespec="minutes")},
            field="observed_at",
        )
    return observed_at


def _replayed(model, client_uuid, *, what: str, **mine):
    """The row of `model` a client UUID already made (a tablet's retry) when it is the caller's
    own, that is has the values `mine` (dotted through relations as `finding__project_id`); None
    when the UUID is new; another's is a conflict."""
    rows = model.objects.filter(client_uuid=client_uuid)
    related = {key.split("__")[0] for key in mine if "__" in key}
    existing = (rows.select_related(*related) if related else rows).first()
    if existing is None:
        return None
    if all(_value_of(existing, key) == value for key, value in mine.items()):
        return existing
    raise Conflict(
        gettext("This client UUID belongs to another %(what)s: generate a new one.") % {"what": what}, code="uuid_taken"
    )


def _value_of(row, path: str):
    for name in path.split("__"):
        row = getattr(row, name)
    return row


def _once(write, replayed):
    """Run `write` (its own transaction, creating a row keyed by a client UUID). When a retry
    with the same UUID got there first (both passed the look-up, the database refused the second
    row), return what the first made, as the look-up would have: (row, created)."""
    try:
        return write(), True
    except IntegrityError:
        existing = replayed()
        if existing is None:
            raise
        return existing, False


def open_finding(
    project: Project,
    *,
    client_uuid,
    category: str,
    severity: str,
    title: str,
    description: str = "",
    version_id: int | None = None,
    global_ids: list[str] | None = None,
    storey_global_id: str = "",
    point: tuple[float, float] | None = None,
    responsible_party: str = Party.CONTRACTOR,
    due_date: datetime.date | None = None,
    observed_at: datetime.datetime | None = None,
    actor,
) -> tuple[Finding, bool]:
    """Record a finding on elements of a model version or on a point of a storey plan.

    Posting the same client UUID again returns the finding it created (created=False), so a
    tablet can replay its queue after losing the network. `observed_at` is when it was seen on
    site (a tablet offline sends it later); `created_at` stays the time it reached the server.
    """
    # before the replay: a UUID says nothing to who may not use it
    source, drawn_membership = _source_of_opening(project, actor)
    require_fits(description, field="description", limit=TEXT_LENGTH, label=gettext("Description"))
    client_uuid = _uuid(client_uuid, "client_uuid")
    replayed = partial(
        _replayed, Finding, client_uuid, what=gettext("finding"), project_id=project.pk, created_by_id=actor.pk
    )
    existing = replayed()
    if existing is not None:
        return existing, False
    if category not in Category.values:
        raise InvalidInput(
            gettext("%(value)s is not a category: use one of %(choices)s.")
            % {"value": repr(category), "choices": ", ".join(Category.values)},
            field="category",
        )
    if severity not in Severity.values:
        raise InvalidInput(
            gettext("%(value)s is not a severity: use minor, major or critical.") % {"value": repr(severity)},
            field="severity",
        )
    if not (title or "").strip():
        raise InvalidInput(gettext("Give the finding a short title."), field="title")
    if due_date is not None and due_date < timezone.localdate():
        raise InvalidInput(gettext("The due date %(date)s is in the past.") % {"date": due_date}, field="due_date")
    observed_at = _observed_at(project, observed_at)
    version, global_ids = _elements_of(project, version_id, global_ids, actor=actor)
    if version is not None:
        if storey_global_id:
            storey = bim_queries.get_storey(version, storey_global_id)
            if point is not None:
                bounds = bim_queries.storey_bounds(storey)
                x, y = point
                if bounds is None or not (bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]):
                    raise InvalidInput(
                        gettext("The point (%(x)s, %(y)s) is outside storey %(storey)s.")
                        % {"x": f"{x:.2f}", "y": f"{y:.2f}", "storey": storey.name},
                        field="point",
                    )
        elif global_ids:
            storey_global_id = _storey_of(version, global_ids)
    if not global_ids and point is None:
        raise InvalidInput(
            gettext("Pin the finding to at least one element or to a point on a storey plan."), field="global_ids"
        )
    if (global_ids or point is not None) and version is None:
        raise InvalidInput(gettext("Name the model version the elements or the point belong to."), field="version_id")
    if point is not None and not storey_global_id:
        raise InvalidInput(gettext("Name the storey the point is on."), field="storey_global_id")
    if responsible_party not in FIVE_PARTIES:
        raise InvalidInput(
            gettext("%(value)s is not one of the five parties.") % {"value": repr(responsible_party)},
            field="responsible_party",
        )
    appointment = current_appointments(project)[responsible_party]
    if appointment is None:
        raise InvalidInput(
            gettext("Nobody is appointed as %(party)s on this project.") % {"party": Party(responsible_party).label},
            field="responsible_party",
        )

    def write():
        with transaction.atomic():
            finding = Finding.objects.create(
                project=project,
                client_uuid=client_uuid,
                version=version,
                global_ids=global_ids,
                storey_global_id=storey_global_id,
                point_x=point[0] if point else None,
                point_y=point[1] if point else None,
                category=category,
                severity=severity,
                title=title.strip()[:200],
                description=description or "",
                responsible_party=responsible_party,
                responsible_appointment=appointment,
                due_date=due_date,
                observed_at=observed_at,
                source=source,
                supervision_membership=drawn_membership,
                created_by=actor,
            )
            FindingStep.objects.create(finding=finding, kind=StepKind.OPENED, note=description or "", actor=actor)
            record_event(
                "finding.opened",
                actor=actor,
                project=project,
                target=finding,
                changes={
                    "title": [None, finding.title],
                    "severity": [None, severity],
                    "category": [None, category],
                    "global_ids": [None, global_ids],
                    "responsible": [None, appointment.leader.name],
                    "due_date": [None, due_date],
                    "observed_at": [None, observed_at.isoformat()],
                    "source": [None, source],
                },
            )
        return finding

    return _once(write, replayed)


def _source_of_opening(project: Project, actor) -> tuple[str, ProjectMembership | None]:
    """Which finding the actor opens: a site finding when they hold finding.open; else, when the
    housing department's draw sent them here (finding.open_supervision), a supervision finding
    under their drawn membership. Anyone else: authorize's 404 / 403."""
    roles = authorize_any(actor, project, ("finding.open", "finding.open_supervision"))
    if roles & allowed_roles("finding.open"):
        return FindingSource.SITE, None
    membership = (
        ProjectMembership.objects.filter(
            active_membership(), project=project, person=person_of(actor), role=Role.DRAWN_INSPECTOR
        )
        .order_by("-started_at")
        .first()
    )
    return FindingSource.SUPERVISION, membership


def add_finding_photo(
    project: Project,
    *,
    finding_id: int,
    client_uuid,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    kind: str | None = None,
    marks_up=None,
    actor,
) -> tuple[FindingPhoto, bool]:
    """Attach a photo (JPEG, PNG or HEIC by content); the same client UUID returns the first upload.
    `kind` is what it shows (defect or rectification; default by who uploads it, see _photo_kind).
    `marks_up`, the client UUID of a photo of the same finding, makes this one that photo with
    arrows and circles drawn on it: both are kept, the marked-up one is shown first."""
    from . import tasks

    authorize_any(actor, project, tuple(PHOTO_ACTIONS.values()))
    client_uuid = _uuid(client_uuid, "client_uuid")
    replayed = partial(
        _replayed,
        FindingPhoto,
        client_uuid,
        what=gettext("photo"),
        finding__project_id=project.pk,
        finding_id=finding_id,
    )
    existing = replayed()
    if existing is not None:
        return existing, False
    kind = _photo_kind(project, kind, actor)
    finding = Finding.objects.filter(project=project, pk=finding_id).first()
    if finding is None:
        raise NotFound(gettext("No finding %(id)s in project %(code)s.") % {"id": finding_id, "code": project.code})
    authorize(actor, project, PHOTO_ACTIONS[finding.source])  # a drawn inspector: supervision findings only
    original = None
    if marks_up:
        original = FindingPhoto.objects.filter(finding=finding, client_uuid=_uuid(marks_up, "marks_up")).first()
        if original is None:
            raise InvalidInput(
                gettext("The photo this one marks up is not on finding %(id)s: send the original first.")
                % {"id": finding.pk},
                field="marks_up",
            )
    stored = store_upload(
        stream, allowed=PHOTO_TYPES, max_bytes=settings.PHOTO_MAX_BYTES, what=gettext("The photo"), size=size
    )

    def write():
        with transaction.atomic():
            photo = FindingPhoto(finding=finding, client_uuid=client_uuid, kind=kind, marks_up=original)
            photo.set_stored(stored, original_name=original_name, uploaded_by=actor)
            photo.save()
            changes = {"photo": [None, stored.sha256], "kind": [None, kind]}
            if original is not None:
                changes["marks_up"] = [None, original.sha256]
            record_event("finding.photo_added", actor=actor, project=project, target=finding, changes=changes)
            transaction.on_commit(lambda: tasks.make_thumbnail.delay(photo.pk))
        return photo

    return _once(write, replayed)


def _locked_finding(project: Project, finding_id: int) -> Finding:
    """The project's finding, locked for the caller's transaction, or NotFound."""
    finding = Finding.objects.select_for_update().filter(project=project, pk=finding_id).first()
    if finding is None:
        raise NotFound(gettext("No finding %(id)s in project %(code)s.") % {"id": finding_id, "code": project.code})
    return finding


def move_finding(project: Project, *, finding_id: int, verb: str, note: str = "", actor) -> Finding:
    """submit_rectification (contractor), verify / reject / reopen (inspectors)."""
    if verb not in FINDING_MOVES:
        raise InvalidInput(gettext("%(value)s is not a move of a finding.") % {"value": repr(verb)}, field="verb")
    authorize(actor, project, MOVE_ACTIONS[verb])
    note = require_fits((note or "").strip(), field="note", limit=TEXT_LENGTH, label=gettext("Note"))
    with transaction.atomic():
        finding = _locked_finding(project, finding_id)
        sources, target = FINDING_MOVES[verb]
        if finding.status not in sources:
            allowed = [v for v, (s, _) in FINDING_MOVES.items() if finding.status in s]
            raise InvalidTransition(
                gettext("A finding that is %(status)s cannot be moved by %(verb)s; allowed: %(allowed)s.")
                % {
                    "status": finding.get_status_display(),
                    "verb": verb,
                    "allowed": ", ".join(allowed) or gettext("nothing"),
                },
                allowed=allowed,
            )
        if verb in NOTE_REQUIRED and not note:
            raise InvalidInput(NOTE_REQUIRED[verb], field="note")
        if verb == "submit_rectification":
            since = (  # the last move (a comment, from a BCF import say, does not reset the photos)
                finding.steps.exclude(kind__in=[StepKind.RECTIFICATION_SUBMITTED, StepKind.COMMENT])
                .order_by("-created_at")
                .first()
            )
            if not finding.photos.filter(uploaded_by=actor, uploaded_at__gte=since.created_at).exists():
                raise InvalidInput(
                    gettext("Add at least one photo of the rectification before submitting it."), field="photos"
                )
        old = finding.status
        finding.status = target
        finding.save(update_fields=["status", "updated_at"])
        FindingStep.objects.create(finding=finding, kind=STEP_OF_MOVE[verb], note=note, actor=actor)
        record_event(
            f"finding.{STEP_OF_MOVE[verb]}",
            actor=actor,
            project=project,
            target=finding,
            changes={"status": [old, target], "note": [None, note or None]},
        )
        if verb == "reject":
            _notify_rejected(project, finding, note, actor=actor)
    return finding


def record_settlement(project: Project, *, finding_id: int, note: str, closes: bool, actor) -> Finding:
    """What another record settled about a finding (the failed material batch it was opened for
    was returned, passed its retest or was treated), written on the finding by an inspector: when
    it `closes` the cause (a passed retest: the material was sound), an open finding or one
    awaiting verification is closed with the note; otherwise the note is a comment on its
    timeline and the finding waits for its rectification as before. Closed already: left closed."""
    authorize(actor, project, "finding.verify")
    with transaction.atomic():
        finding = _locked_finding(project, finding_id)
        if finding.status == FindingStatus.CLOSED:
            return finding
        if not closes:
            FindingStep.objects.create(finding=finding, kind=StepKind.COMMENT, note=note, actor=actor)
            record_event(
                "finding.comment", actor=actor, project=project, target=finding, changes={"note": [None, note]}
            )
            return finding
        old = finding.status
        finding.status = FindingStatus.CLOSED
        finding.save(update_fields=["status", "updated_at"])
        FindingStep.objects.create(finding=finding, kind=StepKind.VERIFIED, note=note, actor=actor)
        record_event(
            "finding.verified",
            actor=actor,
            project=project,
            target=finding,
            changes={"status": [old, FindingStatus.CLOSED], "note": [None, note]},
        )
    return finding


# --- assigning findings to people, and the notices they get ------------------------------------


def _photo_kind(project: Project, kind: str | None, actor) -> str:
    """What a photo shows. Unsaid: a rectification when its uploader rectifies findings and does
    not open them (contractor staff), else the defect."""
    if kind:
        if kind not in PhotoKind.values:
            raise InvalidInput(
                gettext("%(value)s is not a kind of photo: use defect or rectification.") % {"value": repr(kind)},
                field="kind",
            )
        return kind
    roles = roles_in(actor, project)
    rectifies = roles & allowed_roles("finding.rectify") and not roles & allowed_roles("finding.open")
    return PhotoKind.RECTIFICATION if rectifies else PhotoKind.DEFECT


def assign_finding(project: Project, *, finding_id: int, person_id: int | None, actor) -> Finding:
    """Give a finding to one person of the responsible party's organisation working on this
    project (person_id None takes it back from whoever has it); they get a notice and an email.

    Inspectors assign any finding; contractor staff only findings their own organisation is
    responsible for. A closed finding is not assigned (reopen it first). Assigning it to whom it
    is assigned to already changes nothing."""
    authorize(actor, project, "finding.assign")
    with transaction.atomic():
        finding = _locked_finding(project, finding_id)
        appointment = finding.responsible_appointment
        _may_assign(project, finding, actor)
        if finding.status == FindingStatus.CLOSED:
            raise InvalidTransition(
                gettext("Finding #%(id)s is closed: reopen it before assigning it.") % {"id": finding.pk}, allowed=[]
            )
        person = None
        if person_id is not None:
            person = members_of(project, appointment.organisation_id).filter(pk=person_id).first()
            if person is None:
                raise InvalidInput(
                    gettext(
                        "Person %(id)s does not work on this project for %(organisation)s, the responsible "
                        "%(party)s: assign the finding to one of its people here."
                    )
                    % {
                        "id": person_id,
                        "organisation": appointment.organisation.name,
                        "party": Party(appointment.party).label,
                    },
                    field="person_id",
                )
        old = finding.assignee
        if (old.pk if old else None) == (person.pk if person else None):
            return finding
        finding.assignee = person
        finding.save(update_fields=["assignee", "updated_at"])
        FindingStep.objects.create(
            finding=finding, kind=StepKind.ASSIGNED, note=person.name if person else "", actor=actor
        )
        record_event(
            "finding.assigned",
            actor=actor,
            project=project,
            target=finding,
            changes={"assignee": [old.name if old else None, person.name if person else None]},
        )
        if person is not None:
            with translation.override(settings.LANGUAGE_CODE):  # the assignee reads it, not the actor
                title = gettext("Finding #%(id)s is assigned to you: %(title)s") % {
                    "id": finding.pk,
                    "title": finding.title,
                }
                body = _finding_summary(project, finding, actor)
            notify(
                person.user,
                kind="finding.assigned",
                title=title,
                body=body,
                link=_finding_link(project, finding),
                project=project,
                actor=actor,
            )
    return finding


def _may_assign(project: Project, finding: Finding, actor) -> None:
    """Inspectors assign any finding; contractor staff only those of their own organisation."""
    if finding.responsible_appointment_id is None:
        raise InvalidInput(
            gettext("Finding #%(id)s has no responsible party appointed: nobody can be assigned to it.")
            % {"id": finding.pk},
            field="person_id",
        )
    if roles_in(actor, project) & (allowed_roles("finding.assign") - {Role.CONTRACTOR}):
        return
    me = person_of(actor)
    organisation_id = finding.responsible_appointment.organisation_id
    if me is None or not members_of(project, organisation_id).filter(pk=me.pk).exists():
        raise PermissionDenied(
            gettext("You may assign only findings your own organisation is responsible for (finding #%(id)s is not).")
            % {"id": finding.pk}
        )


def _finding_link(project: Project, finding: Finding) -> str:
    return reverse("finding", args=[project.code, finding.pk])


def _finding_summary(project: Project, finding: Finding, actor=None) -> str:
    """One line about a finding for a notice, in the active language."""
    parts = [project.name, finding.get_severity_display(), finding.get_category_display()]
    if finding.due_date:
        parts.append(gettext("due %(date)s") % {"date": finding.due_date.isoformat()})
    if actor is not None:
        who = person_of(actor)
        parts.append(gettext("by %(name)s") % {"name": who.name if who else actor.get_username()})
    return " · ".join(str(p) for p in parts)


def _notify_rejected(project: Project, finding: Finding, note: str, *, actor) -> None:
    """A rejected rectification is news for the finding's assignee and whoever submitted it."""
    submitted = finding.steps.filter(kind=StepKind.RECTIFICATION_SUBMITTED).order_by("-created_at", "-pk").first()
    recipients = {p.user for p in [finding.assignee] if p is not None}
    if submitted is not None:
        recipients.add(submitted.actor)
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Rectification of finding #%(id)s rejected: %(title)s") % {
            "id": finding.pk,
            "title": finding.title,
        }
        body = "\n".join([_finding_summary(project, finding, actor), note])
    for user in sorted(recipients, key=lambda u: u.pk):
        notify(
            user,
            kind="finding.rejected",
            title=title,
            body=body,
            link=_finding_link(project, finding),
            project=project,
            actor=actor,
        )


def notify_overdue_findings(*, today: datetime.date | None = None) -> int:
    """The daily notice of findings still waiting for their rectification after their due date:
    to each one's assignee, else the responsible party's leader. Once per finding per day
    however often it runs (the notice's key names the day); the platform's own doing, so no
    actor and no right. How many findings are overdue today."""
    today = today or timezone.localdate()
    overdue = (
        Finding.objects.filter(status__in=OVERDUE_STATUSES, due_date__lt=today)
        .select_related("project", "assignee__user")
        .order_by("pk")
    )
    count = 0
    for chunk in _chunks(overdue.iterator(chunk_size=500), 500):
        for finding, person in _overdue_recipients(chunk):
            with translation.override(settings.LANGUAGE_CODE):
                title = gettext("Finding #%(id)s is overdue: %(title)s") % {"id": finding.pk, "title": finding.title}
                body = _finding_summary(finding.project, finding)
            with transaction.atomic():
                notify(
                    person.user,
                    kind="finding.overdue",
                    title=title,
                    body=body,
                    link=_finding_link(finding.project, finding),
                    project=finding.project,
                    key=f"finding.overdue:{finding.pk}:{today.isoformat()}",
                )
            count += 1
    return count


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _overdue_recipients(findings: list[Finding]):
    """(finding, person) for whom its overdue notice is: the assignee while they still work on the
    project, else the current leader of the party responsible (an assignee who left, or a leader
    replaced since the finding was opened, gets nothing); findings with neither are left out. Two
    queries for the chunk, not two per finding."""
    project_ids = {f.project_id for f in findings}
    working = set(
        ProjectMembership.objects.filter(
            active_membership(),
            project_id__in=project_ids,
            person_id__in={f.assignee_id for f in findings if f.assignee_id},
        ).values_list("project_id", "person_id")
    )
    current = current_appointments_of(project_ids)
    for finding in findings:
        if finding.assignee_id and (finding.project_id, finding.assignee_id) in working:
            yield finding, finding.assignee
            continue
        appointment = current[finding.project_id].get(finding.responsible_party)
        if appointment is not None and appointment.leader.user_id:
            yield finding, appointment.leader


def record_thumbnail(photo_id: int, thumbnail_key: str) -> None:
    """Derived data of a stored photo, not a change anybody made: no audit event."""
    FindingPhoto.objects.filter(pk=photo_id).update(thumbnail_key=thumbnail_key)


def _bcf_status_move(project, finding: Finding, status: str, actor) -> tuple[str, str]:
    """Apply a status a BCF file gives a known finding as the workflow move that leads there, made
    by the importer (with its step, as from the page): (step kind, "") when applied, or ("", why
    not). A file cannot close a finding nobody rectified, nor stand in for the contractor's photos.
    The caller writes the finding's one audit event."""
    verb = next(
        (v for v, (sources, target) in FINDING_MOVES.items() if finding.status in sources and target == status), None
    )
    if verb is None:
        return "", gettext("a finding that is %(status)s does not become %(target)s in one move") % {
            "status": finding.status,
            "target": status,
        }
    if verb == "submit_rectification":
        return "", gettext("a rectification is submitted by the contractor with photos, not by a file")
    if not roles_in(actor, project) & allowed_roles(MOVE_ACTIONS[verb]):
        return "", gettext("the importer may not %(verb)s findings") % {"verb": verb}
    finding.status = status
    finding.save(update_fields=["status", "updated_at"])
    FindingStep.objects.create(finding=finding, kind=STEP_OF_MOVE[verb], note="BCF import", actor=actor)
    return STEP_OF_MOVE[verb], ""


def _bcf_tool(bcf_version: str, file_name: str) -> str:
    """What the history names as the place a BCF author wrote in: BCF files do not say which
    tool wrote them, so the file and its version stand for it."""
    tool = f"BCF {bcf_version}"
    return f"{tool} ({file_name[:150]})" if file_name else tool


def _bcf_creation_date(value) -> datetime.datetime:
    """A topic's CreationDate is when the other tool's user raised it: the finding's observed_at
    (a missing or unreadable one: now)."""
    from django.utils.dateparse import parse_datetime

    try:
        when = parse_datetime(value or "")
    except ValueError:
        when = None
    if when is None:
        return timezone.now()
    return when if timezone.is_aware(when) else timezone.make_aware(when, datetime.UTC)


def import_bcf(project: Project, *, data: bytes, file_name: str = "", actor) -> dict:
    """Topics of a BCF file become findings (matched by topic Guid, so importing the same file
    twice changes nothing); GlobalIds are mapped onto the current model versions.

    A file is not a way around the workflow: a new topic becomes an open finding whatever status
    the file gives it (reported in status_not_applied), a known one moves only as its importer
    may move it, and the history shows the importer as the one who acted, with the file's authors
    kept as who wrote each text where. Each finding created or changed gets one audit event with
    its changes {field: [old, new]}. In three steps: the file is parsed, its snapshots stored,
    then each topic applied, all topics in one transaction."""
    authorize(actor, project, "finding.open")
    package = _parse_bcf(data)
    bcf_version, topics = package.version, package.topics
    tool = _bcf_tool(bcf_version, file_name)
    dropped = [
        {
            "topic": d["topic"],
            "what": d["what"],
            "why": str(DROP_REASONS[d["reason"]]) % {"file": d["file"]},
        }
        for d in package.dropped
    ]
    snapshots = _store_snapshots(topics, dropped)
    _refuse_topics_of_other_projects(project, topics)
    report = {
        "bcf_version": bcf_version,
        "created": [],
        "updated": [],
        "unknown_global_ids": [],
        "status_not_applied": [],
        "dropped": dropped,
    }
    with transaction.atomic():
        for topic in topics:
            _apply_topic(project, topic, tool=tool, snapshots=snapshots, report=report, actor=actor)
        record_event(
            "bcf.imported",
            actor=actor,
            project=project,
            changes={
                "created": [None, report["created"]],
                "updated": [None, report["updated"]],
                "bcf_version": [None, bcf_version],
            },
        )
    report["unknown_global_ids"] = sorted(set(report["unknown_global_ids"]))
    return report


def _parse_bcf(data: bytes):
    """The file's BCF package; a file that is not BCF is invalid input."""
    try:
        return read_bcf(data)
    except BcfError as exc:
        raise InvalidInput(str(exc), field="file") from None


def _store_snapshots(topics: list[dict], dropped: list[dict]) -> dict:
    """Each topic's snapshots stored as photos: {(topic guid, snapshot name): stored file}. A
    snapshot we cannot show is left out, and listed in `dropped` with why; its topic still comes in."""
    stored = {}
    for topic in topics:
        for snapshot in topic["snapshots"]:
            if (topic["guid"], snapshot["name"]) in stored:
                continue
            try:
                stored[(topic["guid"], snapshot["name"])] = store_upload(
                    io.BytesIO(snapshot["data"]),
                    allowed=PHOTO_TYPES,
                    max_bytes=settings.PHOTO_MAX_BYTES,
                    what=gettext("Snapshot %(name)s") % {"name": snapshot["name"]},
                )
            except (InvalidInput, PayloadTooLarge) as exc:
                dropped.append({"topic": topic["guid"], "what": snapshot["name"], "why": str(exc.detail)})
    return stored


def _refuse_topics_of_other_projects(project: Project, topics: list[dict]) -> None:
    elsewhere = (
        Finding.objects.filter(client_uuid__in=[t["guid"] for t in topics])
        .exclude(project=project)
        .values_list("client_uuid", flat=True)
    )
    if elsewhere:
        raise Conflict(
            gettext("Topic %(guid)s is a finding of another project: import it there.") % {"guid": elsewhere[0]},
            code="topic_elsewhere",
        )


def _apply_topic(project: Project, topic: dict, *, tool: str, snapshots: dict, report: dict, actor) -> None:
    """One topic onto its finding (a new one opened, a known one updated as its importer may),
    with its new comments and snapshots, and the finding's one audit event if anything changed;
    what was done goes into `report`."""
    fields = finding_fields(topic)
    fields["bcf_assignee"] = _member_by_email(project, fields["bcf_assigned_to"])
    status = fields.pop("status")
    version, global_ids, missing = map_global_ids(project, topic["global_ids"])
    report["unknown_global_ids"] += missing
    finding = Finding.objects.select_for_update().filter(project=project, client_uuid=topic["guid"]).first()
    if finding is None:
        fields["unmapped_global_ids"] = missing
        finding, changes = _open_topic(project, topic, fields, version, global_ids, tool=tool, actor=actor)
        action = "finding.opened"
        if status != FindingStatus.OPEN:
            report["status_not_applied"].append(
                {
                    "topic": topic["guid"],
                    "status": status,
                    "why": gettext("a new finding starts open; its status changes only by the workflow"),
                }
            )
        report["created"].append(topic["guid"])
    else:
        action, changes = "finding.updated", {}
        if status != finding.status:
            old = finding.status
            step, refused = _bcf_status_move(project, finding, status, actor)
            if refused:
                report["status_not_applied"].append({"topic": topic["guid"], "status": status, "why": refused})
            else:
                action, changes["status"] = f"finding.{step}", [old, status]
        # GlobalIds no model held when the topic came are mapped once a model that has them has arrived
        grows = set(global_ids) >= set(finding.global_ids) and set(global_ids) != set(finding.global_ids)
        if version is not None and (
            grows or (set(global_ids) >= set(finding.global_ids) and missing != finding.unmapped_global_ids)
        ):
            fields.update(
                version=version,
                global_ids=global_ids,
                unmapped_global_ids=missing,
                storey_global_id=_storey_of(version, global_ids) or finding.storey_global_id,
            )
        changed = {k: v for k, v in fields.items() if getattr(finding, k) != v}
        if changed:
            changes.update({k: [_plain(getattr(finding, k)), _plain(v)] for k, v in changed.items()})
            for key, value in changed.items():
                setattr(finding, key, value)
            finding.save(update_fields=[*changed, "updated_at"])
    comments = _add_topic_comments(finding, topic, tool=tool, actor=actor)
    if comments:
        changes["comments"] = [None, comments]
    photos = _add_topic_snapshots(finding, topic, snapshots, actor=actor)
    if photos:
        changes["photos"] = [None, photos]
    viewpoints = _add_topic_viewpoints(finding, topic, snapshots)
    if viewpoints:
        changes["viewpoints"] = [None, viewpoints]
    documents = _add_topic_documents(finding, topic)
    if documents:
        changes["documents"] = [None, documents]
    if not changes:
        return  # the file says what the finding already says
    changes.setdefault("source", [None, tool])
    if topic["guid"] not in report["created"]:
        report["updated"].append(topic["guid"])
    record_event(action, actor=actor, project=project, target=finding, changes=changes)


def _open_topic(project: Project, topic: dict, fields: dict, version, global_ids, *, tool: str, actor):
    """A topic new to the project as an open finding, the importer its opener and the file's
    author kept as who wrote it where: (finding, its changes for the audit event)."""
    appointment = current_appointments(project)[Party.CONTRACTOR]
    finding = Finding.objects.create(
        project=project,
        client_uuid=topic["guid"],
        version=version,
        global_ids=global_ids,
        storey_global_id=_storey_of(version, global_ids),
        responsible_party=Party.CONTRACTOR,
        responsible_appointment=appointment,
        created_by=actor,
        status=FindingStatus.OPEN,
        observed_at=_bcf_creation_date(topic.get("creation_date")),
        **fields,
    )
    _step_from_file(
        finding, StepKind.OPENED, fields["description"], author=topic["creation_author"], tool=tool, actor=actor
    )
    changes = {} if not finding.unmapped_global_ids else {"unmapped_global_ids": [None, finding.unmapped_global_ids]}
    return finding, {
        **changes,
        "title": [None, finding.title],
        "severity": [None, finding.severity],
        "category": [None, finding.category],
        "status": [None, finding.status],
        "global_ids": [None, global_ids],
        "responsible": [None, appointment.leader.name if appointment else None],
        "source": [None, tool],
        "written_by": [None, topic["creation_author"] or None],
    }


def _step_from_file(
    finding: Finding, kind: str, note: str, *, author: str, tool: str, actor, bcf_guid: str = "", comment=None
):
    """A step of the finding made by the importer (`actor`), with the file's author kept as who
    wrote it in `tool`, and when (a comment's Date)."""
    comment = comment or {}
    return FindingStep.objects.create(
        finding=finding,
        kind=kind,
        note=note,
        actor=actor,
        author_name=author[:200],
        author_tool=tool if author else "",
        bcf_guid=bcf_guid,
        written_at=_bcf_creation_date(comment["date"]) if comment.get("date") else None,
        bcf_extra={
            k: comment[k]
            for k in ("viewpoint_guid", "modified_date", "modified_author", "status", "verbal_status", "reply_to")
            if comment.get(k)
        },
    )


def _plain(value):
    """A value as the audit log stores it (dates as ISO text, users by id)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return getattr(value, "pk", value)


def _member_by_email(project: Project, email: str):
    """The project member a BCF AssignedTo names by e-mail, or None (the text is kept)."""
    if not email or "@" not in email:
        return None
    membership = (
        ProjectMembership.objects.filter(
            active_membership(), project=project, person__user__email__iexact=email.strip()
        )
        .select_related("person__user")
        .first()
    )
    return membership.person.user if membership else None


def _add_topic_comments(finding: Finding, topic: dict, *, tool: str, actor) -> list[str]:
    """The topic's comments the finding does not have yet, as comment steps; their texts."""
    known = {comment_guid(finding, s) for s in finding.steps.all()}
    added = []
    for comment in topic["comments"]:
        if comment["guid"] not in known and comment["text"]:
            _step_from_file(
                finding,
                StepKind.COMMENT,
                comment["text"],
                author=comment["author"],
                tool=tool,
                actor=actor,
                bcf_guid=comment["guid"],
                comment=comment,
            )
            added.append(comment["text"])
    return added


def _add_topic_snapshots(finding: Finding, topic: dict, snapshots: dict, *, actor) -> list[str]:
    """The topic's stored snapshots the finding does not have yet, as photos; their sha256."""
    added = []
    for snapshot in topic["snapshots"]:
        stored = snapshots.get((topic["guid"], snapshot["name"]))
        if stored and not finding.photos.filter(sha256=stored.sha256).exists():
            photo = FindingPhoto(
                finding=finding,
                client_uuid=uuid_module.uuid5(uuid_module.UUID(topic["guid"]), f"snapshot-{stored.sha256}"),
            )
            photo.set_stored(stored, original_name=snapshot["name"], uploaded_by=actor)
            photo.save()
            added.append(stored.sha256)
    return added


def _add_topic_viewpoints(finding: Finding, topic: dict, snapshots: dict) -> list[str]:
    """The topic's viewpoints the finding does not have yet (camera, components, lines, clipping
    planes as the file gives them), each linked to its stored snapshot; their Guids."""
    known = {str(g) for g in finding.viewpoints.values_list("guid", flat=True)}
    added = []
    for viewpoint in topic["viewpoints"]:
        if not viewpoint.get("guid") or viewpoint["guid"].lower() in known:
            continue
        snapshot = viewpoint.get("snapshot")
        stored = snapshots.get((topic["guid"], snapshot["name"])) if snapshot else None
        photo = finding.photos.filter(sha256=stored.sha256).first() if stored else None
        data = {k: v for k, v in viewpoint.items() if k not in ("snapshot", "guid", "index")}
        for bitmap in data.get("bitmaps", []):
            bitmap.pop("data", None)
        FindingViewpoint.objects.create(
            finding=finding, guid=viewpoint["guid"], index=viewpoint.get("index"), data=data, snapshot=photo
        )
        known.add(viewpoint["guid"].lower())
        added.append(viewpoint["guid"])
    return added


def _add_topic_documents(finding: Finding, topic: dict) -> list[str]:
    """The topic's document references (links, or files stored with the finding), and the files
    kept only to be exported again (viewpoint bitmaps, its BIM snippet, a header's model file)."""
    storage = get_storage()
    known = {str(g) for g in finding.documents.values_list("guid", flat=True)}
    base = uuid_module.UUID(topic["guid"])
    items = []
    for reference in topic["document_references"]:
        document = reference.get("document") or {}
        items.append(
            (
                reference["guid"],
                AttachmentKind.DOCUMENT,
                reference.get("url", ""),
                reference.get("description", ""),
                document.get("filename", ""),
                document.get("data"),
            )
        )
    for viewpoint in topic["viewpoints"]:
        for bitmap in viewpoint.get("bitmaps", []):
            if bitmap.get("data") is not None:
                guid = str(uuid_module.uuid5(base, f"bitmap-{bitmap['reference']}"))
                items.append((guid, AttachmentKind.BITMAP, "", "", bitmap["reference"], bitmap["data"]))
    snippet = topic.get("bim_snippet") or {}
    if snippet.get("data") is not None:
        items.append(
            (
                str(uuid_module.uuid5(base, "snippet")),
                AttachmentKind.SNIPPET,
                "",
                "",
                snippet["reference"],
                snippet["data"],
            )
        )
    for header in topic.get("header_files", []):
        if header.get("data") is not None:
            guid = str(uuid_module.uuid5(base, f"model-{header['reference']}"))
            items.append((guid, AttachmentKind.MODEL, "", "", header["reference"], header["data"]))
    added = []
    for guid, kind, url, description, name, data in items:
        if guid.lower() in known:
            continue
        row = FindingDocument(
            finding=finding, guid=guid, kind=kind, url=url[:2000], description=description, file_name=name[:255]
        )
        if data is not None:
            stored = storage.put(io.BytesIO(data), "application/octet-stream")
            row.file_key, row.sha256, row.size = stored.key, stored.sha256, stored.size
        row.save()
        known.add(guid.lower())
        added.append(url or name)
    return added


# --- checklists -------------------------------------------------------------------------------

MAX_CHECKLIST_ITEMS = 200


def create_checklist_template(
    project: Project, *, name: str, category: str, items: list[dict], description: str = "", actor
) -> ChecklistTemplate:
    """A project's checklist: ordered items, each checked pass / fail / n.a., some needing a photo."""
    authorize(actor, project, "checklist.manage")
    name = (name or "").strip()
    if not name:
        raise InvalidInput(gettext("Give the checklist a name."), field="name")
    if category not in Category.values:
        raise InvalidInput(
            gettext("%(value)s is not a category: use one of %(choices)s.")
            % {"value": repr(category), "choices": ", ".join(Category.values)},
            field="category",
        )
    if not items:
        raise InvalidInput(gettext("A checklist needs at least one item."), field="items")
    if len(items) > MAX_CHECKLIST_ITEMS:
        raise InvalidInput(
            gettext("A checklist has at most %(count)d items.") % {"count": MAX_CHECKLIST_ITEMS}, field="items"
        )
    for position, item in enumerate(items, start=1):
        if not (item.get("text") or "").strip():
            raise InvalidInput(gettext("Item %(position)s has no text.") % {"position": position}, field="items")
        if len(item["text"].strip()) > 500:
            raise InvalidInput(
                gettext("Item %(position)s is longer than 500 characters.") % {"position": position}, field="items"
            )
    name_taken = Conflict(
        gettext("This project already has a checklist called %(name)s.") % {"name": repr(name)}, code="name_taken"
    )
    with transaction.atomic():
        if ChecklistTemplate.objects.filter(project=project, name=name).exists():
            raise name_taken
        try:
            with transaction.atomic():  # another person saving the same name at the same moment
                template = ChecklistTemplate.objects.create(
                    project=project, name=name, description=description or "", category=category, created_by=actor
                )
        except IntegrityError:
            raise name_taken from None
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=template,
                position=position,
                text=item["text"].strip(),
                photo_required=bool(item.get("photo_required")),
            )
            for position, item in enumerate(items, start=1)
        )
        record_event(
            "checklist_template.created",
            actor=actor,
            project=project,
            target=template,
            changes={"name": [None, name], "items": [None, [i["text"].strip() for i in items]]},
        )
    return template


def _checklist(project, checklist_id, *, lock=False) -> Checklist:
    rows = Checklist.objects.filter(project=project, pk=checklist_id).select_related("template")
    checklist = (rows.select_for_update(of=("self",)) if lock else rows).first()
    if checklist is None:
        raise NotFound(gettext("No checklist %(id)s in project %(code)s.") % {"id": checklist_id, "code": project.code})
    return checklist


def _item(checklist, item_id) -> ChecklistItem:
    item = ChecklistItem.objects.filter(template_id=checklist.template_id, pk=item_id).first()
    if item is None:
        raise InvalidInput(
            gettext("Item %(id)s is not on the checklist %(name)s.") % {"id": item_id, "name": checklist.template.name},
            field="item_id",
        )
    return item


def _still_open(checklist) -> None:
    if checklist.status == ChecklistStatus.COMPLETED:
        raise InvalidTransition(
            gettext("Checklist %(id)s is completed: it can no longer change (its failures are findings now).")
            % {"id": checklist.pk},
            allowed=[],
        )


def start_checklist(
    project: Project,
    *,
    client_uuid,
    template_id: int,
    location: str = "",
    version_id: int | None = None,
    global_ids: list[str] | None = None,
    actor,
) -> tuple[Checklist, bool]:
    """Begin filling a template on site; the same client UUID returns the checklist it started."""
    authorize(actor, project, "checklist.fill")
    client_uuid = _uuid(client_uuid, "client_uuid")
    replayed = partial(
        _replayed, Checklist, client_uuid, what=gettext("checklist"), project_id=project.pk, created_by_id=actor.pk
    )
    existing = replayed()
    if existing is not None:
        return existing, False
    template = ChecklistTemplate.objects.filter(project=project, pk=template_id).first()
    if template is None:
        raise NotFound(
            gettext("No checklist template %(id)s in project %(code)s.") % {"id": template_id, "code": project.code}
        )
    version, global_ids = _elements_of(project, version_id, global_ids, actor=actor)
    if global_ids and version is None:
        raise InvalidInput(gettext("Name the model version the elements belong to."), field="version_id")
    location = (location or "").strip()[:200]
    if not global_ids and not location:
        raise InvalidInput(
            gettext("Say where the checklist is filled: elements of the model or a location."), field="location"
        )

    def write():
        with transaction.atomic():
            checklist = Checklist.objects.create(
                project=project,
                template=template,
                client_uuid=client_uuid,
                location=location,
                version=version,
                global_ids=global_ids,
                storey_global_id=_storey_of(version, global_ids),
                created_by=actor,
            )
            record_event(
                "checklist.started",
                actor=actor,
                project=project,
                target=checklist,
                changes={
                    "template": [None, template.name],
                    "location": [None, location],
                    "global_ids": [None, global_ids],
                },
            )
        return checklist

    return _once(write, replayed)


def answer_checklist_item(
    project: Project, *, checklist_id: int, item_id: int, result: str, note: str = "", severity: str = "", actor
) -> ChecklistAnswer:
    """Record (or change, while the checklist is open) one item's result. A failure needs a note:
    it becomes a finding's description when the checklist is completed."""
    authorize(actor, project, "checklist.fill")
    if result not in ItemResult.values:
        raise InvalidInput(
            gettext("%(value)s is not a result: use pass, fail or na.") % {"value": repr(result)}, field="result"
        )
    note = require_fits((note or "").strip(), field="note", limit=TEXT_LENGTH, label=gettext("Note"))
    severity = severity or (Severity.MAJOR if result == ItemResult.FAIL else "")
    if severity and severity not in Severity.values:
        raise InvalidInput(
            gettext("%(value)s is not a severity: use minor, major or critical.") % {"value": repr(severity)},
            field="severity",
        )
    if result == ItemResult.FAIL and not note:
        raise InvalidInput(gettext("Say what failed: the note becomes the finding's description."), field="note")
    if result != ItemResult.FAIL:
        severity = ""
    with transaction.atomic():
        checklist = _checklist(project, checklist_id, lock=True)
        _still_open(checklist)
        item = _item(checklist, item_id)
        answer = ChecklistAnswer.objects.filter(checklist=checklist, item=item).first()
        old = (answer.result, answer.note, answer.severity) if answer else (None, None, None)
        if old == (result, note, severity):
            return answer  # the tablet sent it again: nothing changes
        if answer is None:
            answer = ChecklistAnswer(checklist=checklist, item=item)
        answer.result, answer.note, answer.severity, answer.answered_by = result, note, severity, actor
        answer.save()
        record_event(
            "checklist.item_answered",
            actor=actor,
            project=project,
            target=checklist,
            changes={"item": [None, item.position], "result": [old[0], result], "note": [old[1], note or None]},
        )
    return answer


def add_checklist_photo(
    project: Project,
    *,
    checklist_id: int,
    item_id: int,
    client_uuid,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> tuple[ChecklistPhoto, bool]:
    """A photo of one item (JPEG, PNG or HEIC by content); the same client UUID returns the first."""
    authorize(actor, project, "checklist.fill")
    client_uuid = _uuid(client_uuid, "client_uuid")
    replayed = partial(
        _replayed,
        ChecklistPhoto,
        client_uuid,
        what=gettext("photo"),
        checklist__project_id=project.pk,
        checklist_id=checklist_id,
    )
    existing = replayed()
    if existing is not None:
        return existing, False
    checklist = _checklist(project, checklist_id)
    _still_open(checklist)
    item = _item(checklist, item_id)
    stored = store_upload(
        stream, allowed=PHOTO_TYPES, max_bytes=settings.PHOTO_MAX_BYTES, what=gettext("The photo"), size=size
    )

    def write():
        with transaction.atomic():
            checklist = _checklist(project, checklist_id, lock=True)
            _still_open(checklist)
            photo = ChecklistPhoto(checklist=checklist, item=item, client_uuid=client_uuid)
            photo.set_stored(stored, original_name=original_name, uploaded_by=actor)
            photo.save()
            record_event(
                "checklist.photo_added",
                actor=actor,
                project=project,
                target=checklist,
                changes={"item": [None, item.position], "photo": [None, stored.sha256]},
            )
        return photo

    return _once(write, replayed)


def complete_checklist(project: Project, *, checklist_id: int, actor) -> Checklist:
    """Sign the checklist off: every item answered, photos where required; each failed item
    becomes a finding linked to the checklist, for the contractor to rectify. Completing a
    completed checklist again changes nothing (a tablet's retry)."""
    from . import tasks

    authorize(actor, project, "checklist.fill")
    with transaction.atomic():
        checklist = _checklist(project, checklist_id, lock=True)
        if checklist.status == ChecklistStatus.COMPLETED:
            return checklist
        items = list(checklist.template.items.all())
        answers = {a.item_id: a for a in checklist.answers.all()}
        unanswered = [str(i.position) for i in items if i.pk not in answers]
        if unanswered:
            raise InvalidInput(
                gettext("Items without an answer: %(items)s.") % {"items": ", ".join(unanswered)}, field="answers"
            )
        photographed = set(checklist.photos.values_list("item_id", flat=True))
        missing = [
            str(i.position)
            for i in items
            if i.photo_required and answers[i.pk].result != ItemResult.NOT_APPLICABLE and i.pk not in photographed
        ]
        if missing:
            raise InvalidInput(
                gettext("Items that need a photo: %(items)s.") % {"items": ", ".join(missing)}, field="photos"
            )
        failed = [i for i in items if answers[i.pk].result == ItemResult.FAIL]
        appointment = current_appointments(project)[Party.CONTRACTOR]
        if failed and appointment is None:
            raise InvalidInput(gettext("No contractor is appointed to rectify the failed items."), field="answers")
        opened, new_photos = [], []
        for item in failed:
            answer = answers[item.pk]
            finding = Finding.objects.create(
                project=project,
                client_uuid=uuid_module.uuid5(checklist.client_uuid, f"item-{item.pk}"),
                version=checklist.version,
                global_ids=checklist.global_ids,
                storey_global_id=checklist.storey_global_id,
                category=checklist.template.category,
                severity=answer.severity or Severity.MAJOR,
                title=f"{checklist.template.name}: {item.text}"[:200],
                description=answer.note,
                responsible_party=Party.CONTRACTOR,
                responsible_appointment=appointment,
                checklist=checklist,
                observed_at=answer.answered_at,
                created_by=actor,
            )
            FindingStep.objects.create(finding=finding, kind=StepKind.OPENED, note=answer.note, actor=actor)
            for photo in checklist.photos.filter(item=item):
                copy = FindingPhoto(
                    finding=finding, client_uuid=uuid_module.uuid5(photo.client_uuid, f"finding-{finding.pk}")
                )
                for field in ("file_key", "sha256", "size", "content_type", "original_name", "uploaded_by"):
                    setattr(copy, field, getattr(photo, field))  # the same stored file, not a second upload
                copy.save()
                new_photos.append(copy.pk)
            answer.finding = finding
            answer.save(update_fields=["finding"])
            record_event(
                "finding.opened",
                actor=actor,
                project=project,
                target=finding,
                changes={
                    "title": [None, finding.title],
                    "severity": [None, finding.severity],
                    "checklist": [None, checklist.pk],
                    "global_ids": [None, finding.global_ids],
                    "responsible": [None, appointment.leader.name],
                },
            )
            opened.append(finding.pk)
        checklist.status = ChecklistStatus.COMPLETED
        checklist.completed_by, checklist.completed_at = actor, timezone.now()
        checklist.save(update_fields=["status", "completed_by", "completed_at"])
        record_event(
            "checklist.completed",
            actor=actor,
            project=project,
            target=checklist,
            changes={
                "status": [ChecklistStatus.IN_PROGRESS, ChecklistStatus.COMPLETED],
                "failed_items": [None, [i.position for i in failed]],
                "findings": [None, opened],
            },
        )
        for photo_id in new_photos:
            transaction.on_commit(lambda photo_id=photo_id: tasks.make_thumbnail.delay(photo_id))
    return checklist


# --- findings reports -------------------------------------------------------------------------


def export_findings_report(project: Project, *, format: str, filters: dict | None = None, actor) -> FindingsReport:
    """Ask for a findings report (PDF or XLSX) of the findings the list shows with `filters`;
    a task makes it, in the requester's language, with progress on the report's row."""
    from . import report, tasks

    authorize(actor, project, "finding.export")
    if format not in ReportFormat.values:
        raise InvalidInput(
            gettext("%(value)s is not a report format: use pdf or xlsx.") % {"value": repr(format)}, field="format"
        )
    filters = report.report_filters(filters)
    with transaction.atomic():
        findings_report = FindingsReport.objects.create(
            project=project,
            requested_by=actor,
            format=format,
            filters=filters,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        record_event(
            "findings_report.requested",
            actor=actor,
            project=project,
            target=findings_report,
            changes={"format": [None, format], "filters": [None, filters]},
        )
        transaction.on_commit(lambda: tasks.build_findings_report.delay(findings_report.pk))
    return findings_report


def start_findings_report(report_id: int) -> FindingsReport | None:
    """The task takes the report up (again, after a lost worker); None when it is made or failed."""
    with transaction.atomic():
        findings_report = FindingsReport.objects.select_for_update().filter(pk=report_id).first()
        if findings_report is None or findings_report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return None
        findings_report.status, findings_report.progress_done, findings_report.error = ReportStatus.RUNNING, 0, ""
        findings_report.save(update_fields=["status", "progress_done", "error"])
    return findings_report


def record_report_progress(report_id: int, done: int, total: int) -> None:
    """How far the task is: derived data of the run, not a change anybody made (no audit event)."""
    FindingsReport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        progress_done=done, progress_total=total
    )


def finish_findings_report(report_id: int, *, stored, finding_count: int) -> FindingsReport:
    """The report's file is stored: the report is ready to download."""
    with transaction.atomic():
        findings_report = FindingsReport.objects.select_for_update().select_related("project").get(pk=report_id)
        if findings_report.status == ReportStatus.DONE:
            return findings_report
        old = findings_report.status
        findings_report.status = ReportStatus.DONE
        findings_report.file_key, findings_report.sha256, findings_report.size = stored.key, stored.sha256, stored.size
        findings_report.finding_count = finding_count
        findings_report.progress_done = findings_report.progress_total = max(findings_report.progress_total, 1)
        findings_report.finished_at = timezone.now()
        findings_report.save()
        record_event(
            "findings_report.ready",
            actor=None,
            project=findings_report.project,
            target=findings_report,
            changes={
                "status": [old, ReportStatus.DONE],
                "sha256": [None, stored.sha256],
                "findings": [None, finding_count],
            },
        )
    return findings_report


def fail_findings_report(report_id: int, *, error: str) -> FindingsReport:
    """The report could not be made: the reason is kept on its row for the requester to read."""
    with transaction.atomic():
        findings_report = FindingsReport.objects.select_for_update().select_related("project").get(pk=report_id)
        if findings_report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return findings_report
        old = findings_report.status
        findings_report.status, findings_report.error = ReportStatus.FAILED, error[:2000]
        findings_report.finished_at = timezone.now()
        findings_report.save(update_fields=["status", "error", "finished_at"])
        record_event(
            "findings_report.failed",
            actor=None,
            project=findings_report.project,
            target=findings_report,
            changes={"status": [old, ReportStatus.FAILED], "error": [None, findings_report.error]},
        )
    return findings_report


# --- BCF-API 3.0 ------------------------------------------------------------------------------


def save_bcf_topic(project: Project, *, topic: dict, tool: str, actor, strict: bool = False) -> tuple[Finding, dict]:
    """A topic a BCF-API client posts or changes, applied as a topic of an imported file is: a new
    one opens as an open finding, a known one moves only as its user may move it, comments,
    viewpoints and documents are added, and the finding gets its one audit event.

    `strict` (a change the client asked for by name): a status the workflow does not allow is a
    409 and a snapshot that cannot be kept a 422, and nothing changes. (finding, report)."""
    authorize(actor, project, "finding.open")
    dropped: list[dict] = []
    topic = {**topic, "snapshots": topic.get("snapshots", [])}
    snapshots = _store_snapshots([topic], dropped)
    if strict and dropped:
        raise InvalidInput(dropped[0]["why"], field="snapshot")
    _refuse_topics_of_other_projects(project, [topic])
    report = {"created": [], "updated": [], "unknown_global_ids": [], "status_not_applied": [], "dropped": dropped}
    with transaction.atomic():
        existed = Finding.objects.filter(project=project, client_uuid=topic["guid"]).exists()
        _apply_topic(project, topic, tool=tool, snapshots=snapshots, report=report, actor=actor)
        if strict and existed and report["status_not_applied"]:
            refused = report["status_not_applied"][0]
            finding = Finding.objects.get(project=project, client_uuid=topic["guid"])
            raise InvalidTransition(
                gettext("The topic keeps its status: %(why)s.") % {"why": refused["why"]},
                allowed=[STATUS_TO_BCF[s] for s in _reachable(finding, actor)],
            )
    return Finding.objects.get(project=project, client_uuid=topic["guid"]), report


def map_unmapped_global_ids(version_id: int, *, actor=None) -> list[Finding]:
    """GlobalIds of BCF topics that no model held when they came in, mapped onto a version that
    now holds them (following accepted remaps): each finding changed gets its audit event. A
    finding already on another model's elements keeps the ids waiting (a finding is on one model).
    Run by the platform when a version is ready (actor None); running it again changes nothing."""
    version = ModelVersion.objects.select_related("model__project").filter(pk=version_id, status="ready").first()
    if version is None:
        return []
    project = version.model.project
    changed = []
    with transaction.atomic():
        waiting = (
            Finding.objects.select_for_update(of=("self",)).filter(project=project).exclude(unmapped_global_ids=[])
        )
        for finding in waiting.select_related("version"):
            if finding.global_ids and finding.version_id and finding.version.model_id != version.model_id:
                continue
            found = {g: bim_queries.follow_global_id(version, g) for g in finding.unmapped_global_ids}
            hits = [f for f in found.values() if f]
            if not hits:
                continue
            old = {"global_ids": finding.global_ids, "unmapped_global_ids": finding.unmapped_global_ids}
            followed = [bim_queries.follow_global_id(version, g) or g for g in finding.global_ids]
            finding.version = version
            finding.global_ids = list(dict.fromkeys([*followed, *hits]))
            finding.unmapped_global_ids = [g for g, f in found.items() if not f]
            finding.storey_global_id = _storey_of(version, finding.global_ids) or finding.storey_global_id
            finding.save(
                update_fields=["version", "global_ids", "unmapped_global_ids", "storey_global_id", "updated_at"]
            )
            record_event(
                "finding.global_ids_mapped",
                actor=actor,
                project=project,
                target=finding,
                changes={
                    "version": [None, version.pk],
                    "global_ids": [old["global_ids"], finding.global_ids],
                    "unmapped_global_ids": [old["unmapped_global_ids"], finding.unmapped_global_ids],
                },
            )
            changed.append(finding)
    return changed


def _reachable(finding: Finding, actor) -> list[str]:
    roles = roles_in(actor, finding.project)
    return [
        target
        for verb, (sources, target) in FINDING_MOVES.items()
        if finding.status in sources and verb != "submit_rectification" and roles & allowed_roles(MOVE_ACTIONS[verb])
    ]
