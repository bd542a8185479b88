"""The BCF-API 3.0 server (its own NinjaAPI at /foundation and /bcf/3.0, outside /api/v1) answers
every persona as the permission table says: findings' readers read topics, inspectors write them,
people outside the project get 404, anonymous callers 401 (the Foundation API's discovery
endpoints are open to all). Every operation of that API has a row here."""

import base64
import uuid

import pytest

from plumbline.bcf_server import bcf_api
from tests.conftest import PERSONAS
from tests.permission_rows import Row, project_row

ALL = [*PERSONAS, "anonymous"]
EVERYONE = set(PERSONAS)
PROJECT_VIEWERS = {"contractor", "inspector", "owner", "home_owner", "insurer", "auditor"}
FINDING_READERS = {"contractor", "inspector", "owner", "insurer", "auditor"}
WRITERS = {"inspector"}
OPEN = {p: 200 for p in ALL}


def a_topic(world, persona):
    finding = world["project"].findings.filter(status="open").order_by("pk").first()
    return {"topic_id": str(finding.client_uuid)}


def a_comment(world, persona):
    from inspections.exchange import comment_guid

    finding = world["project"].findings.filter(status="open").order_by("pk").first()
    step = finding.steps.exclude(note="").exclude(note=finding.description).first() or finding.steps.first()
    if not step.note or step.note == finding.description:
        step.note, step.kind = "检查记录", "comment"
        step.save(update_fields=["note", "kind"])
    return {"topic_id": str(finding.client_uuid), "comment_id": comment_guid(finding, step)}


def a_viewpoint(world, persona):
    from inspections import actions
    from inspections.demo import finding_photo_png
    from inspections.exchange import topic_of

    finding = world["project"].findings.filter(status="open").order_by("pk").first()
    viewpoint = finding.viewpoints.first()
    if viewpoint is None:
        guid = str(uuid.uuid4())
        snapshot = {"name": f"{guid}.png", "data": finding_photo_png("matrix")}
        topic = {
            **topic_of(finding, "3.0"),
            "comments": [],
            "document_references": [],
            "viewpoints": [{"guid": guid, "components": {}, "snapshot": snapshot}],
            "snapshots": [snapshot],
        }
        actions.save_bcf_topic(world["project"], topic=topic, tool="test", actor=world["users"]["inspector"])
        viewpoint = finding.viewpoints.get()
    return {"topic_id": str(finding.client_uuid), "viewpoint_id": str(viewpoint.guid)}


def new_viewpoint(world, persona):
    from inspections.demo import finding_photo_png

    png = base64.b64encode(finding_photo_png("vp")).decode()
    return {"snapshot": {"snapshot_type": "png", "snapshot_data": png}}


T = "/bcf/3.0/projects/{code}/topics/{topic_id}"
V = T + "/viewpoints/{viewpoint_id}"
ROWS = [
    Row("GET", "/foundation/versions", 200, EVERYONE, overrides=OPEN),
    Row("GET", "/foundation/3.0/auth", 200, EVERYONE, overrides=OPEN),
    Row("GET", "/foundation/3.0/current-user", 200, EVERYONE),
    Row("GET", "/bcf/3.0/projects", 200, EVERYONE),  # lists only the projects the caller sees
    project_row("GET", "/bcf/3.0/projects/{code}", 200, PROJECT_VIEWERS),
    project_row("GET", "/bcf/3.0/projects/{code}/extensions", 200, FINDING_READERS),
    project_row("GET", "/bcf/3.0/projects/{code}/topics", 200, FINDING_READERS),
    project_row("POST", "/bcf/3.0/projects/{code}/topics", 201, WRITERS, body={"title": "新问题"}),
    project_row("GET", T, 200, FINDING_READERS, params=a_topic),
    project_row("PUT", T, 200, WRITERS, params=a_topic, body={"description": "补充说明"}),
    project_row("GET", T + "/comments", 200, FINDING_READERS, params=a_topic),
    project_row("POST", T + "/comments", 201, WRITERS, params=a_topic, body={"comment": "已查看"}),
    project_row("GET", T + "/comments/events", 200, FINDING_READERS, params=a_topic),
    project_row("GET", T + "/comments/{comment_id}", 200, FINDING_READERS, params=a_comment),
    project_row("GET", T + "/viewpoints", 200, FINDING_READERS, params=a_topic),
    project_row("POST", T + "/viewpoints", 201, WRITERS, params=a_topic, body=new_viewpoint),
    project_row("GET", V, 200, FINDING_READERS, params=a_viewpoint),
    project_row("GET", V + "/selection", 200, FINDING_READERS, params=a_viewpoint),
    project_row("GET", V + "/coloring", 200, FINDING_READERS, params=a_viewpoint),
    project_row("GET", V + "/visibility", 200, FINDING_READERS, params=a_viewpoint),
    project_row("GET", V + "/snapshot", 200, FINDING_READERS, params=a_viewpoint),
    project_row("GET", T + "/related_topics", 200, FINDING_READERS, params=a_topic),
    project_row(
        "PUT", T + "/related_topics", 200, WRITERS, params=a_topic, body=[{"related_topic_guid": str(uuid.uuid4())}]
    ),
    project_row("GET", T + "/document_references", 200, FINDING_READERS, params=a_topic),
    project_row(
        "POST", T + "/document_references", 201, WRITERS, params=a_topic, body={"url": "https://example.org/a.pdf"}
    ),
    project_row("GET", T + "/events", 200, FINDING_READERS, params=a_topic),
]


def operations_in_schema() -> set[tuple[str, str]]:
    schema = bcf_api.get_openapi_schema()
    return {
        (method.upper(), path.replace("{project_id}", "{code}"))
        for path, methods in schema["paths"].items()
        for method in methods
    }


def test_every_bcf_api_operation_has_a_row():
    rows = {(r.method, r.path) for r in ROWS}
    assert not operations_in_schema() - rows, f"operations without a row: {sorted(operations_in_schema() - rows)}"
    assert not rows - operations_in_schema(), "rows for operations that no longer exist"


@pytest.mark.parametrize("persona", ALL)
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
def test_each_bcf_api_operation_answers_each_persona_as_the_permission_table_says(row, persona, world, as_persona):
    params = {"code": world["project"].code}
    if row.params:
        params.update(row.params(world, persona if persona != "anonymous" else "owner"))
    body = row.body(world, persona) if callable(row.body) else row.body
    api = as_persona(persona)
    kwargs = {"headers": api.headers}
    if body is not None and row.method != "GET":
        kwargs.update(data=body, content_type="application/json")
    response = getattr(api.client, row.method.lower())(row.path.format(**params), **kwargs)
    expected = row.expected(persona)
    assert response.status_code == expected, f"{persona}: {response.status_code} {response.content[:300]!r}"
    if expected >= 400:
        assert set(response.json()) >= {"detail", "code"}
