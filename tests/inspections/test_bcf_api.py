"""BCF-API 3.0: a client written from the published specification alone lists our projects,
creates a topic with a viewpoint and snapshot, comments, reads it back, and the project's BCF 3.0
export of it validates; topics keep our workflow rules and answer OData queries."""

import base64
import urllib.parse
import uuid

import pytest

from bim.models import ModelVersion
from inspections.bcf import read_bcf
from inspections.demo import finding_photo_png
from inspections.models import Finding
from plumbline.core.accounts.actions import create_api_token
from tests.inspections.bcf_api_client import BcfApiClient, BcfApiError
from tests.inspections.bcf_schemas import violations

CAMERA = {
    "camera_view_point": {"x": -5.0, "y": -5.0, "z": 8.0},
    "camera_direction": {"x": 0.577, "y": 0.577, "z": -0.577},
    "camera_up_vector": {"x": 0.408, "y": 0.408, "z": 0.816},
    "field_of_view": 60.0,
    "aspect_ratio": 1.5,
}


@pytest.fixture
def client_of(world, live_server):
    def make(persona):
        return BcfApiClient(live_server.url, create_api_token("bcf", actor=world["users"][persona]).raw)

    return make


@pytest.mark.django_db(transaction=True)
def test_a_client_from_the_spec_creates_a_topic_with_a_viewpoint_and_comment_and_exports_it(
    world, client_of, as_persona
):
    api = client_of("inspector")
    assert api.auth["supported_oauth2_flows"] == []
    assert api.current_user()["name"]
    code = world["project"].code
    assert code in [p["project_id"] for p in api.get("/projects")]
    topic = api.post(
        f"/projects/{code}/topics", {"title": "墙面裂缝", "topic_status": "Closed", "labels": ["structure"]}
    )
    assert topic["topic_status"] == "Open"  # a topic posted closed starts open, as a finding does
    wall = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑").elements.first().global_id
    snapshot = finding_photo_png("api")
    viewpoint = api.post(
        f"/projects/{code}/topics/{topic['guid']}/viewpoints",
        {
            "perspective_camera": CAMERA,
            "components": {"selection": [{"ifc_guid": wall}]},
            "snapshot": {"snapshot_type": "png", "snapshot_data": base64.b64encode(snapshot).decode()},
        },
    )
    assert viewpoint["perspective_camera"]["field_of_view"] == 60.0
    comment = api.post(f"/projects/{code}/topics/{topic['guid']}/comments", {"comment": "请尽快整改"})
    again = api.get(f"/projects/{code}/topics/{topic['guid']}")
    assert again["title"] == "墙面裂缝"
    assert [c["comment"] for c in api.get(f"/projects/{code}/topics/{topic['guid']}/comments")] == ["请尽快整改"]
    assert comment["guid"]
    image = api.get(f"/projects/{code}/topics/{topic['guid']}/viewpoints/{viewpoint['guid']}/snapshot", raw=True)
    assert image.startswith(b"\x89PNG")
    assert Finding.objects.get(client_uuid=topic["guid"]).global_ids == [wall]
    response = as_persona("inspector").client.get(
        f"/api/v1/projects/{code}/findings/bcf?bcf_version=3.0", headers=as_persona("inspector").headers
    )
    assert violations(response.content, "3.0") == []
    (exported,) = [t for t in read_bcf(response.content).topics if t["guid"] == topic["guid"]]
    assert exported["viewpoints"][0]["guid"] == viewpoint["guid"]
    assert exported["viewpoints"][0]["perspective_camera"]["camera_view_point"] == CAMERA["camera_view_point"]
    assert [c["text"] for c in exported["comments"]] == ["请尽快整改"]


@pytest.mark.django_db(transaction=True)
def test_topics_answer_odata_filter_orderby_top_and_skip(world, client_of):
    api = client_of("inspector")
    code = world["project"].code
    for title, label in (("甲", "structure"), ("乙", "mep"), ("丙", "mep")):
        api.post(f"/projects/{code}/topics", {"title": title, "labels": [label], "guid": str(uuid.uuid4())})
    query = urllib.parse.urlencode(
        {"$filter": "labels/any(s: s eq 'mep') and topic_status eq 'Open'", "$orderby": "title asc"}
    )
    assert [t["title"] for t in api.get(f"/projects/{code}/topics?{query}")] == ["丙", "乙"]
    query = urllib.parse.urlencode(
        {"$filter": "labels/any(s: s eq 'mep')", "$orderby": "title asc", "$top": 1, "$skip": 1}
    )
    assert [t["title"] for t in api.get(f"/projects/{code}/topics?{query}")] == ["乙"]
    with pytest.raises(BcfApiError) as refused:
        api.get(f"/projects/{code}/topics?" + urllib.parse.urlencode({"$filter": "nonsense gt 3"}))
    assert refused.value.status == 422


@pytest.mark.django_db(transaction=True)
def test_an_outsider_does_not_see_the_project_and_a_bad_token_is_refused(world, client_of, live_server):
    outsider = client_of("outsider")
    assert world["project"].code not in [p["project_id"] for p in outsider.get("/projects")]
    with pytest.raises(BcfApiError) as hidden:
        outsider.get(f"/projects/{world['project'].code}/topics")
    assert hidden.value.status == 404
    stranger = BcfApiClient(live_server.url, "not-a-token")
    with pytest.raises(BcfApiError) as refused:
        stranger.get("/projects")
    assert refused.value.status == 401


@pytest.mark.django_db(transaction=True)
def test_a_topic_moves_only_as_our_workflow_lets_its_user_move_it(world, client_of):
    api = client_of("inspector")
    code = world["project"].code
    topic = api.post(f"/projects/{code}/topics", {"title": "楼板裂缝"})
    assert topic["authorization"]["topic_status"] == ["Open"]  # rectification is the contractor's, with photos
    with pytest.raises(BcfApiError) as refused:
        api.put(f"/projects/{code}/topics/{topic['guid']}", {"topic_status": "Closed"})
    assert refused.value.status == 409
    assert Finding.objects.get(client_uuid=topic["guid"]).status == "open"
    changed = api.put(f"/projects/{code}/topics/{topic['guid']}", {"title": "楼板裂缝（二层）", "stage": "主体结构"})
    assert (changed["title"], changed["stage"], changed["topic_status"]) == ("楼板裂缝（二层）", "主体结构", "Open")
    contractor = client_of("contractor")
    assert contractor.get(f"/projects/{code}/topics/{topic['guid']}")["authorization"]["topic_actions"] == []
    with pytest.raises(BcfApiError) as forbidden:
        contractor.post(f"/projects/{code}/topics/{topic['guid']}/comments", {"comment": "收到"})
    assert forbidden.value.status == 403
    events = api.get(f"/projects/{code}/topics/{topic['guid']}/events")
    assert [sorted(a["type"] for a in e["actions"]) for e in events] == [["create"], ["update_stage", "update_title"]]
