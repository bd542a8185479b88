"""Every state change of findings: opening one (idempotent by the tablet's UUID), adding photos,
and the rectification moves. Each checks the actor's right, runs in one transaction and writes
one audit event."""

import datetime
import io
import uuid as uuid_module
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bim import queries as bim_queries
from plumbline.audit.log import record_event
from plumbline.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PayloadTooLarge
from plumbline.uploads import HEIC, JPEG, PNG, store_upload
from projects.models import Party, Project
from projects.queries import authorize, current_appointments

from .models import FINDING_MOVES, MOVE_ACTIONS, Category, Finding, FindingPhoto, FindingStep, Severity, StepKind

PHOTO_TYPES = {JPEG, PNG, HEIC}
STEP_OF_MOVE = {
    "submit_rectification": StepKind.RECTIFICATION_SUBMITTED,
    "verify": StepKind.VERIFIED,
    "reject": StepKind.REJECTED,
    "reopen": StepKind.REOPENED,
}
NOTE_REQUIRED = {
    "submit_rectification": "Describe the rectification.",
    "reject": "Say why the rectification is rejected.",
    "reopen": "Say why the finding is reopened.",
}


def _uuid(value, field: str) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a UUID.", field=field) from None


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
    actor,
) -> tuple[Finding, bool]:
    """Record a finding on elements of a model version or on a point of a storey plan.

    Posting the same client UUID again returns the finding it created (created=False), so a
    tablet can replay its queue after losing the network.
    """
    client_uuid = _uuid(client_uuid, "client_uuid")
    existing = Finding.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        if existing.project_id == project.pk and existing.created_by_id == actor.pk:
            return existing, False
        raise Conflict("This client UUID belongs to another finding: generate a new one.", code="uuid_taken")
    authorize(actor, project, "finding.open")
    if category not in Category.values:
        raise InvalidInput(
            f"{category!r} is not a category: use one of {', '.join(Category.values)}.", field="category"
        )
    if severity not in Severity.values:
        raise InvalidInput(f"{severity!r} is not a severity: use minor, major or critical.", field="severity")
    if not (title or "").strip():
        raise InvalidInput("Give the finding a short title.", field="title")
    if due_date is not None and due_date < timezone.localdate():
        raise InvalidInput(f"The due date {due_date} is in the past.", field="due_date")
    global_ids = list(dict.fromkeys(global_ids or []))
    version = None
    if version_id is not None:
        version = bim_queries.get_version(project, version_id, user=actor)
        if version.status != "ready":
            raise InvalidInput(f"Version {version.number} of {version.model.name} is not ready.", field="version_id")
        known = set(version.elements.filter(global_id__in=global_ids).values_list("global_id", flat=True))
        unknown = [g for g in global_ids if g not in known]
        if unknown:
            raise InvalidInput(
                f"Not in version {version.number} of {version.model.name}: {', '.join(unknown)}.", field="global_ids"
            )
        if storey_global_id:
            storey = bim_queries.get_storey(version, storey_global_id)
            if point is not None:
                bounds = bim_queries.storey_bounds(storey)
                x, y = point
                if bounds is None or not (bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]):
                    raise InvalidInput(f"The point ({x:.2f}, {y:.2f}) is outside storey {storey.name}.", field="point")
        elif global_ids:
            storey_global_id = (
                version.elements.filter(global_id=global_ids[0]).values_list("storey__global_id", flat=True).first()
                or ""
            )
    if not global_ids and point is None:
        raise InvalidInput(
            "Pin the finding to at least one element or to a point on a storey plan.", field="global_ids"
        )
    if (global_ids or point is not None) and version is None:
        raise InvalidInput("Name the model version the elements or the point belong to.", field="version_id")
    if point is not None and not storey_global_id:
        raise InvalidInput("Name the storey the point is on.", field="storey_global_id")
    if responsible_party not in Party.values:
        raise InvalidInput(f"{responsible_party!r} is not one of the five parties.", field="responsible_party")
    appointment = current_appointments(project)[responsible_party]
    if appointment is None:
        raise InvalidInput(
            f"Nobody is appointed as {Party(responsible_party).label} on this project.", field="responsible_party"
        )
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
            },
        )
    return finding, True


def add_finding_photo(
    project: Project,
    *,
    finding_id: int,
    client_uuid,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> tuple[FindingPhoto, bool]:
    """Attach a photo (JPEG, PNG or HEIC by content); the same client UUID returns the first upload."""
    from . import tasks

    client_uuid = _uuid(client_uuid, "client_uuid")
    existing = FindingPhoto.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        if existing.finding.project_id == project.pk and existing.finding_id == finding_id:
            return existing, False
        raise Conflict("This client UUID belongs to another photo: generate a new one.", code="uuid_taken")
    authorize(actor, project, "finding.photo")
    finding = Finding.objects.filter(project=project, pk=finding_id).first()
    if finding is None:
        raise NotFound(f"No finding {finding_id} in project {project.code}.")
    stored = store_upload(stream, allowed=PHOTO_TYPES, max_bytes=settings.PHOTO_MAX_BYTES, what="The photo", size=size)
    with transaction.atomic():
        photo = FindingPhoto(finding=finding, client_uuid=client_uuid)
        photo.set_stored(stored, original_name=original_name, uploaded_by=actor)
        photo.save()
        record_event(
            "finding.photo_added",
            actor=actor,
            project=project,
            target=finding,
            changes={"photo": [None, stored.sha256]},
        )
        transaction.on_commit(lambda: tasks.make_thumbnail.delay(photo.pk))
    return photo, True


def move_finding(project: Project, *, finding_id: int, verb: str, note: str = "", actor) -> Finding:
    """submit_rectification (contractor), verify / reject / reopen (inspectors)."""
    if verb not in FINDING_MOVES:
        raise InvalidInput(f"{verb!r} is not a move of a finding.", field="verb")
    authorize(actor, project, MOVE_ACTIONS[verb])
    note = (note or "").strip()
    with transaction.atomic():
        finding = Finding.objects.select_for_update().filter(project=project, pk=finding_id).first()
        if finding is None:
            raise NotFound(f"No finding {finding_id} in project {project.code}.")
        sources, target = FINDING_MOVES[verb]
        if finding.status not in sources:
            allowed = [v for v, (s, _) in FINDING_MOVES.items() if finding.status in s]
            raise InvalidTransition(
                f"A finding that is {finding.get_status_display()} cannot be moved by {verb}; "
                f"allowed: {', '.join(allowed) or 'nothing'}.",
                allowed=allowed,
            )
        if verb in NOTE_REQUIRED and not note:
            raise InvalidInput(NOTE_REQUIRED[verb], field="note")
        if verb == "submit_rectification":
            since = finding.steps.exclude(kind=StepKind.RECTIFICATION_SUBMITTED).order_by("-created_at").first()
            if not finding.photos.filter(uploaded_by=actor, uploaded_at__gte=since.created_at).exists():
                raise InvalidInput("Add at least one photo of the rectification before submitting it.", field="photos")
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
    return finding


def record_thumbnail(photo_id: int, thumbnail_key: str) -> None:
    """Derived data of a stored photo, not a change anybody made: no audit event."""
    FindingPhoto.objects.filter(pk=photo_id).update(thumbnail_key=thumbnail_key)


def import_bcf(project: Project, *, data: bytes, actor) -> dict:
    """Topics of a BCF file become findings (matched by topic Guid, so importing the same file
    twice changes nothing); GlobalIds are mapped onto the current model versions."""
    from .bcf import BcfError, read_bcf
    from .exchange import comment_guid, finding_fields, map_global_ids

    authorize(actor, project, "finding.open")
    try:
        bcf_version, topics = read_bcf(data)
    except BcfError as exc:
        raise InvalidInput(str(exc), field="file") from None
    stored_snapshots = {}
    for topic in topics:
        for snapshot in topic["snapshots"]:
            try:
                stored_snapshots[(topic["guid"], snapshot["name"])] = store_upload(
                    io.BytesIO(snapshot["data"]),
                    allowed=PHOTO_TYPES,
                    max_bytes=settings.PHOTO_MAX_BYTES,
                    what=f"Snapshot {snapshot['name']}",
                )
            except (InvalidInput, PayloadTooLarge):
                continue  # a snapshot we cannot show is left out; the topic still comes in
    elsewhere = (
        Finding.objects.filter(client_uuid__in=[t["guid"] for t in topics])
        .exclude(project=project)
        .values_list("client_uuid", flat=True)
    )
    if elsewhere:
        raise Conflict(
            f"Topic {elsewhere[0]} is a finding of another project: import it there.", code="topic_elsewhere"
        )
    report = {"bcf_version": bcf_version, "created": [], "updated": [], "unknown_global_ids": []}
    with transaction.atomic():
        for topic in topics:
            fields = finding_fields(topic)
            version, global_ids, missing = map_global_ids(project, topic["global_ids"])
            report["unknown_global_ids"] += missing
            finding = Finding.objects.select_for_update().filter(project=project, client_uuid=topic["guid"]).first()
            if finding is None:
                finding = Finding.objects.create(
                    project=project,
                    client_uuid=topic["guid"],
                    version=version,
                    global_ids=global_ids,
                    storey_global_id=(
                        version.elements.filter(global_id__in=global_ids[:1])
                        .values_list("storey__global_id", flat=True)
                        .first()
                        or ""
                    )
                    if version
                    else "",
                    responsible_party=Party.CONTRACTOR,
                    responsible_appointment=current_appointments(project)[Party.CONTRACTOR],
                    created_by=actor,
                    **fields,
                )
                FindingStep.objects.create(
                    finding=finding,
                    kind=StepKind.OPENED,
                    note=fields["description"],
                    actor=actor,
                    author_name=topic["creation_author"],
                )
                report["created"].append(topic["guid"])
            else:
                changed = {k: v for k, v in fields.items() if getattr(finding, k) != v}
                if changed:
                    for key, value in changed.items():
                        setattr(finding, key, value)
                    finding.save(update_fields=[*changed, "updated_at"])
                    report["updated"].append(topic["guid"])
            known = {comment_guid(finding, s) for s in finding.steps.all()}
            for comment in topic["comments"]:
                if comment["guid"] not in known and comment["text"]:
                    FindingStep.objects.create(
                        finding=finding,
                        kind=StepKind.COMMENT,
                        note=comment["text"],
                        actor=actor,
                        author_name=comment["author"],
                        bcf_guid=comment["guid"],
                    )
                    if topic["guid"] not in report["created"] + report["updated"]:
                        report["updated"].append(topic["guid"])
            for snapshot in topic["snapshots"]:
                stored = stored_snapshots.get((topic["guid"], snapshot["name"]))
                if stored and not finding.photos.filter(sha256=stored.sha256).exists():
                    photo = FindingPhoto(
                        finding=finding,
                        client_uuid=uuid_module.uuid5(uuid_module.UUID(topic["guid"]), f"snapshot-{stored.sha256}"),
                    )
                    photo.set_stored(stored, original_name=snapshot["name"], uploaded_by=actor)
                    photo.save()
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
