"""Findings to and from BCF: which finding fields become which topic fields, both ways."""

import io
import math
import uuid

from bim.models import Element, ModelVersion, Storey
from bim.queries import follow_global_id
from storage import get_storage

from .models import Category, Finding, FindingSource, FindingStatus, Severity, StepKind

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
PRIORITY_TO_BCF = {Severity.MINOR: "Minor", Severity.MAJOR: "Major", Severity.CRITICAL: "Critical"}
PRIORITY_FROM_BCF = {
    "minor": Severity.MINOR,
    "low": Severity.MINOR,
    "normal": Severity.MINOR,
    "major": Severity.MAJOR,
    "high": Severity.MAJOR,
    "critical": Severity.CRITICAL,
}


SNAPSHOT_MAX_PIXELS = 1500  # the longest side of a snapshot in an export
TOPIC_TYPE = "Issue"
FIELD_OF_VIEW = 60.0


def _name(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def comment_guid(finding: Finding, step) -> str:
    return step.bcf_guid or str(uuid.uuid5(uuid.UUID(str(finding.client_uuid)), f"step-{step.pk}"))


def snapshot_image(data: bytes, *, as_png: bool) -> tuple[bytes, str] | None:
    """A photo as a BCF snapshot: at most SNAPSHOT_MAX_PIXELS on its longest side, PNG (or JPEG
    kept as JPEG when `as_png` is false; HEIC becomes PNG); None for an image that cannot be decoded."""
    from PIL import Image, UnidentifiedImageError
    from pillow_heif import register_heif_opener

    register_heif_opener()  # tablets' HEIC photos, converted: BCF snapshots are PNG or JPEG
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError):
        return None
    keep_jpeg = image.format == "JPEG" and not as_png
    if max(image.size) <= SNAPSHOT_MAX_PIXELS and (image.format == "PNG" or keep_jpeg):
        return data, ".jpg" if keep_jpeg else ".png"
    image.thumbnail((SNAPSHOT_MAX_PIXELS, SNAPSHOT_MAX_PIXELS))
    out = io.BytesIO()
    if keep_jpeg:
        image.convert("RGB").save(out, "JPEG", quality=88)
        return out.getvalue(), ".jpg"
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), ".png"


def _bounds(finding: Finding):
    """(min corner, max corner) in project coordinates and metres of what the finding is on:
    its elements' bounds, or 3 m around its plan point on its storey; None if neither is known."""
    if finding.version_id and finding.global_ids:
        rows = Element.objects.filter(version_id=finding.version_id, global_id__in=finding.global_ids).exclude(
            min_x=None
        )
        boxes = list(rows.values_list("min_x", "min_y", "z_min", "max_x", "max_y", "z_max"))
        if boxes:
            low = [min(b[i] if b[i] is not None else 0.0 for b in boxes) for i in range(3)]
            high = [max(b[i + 3] if b[i + 3] is not None else low[i] for b in boxes) for i in range(3)]
            return low, high
    if finding.point_x is not None and finding.point_y is not None:
        storey = (
            Storey.objects.filter(version_id=finding.version_id, global_id=finding.storey_global_id).first()
            if finding.version_id
            else None
        )
        z = (storey.elevation if storey and storey.elevation is not None else 0.0) + 1.5
        return [finding.point_x - 1.5, finding.point_y - 1.5, z - 1.5], [
            finding.point_x + 1.5,
            finding.point_y + 1.5,
            z + 1.5,
        ]
    return None


def camera_for(bounds) -> dict:
    """A perspective camera looking down at the middle of `bounds` from the south-west, far
    enough back for the whole box to fit a 60 degree field of view."""
    low, high = bounds
    centre = [(a + b) / 2 for a, b in zip(low, high, strict=True)]
    size = max(math.dist(low, high), 1.0)
    distance = size / (2 * math.tan(math.radians(FIELD_OF_VIEW / 2))) * 1.2 + 1.0
    direction = [1 / math.sqrt(3), 1 / math.sqrt(3), -1 / math.sqrt(3)]
    eye = [c - d * distance for c, d in zip(centre, direction, strict=True)]
    up = [1 / math.sqrt(6), 1 / math.sqrt(6), 2 / math.sqrt(6)]  # perpendicular to direction, z up

    def xyz(v):
        return {"x": round(v[0], 6), "y": round(v[1], 6), "z": round(v[2], 6)}

    return {
        "camera_view_point": xyz(eye),
        "camera_direction": xyz(direction),
        "camera_up_vector": xyz(up),
        "field_of_view": FIELD_OF_VIEW,
        "aspect_ratio": 4 / 3,
    }


def _selection(global_ids: list[str]) -> dict:
    return {"selection": [{"ifc_guid": g} for g in global_ids]} if global_ids else {}


def _read(key: str) -> bytes:
    with get_storage().open(key) as handle:
        return handle.read()


def _snapshot(photo, *, as_png: bool) -> dict | None:
    if photo is None:
        return None
    image = snapshot_image(_read(photo.file_key), as_png=as_png)
    if image is None:
        return None  # an image nothing here decodes stays in Plumbline only
    return {"name": f"{photo.sha256[:12]}{image[1]}", "data": image[0]}


def _viewpoints(finding: Finding, version: str, documents: list[dict]) -> list[dict]:
    """The finding's viewpoints for a file of `version`: those a BCF file brought (their camera
    and components as they came), then one per other photo; in 3.0, where the schema requires a
    camera, a viewpoint gets one from the finding's elements or plan point, and a photo with no
    camera to give goes in as a document instead. No placeholder for a finding with nothing to show."""
    bounds = _bounds(finding)
    camera = camera_for(bounds) if bounds else None
    out, used = [], set()
    for stored in finding.viewpoints.all():
        data = {k: v for k, v in stored.data.items() if k not in ("snapshot",)}
        data["guid"] = str(stored.guid)
        if stored.index is not None:
            data["index"] = stored.index
        for bitmap in data.get("bitmaps", []):
            document = next(
                (d for d in finding.documents.all() if d.kind == "bitmap" and d.file_name == bitmap["reference"]), None
            )
            bitmap["data"] = _read(document.file_key) if document else None
        data["bitmaps"] = [b for b in data.get("bitmaps", []) if b.get("data") is not None]
        if stored.snapshot_id:
            used.add(stored.snapshot_id)
        snapshot = _snapshot(stored.snapshot, as_png=version == "2.1" and not out)
        if version == "3.0" and not (data.get("perspective_camera") or data.get("orthogonal_camera")):
            if camera is None:
                if snapshot:
                    documents.append(_photo_document(finding, stored.snapshot, snapshot))
                continue
            data["perspective_camera"] = camera
        if snapshot:
            data["snapshot"] = snapshot
        out.append(data)
    for photo in finding.photos.all():
        if photo.pk in used:
            continue
        snapshot = _snapshot(photo, as_png=version == "2.1" and not out)
        if snapshot is None:
            continue
        if version == "3.0" and camera is None:
            documents.append(_photo_document(finding, photo, snapshot))
            continue
        guid = str(uuid.uuid5(uuid.UUID(str(finding.client_uuid)), f"photo-{photo.sha256}"))
        view = {"guid": guid, "components": _selection(finding.global_ids), "snapshot": snapshot}
        if camera:
            view["perspective_camera"] = camera
        out.append(view)
    if not out and (finding.global_ids or bounds) and (version == "2.1" or camera):
        view = {
            "guid": str(uuid.uuid5(uuid.UUID(str(finding.client_uuid)), "viewpoint")),
            "components": _selection(finding.global_ids),
        }
        if camera:
            view["perspective_camera"] = camera
        out.append(view)
    for view in out:
        if not view.get("components") and finding.global_ids:
            view["components"] = _selection(finding.global_ids)
    return out


def _photo_document(finding, photo, snapshot) -> dict:
    guid = str(uuid.uuid5(uuid.UUID(str(finding.client_uuid)), f"document-{photo.sha256}"))
    return {
        "guid": guid,
        "filename": snapshot["name"],
        "description": photo.original_name or "",
        "data": snapshot["data"],
    }


def topic_of(finding: Finding, version: str = "2.1", *, with_files: bool = True) -> dict:
    """The finding as a topic for a BCF file of `version`. Without files (what the BCF-API lists),
    no viewpoints, documents or snippet bytes are read from storage."""
    extra = finding.bcf_extra or {}
    photo_documents: list[dict] = []
    viewpoints = _viewpoints(finding, version, photo_documents) if with_files else []
    references = []
    for document in finding.documents.all():
        if document.kind != "document" or not (with_files or document.url):
            continue
        if document.url:
            references.append({"guid": str(document.guid), "url": document.url, "description": document.description})
        else:
            references.append(
                {
                    "guid": str(document.guid),
                    "description": document.description,
                    "document": {
                        "guid": str(document.guid),
                        "filename": document.file_name,
                        "description": document.description,
                        "data": _read(document.file_key),
                    },
                }
            )
    for document in photo_documents:
        references.append({"guid": document["guid"], "description": document["description"], "document": document})
    header_files = []
    for item in extra.get("header_files", []):
        item = dict(item)
        stored = next(
            (d for d in finding.documents.all() if d.kind == "model" and d.file_name == item.get("reference")), None
        )
        if not item.get("is_external", True) and stored is None:
            item["is_external"] = True  # the file itself is not in this export: its name still says which model
        header_files.append(item)
    snippet = dict(extra["bim_snippet"]) if extra.get("bim_snippet") else None
    if snippet and not snippet.get("is_external") and with_files:
        stored = next((d for d in finding.documents.all() if d.kind == "snippet"), None)
        if stored:
            snippet["data"] = _read(stored.file_key)
        else:
            snippet["is_external"] = True
    labels = [] if extra.get("no_labels") else list(finding.bcf_labels) or [finding.category]
    if finding.source == FindingSource.SUPERVISION and FindingSource.SUPERVISION not in labels:
        labels.append(FindingSource.SUPERVISION.value)  # the department's inspection, for the other tool
    return {
        "guid": str(finding.client_uuid),
        "server_assigned_id": str(finding.pk),
        "title": finding.title,
        "status": STATUS_TO_BCF[finding.status],
        "topic_type": finding.bcf_topic_type or TOPIC_TYPE,
        "priority": finding.bcf_priority or PRIORITY_TO_BCF[finding.severity],
        "labels": labels,
        "description": finding.description,
        "stage": finding.bcf_stage,
        "index": extra.get("index"),
        # when it was seen on site (a tablet offline may have sent it hours later)
        "creation_date": (finding.observed_at or finding.created_at).isoformat(),
        # who wrote the topic: an imported one keeps its author from the other tool
        "creation_author": next(
            (s.author_name for s in finding.steps.all() if s.kind == StepKind.OPENED and s.author_name),
            _name(finding.created_by),
        ),
        "modified_date": extra.get("modified_date") or "",
        "modified_author": extra.get("modified_author") or "",
        # xs:dateTime in both BCF versions: the end of the due day
        "due_date": extra.get("due_date") or (f"{finding.due_date.isoformat()}T23:59:59" if finding.due_date else None),
        "assigned_to": finding.bcf_assigned_to or (finding.bcf_assignee.email if finding.bcf_assignee_id else ""),
        "reference_links": extra.get("reference_links", []),
        "related_topics": list(finding.bcf_related_topics),
        "header_files": header_files,
        "bim_snippet": snippet,
        "document_references": references,
        "documents": [r["document"] for r in references if r.get("document")] if version == "3.0" else [],
        "global_ids": finding.global_ids + list(finding.unmapped_global_ids),
        "comments": [
            {
                "guid": comment_guid(finding, step),
                "date": (step.written_at or step.created_at).isoformat(),
                "author": step.author_name or _name(step.actor),
                "text": step.note,
                "viewpoint_guid": (step.bcf_extra or {}).get("viewpoint_guid", ""),
                "modified_date": (step.bcf_extra or {}).get("modified_date", ""),
                "modified_author": (step.bcf_extra or {}).get("modified_author", ""),
            }
            for step in finding.steps.all()
            if step.note and not (step.kind == StepKind.OPENED and step.note == finding.description)
        ],
        "viewpoints": viewpoints,
    }


def _due_date(value: str):
    from django.utils.dateparse import parse_date, parse_datetime

    try:
        when = parse_datetime(value or "") or parse_date((value or "")[:10])
    except ValueError:
        return None
    return when.date() if hasattr(when, "date") else when


def finding_fields(topic: dict) -> dict:
    """The finding's fields from a topic: ours mapped from the topic's, and the topic's own
    values beside them where they say more than ours (blank where ours say the same)."""
    labels = [label.lower() for label in topic["labels"]]
    severity = PRIORITY_FROM_BCF.get((topic["priority"] or "").lower(), Severity.MINOR)
    category = next((label for label in labels if label in Category.values), Category.OTHER)
    due_date = _due_date(topic.get("due_date"))
    extra = {
        "index": topic.get("index"),
        "modified_date": topic.get("modified_date"),
        "modified_author": topic.get("modified_author"),
        "reference_links": topic.get("reference_links"),
        "header_files": [{k: v for k, v in f.items() if k != "data"} for f in topic.get("header_files", [])],
        "bim_snippet": {k: v for k, v in topic["bim_snippet"].items() if k != "data"}
        if topic.get("bim_snippet")
        else None,
        "no_labels": not topic["labels"],  # ours would add the category: the file had none
        "due_date": topic.get("due_date")
        if due_date and topic.get("due_date") != f"{due_date.isoformat()}T23:59:59"
        else None,
    }
    return {
        "title": (topic["title"] or "(untitled BCF topic)")[:200],
        "description": topic["description"],
        "status": STATUS_FROM_BCF.get(topic["status"].lower(), FindingStatus.OPEN),
        "severity": severity,
        "category": category,
        "due_date": due_date,
        "bcf_topic_type": "" if topic.get("topic_type") in ("", TOPIC_TYPE) else topic["topic_type"][:100],
        "bcf_stage": (topic.get("stage") or "")[:100],
        "bcf_priority": "" if topic["priority"] in ("", PRIORITY_TO_BCF[severity]) else topic["priority"][:100],
        "bcf_labels": [] if topic["labels"] in ([], [category]) else list(topic["labels"]),
        "bcf_assigned_to": (topic.get("assigned_to") or "")[:254],
        "bcf_related_topics": list(topic.get("related_topics", [])),
        "bcf_extra": {k: v for k, v in extra.items() if v not in (None, "", [], {}, False)},
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
        .select_related("created_by", "bcf_assignee")
        .prefetch_related("steps__actor", "photos", "viewpoints__snapshot", "documents")
        .order_by("created_at")
    )


def project_guid(project) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"plumbline:{project.code}"))


def extension_values(topics: list[dict]) -> dict:
    """The values a 3.0 extensions.xml lists: ours, and those the topics carry."""
    return {
        "topic_types": [TOPIC_TYPE, *(t["topic_type"] for t in topics)],
        "topic_statuses": [*STATUS_TO_BCF.values(), *(t["status"] for t in topics)],
        "priorities": [*PRIORITY_TO_BCF.values(), *(t["priority"] for t in topics)],
        "topic_labels": [*Category.values, *(label for t in topics for label in t["labels"])],
        "users": [t["assigned_to"] for t in topics if t.get("assigned_to")],
        "stages": [t["stage"] for t in topics if t.get("stage")],
    }


def export_bcf(project, *, version: str = "2.1") -> bytes:
    from .bcf import write_bcf

    topics = [topic_of(f, version) for f in findings_for_export(project)]
    return write_bcf(
        topics,
        version=version,
        project_name=project.name,
        project_id=project_guid(project),
        extensions=extension_values(topics),
    )
