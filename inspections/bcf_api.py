"""BCF-API 3.0 (buildingSMART) over our findings: the Foundation API (versions, auth, current user)
and /bcf/3.0/ projects, extensions, topics with OData $filter/$orderby/$top/$skip, comments,
viewpoints with their snapshot, related topics, document references and topic events.

A topic is a finding and follows its rules: a topic posted as Closed starts open, a status moves
only as our workflow lets its user move it (the same action as a BCF file import). A project is
one Plumbline project the user may see, its project_id our project code. Auth is our API token as
`Authorization: Bearer <token>`, as /foundation/3.0/auth says.
"""

import base64
import binascii
import re
import uuid
from functools import partial

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Status

from plumbline.core.errors import InvalidInput, NotFound
from plumbline.core.permissions import allowed_roles
from projects.queries import get_project, list_projects, roles_in

from . import actions, queries
from .exchange import STATUS_TO_BCF, TOPIC_TYPE, extension_values, topic_of
from .models import Category, Finding
from .schemas import (
    BcfAuthOut,
    BcfColoringOut,
    BcfCommentEventOut,
    BcfCommentIn,
    BcfCommentOut,
    BcfDocumentReferenceIn,
    BcfDocumentReferenceOut,
    BcfExtensionsOut,
    BcfProjectOut,
    BcfRelatedTopicIn,
    BcfRelatedTopicOut,
    BcfSelectionOut,
    BcfTopicEventOut,
    BcfTopicIn,
    BcfTopicOut,
    BcfUserOut,
    BcfVersionsOut,
    BcfViewpointIn,
    BcfViewpointOut,
    BcfVisibilityOut,
)

foundation_router = Router(tags=["BCF-API 3.0"])
router = Router(tags=["BCF-API 3.0"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}
TOOL = "BCF-API 3.0"


def _site(request: HttpRequest) -> str:
    """The address the client reached us at (a BCF client discovers the API base from it)."""
    return request.build_absolute_uri("/").rstrip("/")


@foundation_router.get(
    "/versions",
    auth=None,
    response={200: BcfVersionsOut},
    operation_id="bcf_foundation_versions",
    summary="The API versions this server speaks",
)
def foundation_versions(request: HttpRequest):
    return {
        "versions": [
            {
                "api_id": "bcf",
                "version_id": "3.0",
                "detailed_version": "https://github.com/buildingSMART/BCF-API/tree/release_3_0",
                "api_base_url": f"{_site(request)}/bcf/3.0",
            }
        ]
    }


@foundation_router.get(
    "/3.0/auth",
    auth=None,
    response={200: BcfAuthOut},
    operation_id="bcf_foundation_auth",
    summary="How to authenticate: a Plumbline API token",
)
def foundation_auth(request: HttpRequest):
    # Plumbline issues API tokens (POST /api/v1/tokens, signed in); a client sends
    # one as `Authorization: Bearer <token>`. No OAuth2 flow is offered.
    return {
        "oauth2_auth_url": None,
        "oauth2_token_url": None,
        "oauth2_dynamic_client_reg_url": None,
        "http_basic_supported": False,
        "supported_oauth2_flows": [],
    }


@foundation_router.get(
    "/3.0/current-user",
    response={200: BcfUserOut, **ERRORS},
    operation_id="bcf_current_user",
    summary="Who the token is",
)
def current_user(request: HttpRequest):
    person = getattr(request.user, "person", None)
    return {
        "id": request.user.email or request.user.get_username(),
        "name": person.name if person else request.user.get_username(),
    }


def _may_write(project, user) -> bool:
    return bool(roles_in(user, project) & allowed_roles("finding.open"))


def _project_out(project, user) -> dict:
    return {
        "project_id": project.code,
        "name": project.name,
        "authorization": {"project_actions": ["createTopic"] if _may_write(project, user) else []},
    }


@router.get(
    "/projects", response={200: list[BcfProjectOut], **ERRORS}, operation_id="bcf_list_projects", summary="Projects"
)
def bcf_projects(request: HttpRequest):
    return [_project_out(p, request.user) for p in list_projects(user=request.user)]


@router.get(
    "/projects/{project_id}",
    response={200: BcfProjectOut, **ERRORS},
    operation_id="bcf_get_project",
    summary="One project",
)
def bcf_project(request: HttpRequest, project_id: str):
    return _project_out(get_project(project_id, user=request.user), request.user)


TOPIC_ACTIONS = ["update", "createComment", "createViewpoint", "updateRelatedTopics", "updateDocumentReferences"]


@router.get(
    "/projects/{project_id}/extensions",
    response={200: BcfExtensionsOut, **ERRORS},
    operation_id="bcf_get_extensions",
    summary="The topic types, statuses, priorities, labels, users and stages the project uses",
)
def bcf_extensions(request: HttpRequest, project_id: str):
    project = get_project(project_id, user=request.user)
    topics = [topic_of(f, "3.0", with_files=False) for f in queries.list_findings_for_bcf(project, user=request.user)]
    values = extension_values(topics)
    may_write = _may_write(project, request.user)
    return {
        "topic_type": sorted(set(values["topic_types"])),
        "topic_status": sorted(set(values["topic_statuses"])),
        "topic_label": sorted(set(values["topic_labels"])),
        "priority": sorted(set(values["priorities"])),
        "users": sorted(set(values["users"])),
        "stage": sorted(set(values["stages"])),
        "snippet_type": [],
        "project_actions": ["createTopic"] if may_write else [],
        "topic_actions": TOPIC_ACTIONS if may_write else [],
        # comments are history: no one edits or deletes one
        "comment_actions": [],
    }


def _topic_out(finding: Finding, user) -> dict:
    t = topic_of(finding, "3.0", with_files=False)
    may_write = _may_write(finding.project, user)
    reachable = {STATUS_TO_BCF[s] for s in queries.next_statuses(finding, user=user)} if may_write else set()
    return {
        "guid": t["guid"],
        "server_assigned_id": t["server_assigned_id"],
        "topic_type": t["topic_type"],
        "topic_status": t["status"],
        "title": t["title"],
        "priority": t["priority"],
        "labels": t["labels"],
        "creation_date": t["creation_date"],
        "creation_author": t["creation_author"],
        "modified_date": finding.updated_at.isoformat(),
        "modified_author": t["modified_author"] or None,
        "assigned_to": t["assigned_to"] or None,
        "stage": t["stage"] or None,
        "description": t["description"],
        "due_date": t["due_date"],
        "reference_links": t["reference_links"],
        "index": t["index"],
        "authorization": {
            "topic_actions": TOPIC_ACTIONS if may_write else [],
            "topic_status": sorted({t["status"]} | reachable),
        },
    }


# OData as BCF-API 3.0 uses it: `field op 'value'` clauses joined by `and`, and labels/any(...)
FILTER_FIELDS = {
    "topic_type": "topic_type",
    "topic_status": "topic_status",
    "priority": "priority",
    "stage": "stage",
    "assigned_to": "assigned_to",
    "creation_author": "creation_author",
    "creation_date": "creation_date",
    "modified_date": "modified_date",
    "due_date": "due_date",
    "title": "title",
}
ORDER_FIELDS = ("creation_date", "modified_date", "index", "title", "due_date")
_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+(?:'((?:[^']|'')*)'|(\S+))\s*$")
_ANY_LABEL = re.compile(r"^\s*labels/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$")


def _has_label(label: str, topic: dict) -> bool:
    return label in topic["labels"]


def _matches(name: str, op: str, wanted: str, topic: dict) -> bool:
    return _compare(topic.get(name) or "", op, wanted)


def _filter(expression: str):
    """A predicate over topics for an OData $filter; InvalidInput names the part it cannot read."""
    tests = []
    for part in re.split(r"\s+and\s+", expression.strip()) if expression.strip() else []:
        label = _ANY_LABEL.match(part)
        if label:
            tests.append(partial(_has_label, label.group(2).replace("''", "'")))
            continue
        clause = _CLAUSE.match(part)
        if not clause or clause.group(1) not in FILTER_FIELDS:
            raise InvalidInput(
                _("$filter cannot read %(part)s: use field eq 'value' joined by and, on %(fields)s, or labels/any().")
                % {"part": part, "fields": ", ".join(FILTER_FIELDS)},
                field="$filter",
            )
        raw = clause.group(3).replace("''", "'") if clause.group(3) is not None else clause.group(4)
        tests.append(partial(_matches, FILTER_FIELDS[clause.group(1)], clause.group(2), "" if raw == "null" else raw))
    return lambda topic: all(test(topic) for test in tests)


def _compare(value, op: str, wanted) -> bool:
    left, right = (parse_datetime(value) if value else None), (parse_datetime(wanted) if wanted else None)
    if left is not None and right is not None:
        value, wanted = left, right
    if op == "eq":
        return value == wanted
    if op == "ne":
        return value != wanted
    if type(value) is not type(wanted) or value in ("", None):
        return False
    return {"gt": value > wanted, "ge": value >= wanted, "lt": value < wanted, "le": value <= wanted}[op]


def _int(query, name: str, default):
    value = query.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit():
        raise InvalidInput(_("%(name)s must be a whole number.") % {"name": name}, field=name)
    return int(value)


@router.get(
    "/projects/{project_id}/topics",
    response={200: list[BcfTopicOut], **ERRORS},
    operation_id="bcf_list_topics",
    summary="Topics (our findings), with OData $filter, $orderby, $top and $skip",
)
def bcf_topics(request: HttpRequest, project_id: str):
    project = get_project(project_id, user=request.user)
    query = request.GET
    keep = _filter(query.get("$filter", ""))
    order = query.get("$orderby", "").strip()
    field, _sep, direction = order.partition(" ")
    if order and (field not in ORDER_FIELDS or direction.strip() not in ("", "asc", "desc")):
        raise InvalidInput(
            _("$orderby takes one of %(fields)s, then asc or desc.") % {"fields": ", ".join(ORDER_FIELDS)},
            field="$orderby",
        )
    skip, top = _int(query, "$skip", 0), _int(query, "$top", None)
    topics = [_topic_out(f, request.user) for f in queries.list_findings_for_bcf(project, user=request.user)]
    topics = [t for t in topics if keep(t)]
    if order:
        present = [t for t in topics if t.get(field) is not None]
        missing = [t for t in topics if t.get(field) is None]
        key = (lambda t: parse_datetime(t[field]) or t[field]) if field.endswith("date") else (lambda t: t[field])
        topics = sorted(present, key=key, reverse=direction.strip() == "desc") + missing
    return topics[skip:] if top is None else topics[skip : skip + top]


def _finding(request, project_id: str, topic_id: str) -> tuple:
    project = get_project(project_id, user=request.user)
    return project, queries.get_finding_by_guid(project, topic_id, user=request.user)


@router.get(
    "/projects/{project_id}/topics/{topic_id}",
    response={200: BcfTopicOut, **ERRORS},
    operation_id="bcf_get_topic",
    summary="One topic",
)
def bcf_topic(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return _topic_out(finding, request.user)


_TOPIC_FIELDS = {
    "title": "title",
    "topic_status": "status",
    "topic_type": "topic_type",
    "priority": "priority",
    "labels": "labels",
    "description": "description",
    "assigned_to": "assigned_to",
    "stage": "stage",
    "due_date": "due_date",
    "reference_links": "reference_links",
    "index": "index",
}
_LISTS = ("labels", "reference_links")


def _new_topic(guid: str) -> dict:
    return {
        "guid": guid,
        "title": "",
        "status": "Open",
        "topic_type": TOPIC_TYPE,
        "priority": "",
        "labels": [Category.OTHER],
        "description": "",
        "stage": "",
        "assigned_to": "",
        "due_date": "",
        "creation_date": "",
        "creation_author": "",
        "reference_links": [],
        "related_topics": [],
        "header_files": [],
        "document_references": [],
        "comments": [],
        "viewpoints": [],
        "snapshots": [],
        "global_ids": [],
    }


def _existing(finding: Finding) -> dict:
    """The finding as a topic to apply a change onto: comments, viewpoints and documents are only
    ever added, so the change carries none but its own."""
    topic = topic_of(finding, "3.0", with_files=False)
    topic.update(viewpoints=[], snapshots=[], comments=[], document_references=[])
    topic["global_ids"] = [*finding.global_ids, *finding.unmapped_global_ids]
    if (finding.bcf_extra or {}).get("no_labels"):
        topic["labels"] = []
    return topic


def _apply_fields(topic: dict, body: BcfTopicIn) -> dict:
    for key, value in body.dict(exclude_unset=True).items():
        if key in _TOPIC_FIELDS:
            target = _TOPIC_FIELDS[key]
            topic[target] = value if value is not None else ([] if target in _LISTS else "")
    return topic


@router.post(
    "/projects/{project_id}/topics",
    response={201: BcfTopicOut, **ERRORS},
    operation_id="bcf_create_topic",
    summary="Open a finding from a topic (a topic posted Closed starts open)",
)
def bcf_create_topic(request: HttpRequest, project_id: str, body: BcfTopicIn):
    project = get_project(project_id, user=request.user)
    if not (body.title or "").strip():
        raise InvalidInput(_("A topic needs a title."), field="title")
    topic = _apply_fields(_new_topic(str(body.guid or uuid.uuid4())), body)
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    return Status(201, _topic_out(finding, request.user))


@router.put(
    "/projects/{project_id}/topics/{topic_id}",
    response={200: BcfTopicOut, **ERRORS},
    operation_id="bcf_update_topic",
    summary="Change a topic as our workflow allows its user (a status our workflow does not allow is a 409)",
)
def bcf_update_topic(request: HttpRequest, project_id: str, topic_id: str, body: BcfTopicIn):
    project, finding = _finding(request, project_id, topic_id)
    if body.title is not None and not body.title.strip():
        raise InvalidInput(_("A topic needs a title."), field="title")
    finding, _report = actions.save_bcf_topic(
        project, topic=_apply_fields(_existing(finding), body), tool=TOOL, actor=request.user, strict=True
    )
    return _topic_out(finding, request.user)


def _comment_out(finding, comment: dict) -> dict:
    return {
        "guid": comment["guid"],
        "date": comment["date"],
        "author": comment["author"],
        "comment": comment["text"],
        "topic_guid": str(finding.client_uuid),
        "viewpoint_guid": comment.get("viewpoint_guid") or None,
        "modified_date": comment.get("modified_date") or None,
        "modified_author": comment.get("modified_author") or None,
        "authorization": {"comment_actions": []},
    }


@router.get(
    "/projects/{project_id}/topics/{topic_id}/comments",
    response={200: list[BcfCommentOut], **ERRORS},
    operation_id="bcf_list_comments",
    summary="A topic's comments",
)
def bcf_comments(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [_comment_out(finding, c) for c in topic_of(finding, "3.0", with_files=False)["comments"]]


@router.get(
    "/projects/{project_id}/topics/{topic_id}/comments/events",
    response={200: list[BcfCommentEventOut], **ERRORS},
    operation_id="bcf_list_comment_events",
    summary="When each comment of a topic was written, and by whom",
)
def bcf_comment_events(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [
        {
            "comment_guid": c["guid"],
            "topic_guid": str(finding.client_uuid),
            "date": c["date"],
            "author": c["author"],
            "actions": [{"type": "add_comment", "value": c["text"]}],
        }
        for c in topic_of(finding, "3.0", with_files=False)["comments"]
    ]


@router.get(
    "/projects/{project_id}/topics/{topic_id}/comments/{comment_id}",
    response={200: BcfCommentOut, **ERRORS},
    operation_id="bcf_get_comment",
    summary="One comment",
)
def bcf_comment(request: HttpRequest, project_id: str, topic_id: str, comment_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    comment = next(
        (c for c in topic_of(finding, "3.0", with_files=False)["comments"] if c["guid"] == comment_id.lower()), None
    )
    if comment is None:
        raise NotFound(_("This comment does not exist."), code="comment_not_found")
    return _comment_out(finding, comment)


@router.post(
    "/projects/{project_id}/topics/{topic_id}/comments",
    response={201: BcfCommentOut, **ERRORS},
    operation_id="bcf_create_comment",
    summary="Comment on a topic",
)
def bcf_create_comment(request: HttpRequest, project_id: str, topic_id: str, body: BcfCommentIn):
    project, finding = _finding(request, project_id, topic_id)
    if not body.comment.strip():
        raise InvalidInput(_("A comment needs its text."), field="comment")
    if body.viewpoint_guid and not finding.viewpoints.filter(guid=body.viewpoint_guid).exists():
        raise InvalidInput(_("The comment names a viewpoint this topic does not have."), field="viewpoint_guid")
    guid = str(uuid.uuid4())
    person = getattr(request.user, "person", None)
    topic = _existing(finding)
    topic["comments"] = [
        {
            "guid": guid,
            "date": "",
            "author": person.name if person else request.user.get_username(),
            "text": body.comment.strip(),
            "viewpoint_guid": str(body.viewpoint_guid) if body.viewpoint_guid else "",
        }
    ]
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    comment = next(c for c in topic_of(finding, "3.0", with_files=False)["comments"] if c["guid"] == guid)
    return Status(201, _comment_out(finding, comment))


def _viewpoint_out(viewpoint) -> dict:
    data = {k: v for k, v in viewpoint.data.items() if k != "bitmaps"}
    data["guid"] = str(viewpoint.guid)
    data["index"] = viewpoint.index
    if viewpoint.snapshot_id:
        data["snapshot"] = {"snapshot_type": "png" if viewpoint.snapshot.content_type == "image/png" else "jpg"}
    return data


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints",
    response={200: list[BcfViewpointOut], **ERRORS},
    operation_id="bcf_list_viewpoints",
    summary="A topic's viewpoints",
)
def bcf_viewpoints(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [_viewpoint_out(v) for v in finding.viewpoints.select_related("snapshot")]


@router.post(
    "/projects/{project_id}/topics/{topic_id}/viewpoints",
    response={201: BcfViewpointOut, **ERRORS},
    operation_id="bcf_create_viewpoint",
    summary="Add a viewpoint (camera, components, lines, clipping planes; its snapshot as base64)",
)
def bcf_create_viewpoint(request: HttpRequest, project_id: str, topic_id: str, body: BcfViewpointIn):
    project, finding = _finding(request, project_id, topic_id)
    if body.perspective_camera and body.orthogonal_camera:
        raise InvalidInput(_("A viewpoint has one camera, perspective or orthogonal."), field="perspective_camera")
    guid = str(body.guid or uuid.uuid4())
    if finding.viewpoints.filter(guid=guid).exists():
        raise InvalidInput(_("This topic already has a viewpoint with this guid."), field="guid")
    values = body.dict(exclude_none=True, exclude={"guid", "snapshot", "index"})
    viewpoint = {k: v for k, v in values.items() if v not in ([], {})}
    viewpoint["guid"] = guid
    viewpoint["index"] = body.index if body.index is not None else finding.viewpoints.count()
    topic = _existing(finding)
    if body.snapshot:
        try:
            data = base64.b64decode(body.snapshot.snapshot_data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(_("snapshot_data must be base64."), field="snapshot") from None
        viewpoint["snapshot"] = {"name": f"{guid}.{body.snapshot.snapshot_type}", "data": data}
        topic["snapshots"] = [viewpoint["snapshot"]]
    selection = [c["ifc_guid"] for c in viewpoint.get("components", {}).get("selection", []) if c.get("ifc_guid")]
    topic["global_ids"] = list(dict.fromkeys([*topic["global_ids"], *selection]))
    topic["viewpoints"] = [viewpoint]
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user, strict=True)
    return Status(201, _viewpoint_out(finding.viewpoints.select_related("snapshot").get(guid=guid)))


def _viewpoint(finding, viewpoint_id: str):
    try:
        return finding.viewpoints.select_related("snapshot").get(guid=uuid.UUID(viewpoint_id))
    except (ValueError, finding.viewpoints.model.DoesNotExist):
        raise NotFound(_("This viewpoint does not exist."), code="viewpoint_not_found") from None


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints/{viewpoint_id}",
    response={200: BcfViewpointOut, **ERRORS},
    operation_id="bcf_get_viewpoint",
    summary="One viewpoint",
)
def bcf_get_viewpoint(request: HttpRequest, project_id: str, topic_id: str, viewpoint_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return _viewpoint_out(_viewpoint(finding, viewpoint_id))


def _viewpoint_part(request, project_id, topic_id, viewpoint_id, part: str) -> dict:
    _project, finding = _finding(request, project_id, topic_id)
    components = _viewpoint(finding, viewpoint_id).data.get("components") or {}
    return {part: components.get(part) or (None if part == "visibility" else [])}


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints/{viewpoint_id}/selection",
    response={200: BcfSelectionOut, **ERRORS},
    operation_id="bcf_get_selection",
    summary="The components a viewpoint selects",
)
def bcf_get_selection(request: HttpRequest, project_id: str, topic_id: str, viewpoint_id: str):
    return _viewpoint_part(request, project_id, topic_id, viewpoint_id, "selection")


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints/{viewpoint_id}/coloring",
    response={200: BcfColoringOut, **ERRORS},
    operation_id="bcf_get_coloring",
    summary="The colours a viewpoint gives components",
)
def bcf_get_coloring(request: HttpRequest, project_id: str, topic_id: str, viewpoint_id: str):
    return _viewpoint_part(request, project_id, topic_id, viewpoint_id, "coloring")


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints/{viewpoint_id}/visibility",
    response={200: BcfVisibilityOut, **ERRORS},
    operation_id="bcf_get_visibility",
    summary="Which components a viewpoint shows",
)
def bcf_get_visibility(request: HttpRequest, project_id: str, topic_id: str, viewpoint_id: str):
    return _viewpoint_part(request, project_id, topic_id, viewpoint_id, "visibility")


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints/{viewpoint_id}/snapshot",
    response={200: None, **ERRORS},
    operation_id="bcf_get_snapshot",
    summary="A viewpoint's snapshot image",
)
def bcf_get_snapshot(request: HttpRequest, project_id: str, topic_id: str, viewpoint_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    viewpoint = _viewpoint(finding, viewpoint_id)
    if viewpoint.snapshot is None:
        raise NotFound(_("This viewpoint has no snapshot."), code="snapshot_not_found")
    data, content_type = queries.read_photo(viewpoint.snapshot)
    return HttpResponse(data, content_type=content_type)


@router.get(
    "/projects/{project_id}/topics/{topic_id}/related_topics",
    response={200: list[BcfRelatedTopicOut], **ERRORS},
    operation_id="bcf_list_related_topics",
    summary="Related topics",
)
def bcf_related_topics(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [{"related_topic_guid": g} for g in finding.bcf_related_topics]


@router.put(
    "/projects/{project_id}/topics/{topic_id}/related_topics",
    response={200: list[BcfRelatedTopicOut], **ERRORS},
    operation_id="bcf_update_related_topics",
    summary="Replace the related topics",
)
def bcf_update_related_topics(request: HttpRequest, project_id: str, topic_id: str, body: list[BcfRelatedTopicIn]):
    project, finding = _finding(request, project_id, topic_id)
    topic = _existing(finding)
    topic["related_topics"] = list(dict.fromkeys(str(r.related_topic_guid) for r in body))
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    return [{"related_topic_guid": g} for g in finding.bcf_related_topics]


def _reference_out(document) -> dict:
    return {
        "guid": str(document.guid),
        "url": document.url or None,
        "document_guid": None if document.url else str(document.guid),
        "description": document.description or None,
    }


@router.get(
    "/projects/{project_id}/topics/{topic_id}/document_references",
    response={200: list[BcfDocumentReferenceOut], **ERRORS},
    operation_id="bcf_list_document_references",
    summary="Document references (links, or documents kept with the finding)",
)
def bcf_document_references(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [_reference_out(d) for d in finding.documents.filter(kind="document")]


@router.post(
    "/projects/{project_id}/topics/{topic_id}/document_references",
    response={201: BcfDocumentReferenceOut, **ERRORS},
    operation_id="bcf_create_document_reference",
    summary="Add a link to a document",
)
def bcf_create_document_reference(request: HttpRequest, project_id: str, topic_id: str, body: BcfDocumentReferenceIn):
    project, finding = _finding(request, project_id, topic_id)
    if not re.match(r"^https?://", body.url):
        raise InvalidInput(_("A document reference is an http or https link."), field="url")
    guid = str(body.guid or uuid.uuid4())
    topic = _existing(finding)
    topic["document_references"] = [{"guid": guid, "url": body.url, "description": body.description}]
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    return Status(201, _reference_out(finding.documents.get(guid=guid)))


# audit changes of a finding -> the BCF-API event action that names them
EVENT_ACTIONS = {
    "title": "update_title",
    "status": "update_status",
    "severity": "update_priority",
    "bcf_priority": "update_priority",
    "category": "update_labels",
    "bcf_labels": "update_labels",
    "description": "update_description",
    "due_date": "update_due_date",
    "bcf_assigned_to": "update_assigned_to",
    "bcf_stage": "update_stage",
    "bcf_topic_type": "update_type",
    "bcf_related_topics": "update_related_topics",
    "documents": "add_document_reference",
    "viewpoints": "add_viewpoint",
    "comments": "add_comment",
}


def _event_out(finding, event) -> dict:
    changes = event.changes or {}
    actions = [{"type": "create", "value": None}] if event.action == "finding.opened" else []
    if event.action != "finding.opened":
        for key, (_old, new) in changes.items():
            if key in EVENT_ACTIONS:
                actions.append({"type": EVENT_ACTIONS[key], "value": None if new is None else str(new)})
    return {
        "topic_guid": str(finding.client_uuid),
        "date": event.created_at.isoformat(),
        "author": event.actor_name,
        "actions": actions or [{"type": event.action, "value": None}],
    }


@router.get(
    "/projects/{project_id}/topics/{topic_id}/events",
    response={200: list[BcfTopicEventOut], **ERRORS},
    operation_id="bcf_list_topic_events",
    summary="What happened to a topic (from the audit trail)",
)
def bcf_topic_events(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [_event_out(finding, e) for e in queries.finding_events(finding)]
