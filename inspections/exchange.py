"""Findings to and from BCF: which finding fields become which topic fields, both ways."""

import uuid

from bim.models import ModelVersion
from bim.queries import follow_global_id
from storage import get_storage

from .models import Category, Finding, FindingStatus, Severity, StepKind

STATUS_TO_BCF = {
    FindingStatus.OPEN: "Open",
    FindingStatus.RECTIFICATION_SUBMITTED: "Resolved",
    FindingStatus.CLOSED: "Closed",
}
STATUS_FROM_BCF = {
    "open": FindingStatus.OPEN,
    "active": FindingStatus.OPEN,
    "reopened": FindingStatus.OPEN,
    "in progress": FindingStatus.OPEN,
    "resolved": FindingStatus.RECTIFICATION_SUBMITTED,
    "closed": FindingStatus.CLOSED,
    "done": FindingStatus.CLOSED,
}
SNAPSHOT_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg"}
PRIORITY_TO_BCF = {Severity.MINOR: "Minor", Severity.MAJOR: "Major", Severity.CRITICAL: "Critical"}
PRIORITY_FROM_BCF = {
    "minor": Severity.MINOR,
    "low": Severity.MINOR,
    "normal": Severity.MINOR,
    "major": Severity.MAJOR,
    "high": Severity.MAJOR,
    "critical": Severity.CRITICAL,
}


def _name(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def comment_guid(finding: Finding, step) -> str:
    return step.bcf_guid or str(uuid.uuid5(uuid.UUID(str(finding.client_uuid)), f"step-{step.pk}"))


def topic_of(finding: Finding) -> dict:
    storage = get_storage()
    snapshots = []
    for photo in finding.photos.all():
        extension = SNAPSHOT_EXTENSIONS.get(photo.content_type)
        if extension is None:
            continue  # BCF snapshots are PNG or JPEG: a HEIC original stays in Plumbline
        with storage.open(photo.file_key) as handle:
            snapshots.append({"name": f"{photo.sha256[:12]}{extension}", "data": handle.read()})
    return {
        "guid": str(finding.client_uuid),
        "title": finding.title,
        "status": STATUS_TO_BCF[finding.status],
        "priority": PRIORITY_TO_BCF[finding.severity],
        "labels": [finding.category],
        "description": finding.description,
        # when it was seen on site (a tablet offline may have sent it hours later)
        "creation_date": (finding.observed_at or finding.created_at).isoformat(),
        # who wrote the topic: an imported one keeps its author from the other tool
        "creation_author": next(
            (s.author_name for s in finding.steps.all() if s.kind == StepKind.OPENED and s.author_name),
            _name(finding.created_by),
        ),
        # xs:dateTime in both BCF versions: the end of the due day
        "due_date": f"{finding.due_date.isoformat()}T23:59:59" if finding.due_date else None,
        "global_ids": finding.global_ids,
        "comments": [
            {
                "guid": comment_guid(finding, step),
                "date": step.created_at.isoformat(),
                "author": step.author_name or _name(step.actor),
                "text": step.note,
            }
            for step in finding.steps.all()
            if step.note and not (step.kind == StepKind.OPENED and step.note == finding.description)
        ],
        "snapshots": snapshots,
    }


def finding_fields(topic: dict) -> dict:
    labels = [label.lower() for label in topic["labels"]]
    return {
        "title": (topic["title"] or "(untitled BCF topic)")[:200],
        "description": topic["description"],
        "status": STATUS_FROM_BCF.get(topic["status"].lower(), FindingStatus.OPEN),
        "severity": PRIORITY_FROM_BCF.get((topic["priority"] or "").lower(), Severity.MINOR),
        "category": next((label for label in labels if label in Category.values), Category.OTHER),
    }


def map_global_ids(project, global_ids: list[str]) -> tuple[ModelVersion | None, list[str], list[str]]:
    """The current version that knows these GlobalIds (following accepted remaps), the mapped ids
    and the ids no current version has."""
    latest = {}
    for version in ModelVersion.objects.filter(model__project=project, status="ready").order_by("model_id", "-number"):
        latest.setdefault(version.model_id, version)
    best, mapped, missing = None, [], list(global_ids)
    for version in latest.values():
        found = [follow_global_id(version, g) for g in global_ids]
        hits = [g for g in found if g]
        if len(hits) > len(mapped):
            best, mapped = version, hits
            missing = [g for g, f in zip(global_ids, found, strict=True) if not f]
    return best, mapped, missing


def findings_for_export(project):
    return (
        Finding.objects.filter(project=project)
        .select_related("created_by")
        .prefetch_related("steps__actor", "photos")
        .order_by("created_at")
    )


def export_bcf(project, *, version: str = "2.1") -> bytes:
    from .bcf import write_bcf

    return write_bcf(
        [topic_of(f) for f in findings_for_export(project)],
        version=version,
        project_name=project.name,
        project_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"plumbline:{project.code}")),
    )
