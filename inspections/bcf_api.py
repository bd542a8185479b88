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

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Body, Router, Status

from plumbline.core.errors import InvalidInput, NotFound
from projects.queries import get_project, list_projects

from . import actions, queries
from .exchange import STATUS_TO_BCF, TOPIC_TYPE, extension_values, topic_of
from .models import Category, Finding

foundation_router = Router(tags=["BCF-API 3.0"])
router = Router(tags=["BCF-API 3.0"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}
TOOL = "BCF-API 3.0"


def _site(request: HttpRequest) -> str:
    """The address the client reached us at (a BCF client discovers the API base from it)."""
    return request.build_absolute_uri("/").rstrip("/")


@foundation_router.get(
    "/versions", auth=None, operation_id="bcf_foundation_versions", summary="The API versions this server speaks"
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
    "/3.0/auth", auth=None, operation_id="bcf_foundation_auth", summary="How to authenticate: a Plumbline API token"
)
def foundation_auth(request: HttpRequest):
    # Plumbline issues API tokens (POST /api/v1/me/tokens, or the account page); a client sends
    # one as `Authorization: Bearer <token>`. No OAuth2 flow is offered.
    return {
        "oauth2_auth_url": None,
        "oauth2_token_url": None,
        "oauth2_dynamic_client_reg_url": None,
        "http_basic_supported": False,
        "supported_oauth2_flows": [],
    }


@foundation_router.get(
    "/3.0/current-user", response={200: dict, **ERRORS}, operation_id="bcf_current_user", summary="Who the token is"
)
def current_user(request: HttpRequest):
    person = getattr(request.user, "person", None)
    return {
        "id": request.user.email or request.user.get_username(),
        "name": person.name if person else request.user.get_username(),
    }


def _project_out(project, user) -> dict:
    return {"project_id": project.code, "name": project.name, "authorization": {"project_actions": ["createTopic"]}}


@router.get("/projects", response={200: list[dict], **ERRORS}, operation_id="bcf_list_projects", summary="Projects")
def bcf_projects(request: HttpRequest):
    return [_project_out(p, request.user) for p in list_projects(user=request.user)]


@router.get(
    "/projects/{project_id}", response={200: dict, **ERRORS}, operation_id="bcf_get_project", summary="One project"
)
def bcf_project(request: HttpRequest, project_id: str):
    return _project_out(get_project(project_id, user=request.user), request.user)


@router.get(
    "/projects/{project_id}/extensions",
    response={200: dict, **ERRORS},
    operation_id="bcf_get_extensions",
    summary="The topic types, statuses, priorities, labels, users and stages the project uses",
)
def bcf_extensions(request: HttpRequest, project_id: str):
    project = get_project(project_id, user=request.user)
    topics = [_topic_dict(f) for f in queries.list_findings_for_bcf(project, user=request.user)]
    values = extension_values(topics)
    return {
        "topic_type": sorted(set(values["topic_types"])),
        "topic_status": sorted(set(values["topic_statuses"])),
        "topic_label": sorted(set(values["topic_labels"])),
        "priority": sorted(set(values["priorities"])),
        "users": sorted(set(values["users"])),
        "stage": sorted(set(values["stages"])),
        "snippet_type": [],
        "project_actions": ["createTopic"],
        "topic_actions": [
            "update",
            "updateRelatedTopics",
            "updateDocumentReferences",
            "createComment",
            "createViewpoint",
        ],
        "comment_actions": [],
    }


def _topic_dict(finding: Finding) -> dict:
    return topic_of(finding, "3.0")


def _topic_out(finding: Finding, user) -> dict:
    t = _topic_dict(finding)
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
            "topic_actions": ["createComment", "createViewpoint", "update", "updateRelatedTopics"],
            "topic_status": sorted(
                {STATUS_TO_BCF[finding.status]} | {STATUS_TO_BCF[m] for m in queries.next_statuses(finding, user=user)}
            ),
        },
    }


# OData as BCF-API 3.0 uses it: `field eq 'value'` clauses joined by `and`, labels/any(...)
_FIELDS = {
    "topic_type": "topic_type",
    "topic_status": "status",
    "priority": "priority",
    "stage": "stage",
    "assigned_to": "assigned_to",
    "creation_author": "creation_author",
    "creation_date": "creation_date",
    "modified_date": "modified_date",
    "due_date": "due_date",
    "title": "title",
}
_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+(?:'((?:[^']|'')*)'|(\S+))\s*$")
_ANY_LABEL = re.compile(r"^\s*labels/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$")


def _filter(expression: str):
    """A predicate over topic dicts for an OData $filter; InvalidInput names what it cannot read."""
    tests = []
    for part in re.split(r"\s+and\s+", expression.strip()) if expression.strip() else []:
        label = _ANY_LABEL.match(part)
        if label:
            tests.append(lambda t, v=label.group(2).replace("''", "'"): v in t["labels"])
            continue
        clause = _CLAUSE.match(part)
        if not clause or clause.group(1) not in _FIELDS:
            raise InvalidInput(
                _("$filter cannot read %(part)s: use field eq 'value' joined by and, on %(fields)s or labels/any().")
                % {"part": part, "fields": ", ".join(_FIELDS)},
                field="$filter",
            )
        name, op = _FIELDS[clause.group(1)], clause.group(2)
        raw = clause.group(3).replace("''", "'") if clause.group(3) is not None else clause.group(4)
        if raw == "null":
            raw = ""
        tests.append(lambda t, n=name, o=op, v=raw: _compare(t.get(n) or "", o, v))
    return lambda topic: all(test(topic) for test in tests)


def _compare(value: str, op: str, wanted: str) -> bool:
    left, right = parse_datetime(value) if value else None, parse_datetime(wanted) if wanted else None
    if left is not None and right is not None:
        value, wanted = left, right
    if op == "eq":
        return value == wanted
    if op == "ne":
        return value != wanted
    if type(value) is not type(wanted):
        return False
    return {"gt": value > wanted, "ge": value >= wanted, "lt": value < wanted, "le": value <= wanted}[op]


@router.get(
    "/projects/{project_id}/topics",
    response={200: list[dict], **ERRORS},
    operation_id="bcf_list_topics",
    summary="Topics (our findings), with OData $filter, $orderby, $top and $skip",
)
def bcf_topics(request: HttpRequest, project_id: str):
    project = get_project(project_id, user=request.user)
    query = request.GET
    keep = _filter(query.get("$filter", ""))
    rows = [(f, _topic_out(f, request.user)) for f in queries.list_findings_for_bcf(project, user=request.user)]
    rows = [(f, out) for f, out in rows if keep({**out, "status": out["topic_status"]})]
    order = query.get("$orderby", "").strip()
    if order:
        field, _sep, direction = order.partition(" ")
        if field not in ("creation_date", "modified_date", "index", "title", "due_date") or direction.strip() not in (
            "",
            "asc",
            "desc",
        ):
            raise InvalidInput(
                _("$orderby takes creation_date, modified_date, index, title or due_date, then asc or desc."),
                field="$orderby",
            )
        rows.sort(key=lambda r: (r[1].get(field) is None, r[1].get(field) or ""), reverse=direction.strip() == "desc")
    skip, top = _int(query, "$skip", 0), _int(query, "$top", None)
    rows = rows[skip:] if top is None else rows[skip : skip + top]
    return [out for _f, out in rows]


def _int(query, name: str, default):
    value = query.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit():
        raise InvalidInput(_("%(name)s must be a whole number.") % {"name": name}, field=name)
    return int(value)


def _finding(request, project_id: str, topic_id: str) -> tuple:
    project = get_project(project_id, user=request.user)
    return project, queries.get_finding_by_guid(project, topic_id, user=request.user)


@router.get(
    "/projects/{project_id}/topics/{topic_id}",
    response={200: dict, **ERRORS},
    operation_id="bcf_get_topic",
    summary="One topic",
)
def bcf_topic(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return _topic_out(finding, request.user)


def _topic_from_body(body: dict, base: dict | None = None) -> dict:
    if not isinstance(body, dict):
        raise InvalidInput(_("The body must be a JSON object."), field="body")
    topic = dict(base or {})
    if base is None:
        if not (body.get("title") or "").strip():
            raise InvalidInput(_("A topic needs a title."), field="title")
        guid = body.get("guid") or str(uuid.uuid4())
        try:
            uuid.UUID(str(guid))
        except ValueError:
            raise InvalidInput(_("The topic guid is not a UUID."), field="guid") from None
        topic.update(
            guid=str(guid).lower(),
            labels=[Category.OTHER],
            priority="",
            description="",
            topic_type=TOPIC_TYPE,
            status="Open",
            comments=[],
            viewpoints=[],
            snapshots=[],
            document_references=[],
            related_topics=[],
            header_files=[],
            reference_links=[],
            global_ids=[],
            creation_date="",
            creation_author="",
            stage="",
            assigned_to="",
            due_date="",
        )
    mapping = {
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
    for key, target in mapping.items():
        if key in body:
            topic[target] = (
                body[key] if body[key] is not None else ([] if target in ("labels", "reference_links") else "")
            )
    return topic


def _existing(finding: Finding) -> dict:
    """The finding as a topic to apply a change onto: no viewpoints or comments (they are only added)."""
    topic = _topic_dict(finding)
    topic.update(viewpoints=[], snapshots=[], comments=[], document_references=[], global_ids=finding.global_ids)
    topic["labels"] = [] if (finding.bcf_extra or {}).get("no_labels") else topic["labels"]
    return topic


@router.post(
    "/projects/{project_id}/topics",
    response={201: dict, **ERRORS},
    operation_id="bcf_create_topic",
    summary="Open a finding from a topic (a topic posted Closed starts open)",
)
def bcf_create_topic(request: HttpRequest, project_id: str, body: dict = Body(...)):
    project = get_project(project_id, user=request.user)
    topic = _topic_from_body(body)
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    return Status(201, _topic_out(finding, request.user))


@router.put(
    "/projects/{project_id}/topics/{topic_id}",
    response={200: dict, **ERRORS},
    operation_id="bcf_update_topic",
    summary="Change a topic as our workflow allows its user",
)
def bcf_update_topic(request: HttpRequest, project_id: str, topic_id: str, body: dict = Body(...)):
    project, finding = _finding(request, project_id, topic_id)
    finding, _report = actions.save_bcf_topic(
        project, topic=_topic_from_body(body, _existing(finding)), tool=TOOL, actor=request.user
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
        "authorization": {"comment_actions": []},
    }


@router.get(
    "/projects/{project_id}/topics/{topic_id}/comments",
    response={200: list[dict], **ERRORS},
    operation_id="bcf_list_comments",
    summary="A topic's comments",
)
def bcf_comments(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [_comment_out(finding, c) for c in _topic_dict(finding)["comments"]]


@router.post(
    "/projects/{project_id}/topics/{topic_id}/comments",
    response={201: dict, **ERRORS},
    operation_id="bcf_create_comment",
    summary="Comment on a topic",
)
def bcf_create_comment(request: HttpRequest, project_id: str, topic_id: str, body: dict = Body(...)):
    project, finding = _finding(request, project_id, topic_id)
    text = (body.get("comment") or "").strip() if isinstance(body, dict) else ""
    if not text:
        raise InvalidInput(_("A comment needs its text."), field="comment")
    guid = str(uuid.uuid4())
    person = getattr(request.user, "person", None)
    topic = _existing(finding)
    topic["comments"] = [
        {
            "guid": guid,
            "date": "",
            "author": person.name if person else request.user.get_username(),
            "text": text,
            "viewpoint_guid": body.get("viewpoint_guid") or "",
        }
    ]
    finding, _report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    comment = next(c for c in _topic_dict(finding)["comments"] if c["guid"] == guid)
    return Status(201, _comment_out(finding, comment))


def _viewpoint_out(finding, viewpoint) -> dict:
    data = {k: v for k, v in viewpoint.data.items() if k != "bitmaps"}
    data["guid"] = str(viewpoint.guid)
    data["index"] = viewpoint.index
    if viewpoint.snapshot_id:
        data["snapshot"] = {"snapshot_type": "png" if viewpoint.snapshot.content_type == "image/png" else "jpg"}
    return data


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints",
    response={200: list[dict], **ERRORS},
    operation_id="bcf_list_viewpoints",
    summary="A topic's viewpoints",
)
def bcf_viewpoints(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [_viewpoint_out(finding, v) for v in finding.viewpoints.select_related("snapshot")]


@router.post(
    "/projects/{project_id}/topics/{topic_id}/viewpoints",
    response={201: dict, **ERRORS},
    operation_id="bcf_create_viewpoint",
    summary="Add a viewpoint (camera, components, snapshot as base64)",
)
def bcf_create_viewpoint(request: HttpRequest, project_id: str, topic_id: str, body: dict = Body(...)):
    project, finding = _finding(request, project_id, topic_id)
    if not isinstance(body, dict):
        raise InvalidInput(_("The body must be a JSON object."), field="body")
    guid = str(body.get("guid") or uuid.uuid4()).lower()
    viewpoint = {
        k: body[k]
        for k in ("perspective_camera", "orthogonal_camera", "lines", "clipping_planes", "components")
        if body.get(k)
    }
    viewpoint["guid"] = guid
    topic = _existing(finding)
    snapshot = body.get("snapshot")
    if snapshot:
        try:
            data = base64.b64decode(snapshot.get("snapshot_data") or "", validate=True)
        except (binascii.Error, AttributeError):
            raise InvalidInput(_("snapshot_data must be base64."), field="snapshot") from None
        name = f"{guid}.{'jpg' if snapshot.get('snapshot_type') == 'jpg' else 'png'}"
        viewpoint["snapshot"] = {"name": name, "data": data}
        topic["snapshots"] = [viewpoint["snapshot"]]
    selection = [
        c.get("ifc_guid") for c in (viewpoint.get("components") or {}).get("selection", []) if c.get("ifc_guid")
    ]
    topic["global_ids"] = list(dict.fromkeys([*finding.global_ids, *finding.unmapped_global_ids, *selection]))
    topic["viewpoints"] = [viewpoint]
    finding, report = actions.save_bcf_topic(project, topic=topic, tool=TOOL, actor=request.user)
    if snapshot and report["dropped"]:
        raise InvalidInput(report["dropped"][0]["why"], field="snapshot")
    return Status(201, _viewpoint_out(finding, finding.viewpoints.select_related("snapshot").get(guid=guid)))


def _viewpoint(finding, viewpoint_id: str):
    try:
        return finding.viewpoints.select_related("snapshot").get(guid=uuid.UUID(viewpoint_id))
    except (ValueError, finding.viewpoints.model.DoesNotExist):
        raise NotFound(_("This viewpoint does not exist."), code="viewpoint_not_found") from None


@router.get(
    "/projects/{project_id}/topics/{topic_id}/viewpoints/{viewpoint_id}",
    response={200: dict, **ERRORS},
    operation_id="bcf_get_viewpoint",
    summary="One viewpoint",
)
def bcf_get_viewpoint(request: HttpRequest, project_id: str, topic_id: str, viewpoint_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return _viewpoint_out(finding, _viewpoint(finding, viewpoint_id))


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
    response={200: list[dict], **ERRORS},
    operation_id="bcf_list_related_topics",
    summary="Related topics",
)
def bcf_related_topics(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [{"related_topic_guid": g} for g in finding.bcf_related_topics]


@router.get(
    "/projects/{project_id}/topics/{topic_id}/document_references",
    response={200: list[dict], **ERRORS},
    operation_id="bcf_list_document_references",
    summary="Document references (links, or documents kept with the finding)",
)
def bcf_document_references(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [
        {
            "guid": str(d.guid),
            "url": d.url or None,
            "document_guid": None if d.url else str(d.guid),
            "description": d.description,
        }
        for d in finding.documents.filter(kind="document")
    ]


@router.get(
    "/projects/{project_id}/topics/{topic_id}/events",
    response={200: list[dict], **ERRORS},
    operation_id="bcf_list_topic_events",
    summary="What happened to a topic (from the audit trail)",
)
def bcf_topic_events(request: HttpRequest, project_id: str, topic_id: str):
    _project, finding = _finding(request, project_id, topic_id)
    return [
        {
            "topic_guid": str(finding.client_uuid),
            "date": event.created_at.isoformat(),
            "author": event.actor_name,
            "actions": [{"type": event.action, "value": None}],
        }
        for event in queries.finding_events(finding)
    ]
