"""Supervision inspections on the tablet: the draw sends each drawn inspector to their project for
the period; there they log findings of source "supervision" and photograph them, and nothing
else; signing the project's result ends it. The department's draw page shows what they logged and
the result cites it."""

import datetime
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bim.models import ModelVersion
from inspections.models import Finding
from plumbline.core.accounts.actions import create_api_token
from plumbline.core.errors import InvalidInput
from projects.models import Organisation, ProjectMembership
from supervision import actions
from supervision.draw import period_end
from supervision.models import OrganisationCredit, SupervisionAssignment
from tests.conftest import ApiClient
from tests.inspections.test_findings import add_photo, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(world):
    """A 2027-Q1 draw in which the demo project is drawn for sure (its contractor is in tier D):
    王督查 (gz_inspector) and 郑审计 go to it; 林督查 once worked for its contractor."""
    OrganisationCredit.objects.update_or_create(
        organisation=Organisation.objects.get(kind="contractor"),
        defaults={"points": 25, "tier": "D", "computed_at": timezone.now()},
    )
    draw = actions.create_supervision_draw(period="2027-Q1", seed="公开号 7", actor=world["users"]["auditor"])
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    return draw, version


def api_of(client, username, language="en"):
    user = get_user_model().objects.get(username=username)
    return ApiClient(client, create_api_token("tests", actor=user).raw, language)


def log(api, project, version, **extra):
    return api.post(
        f"/projects/{project.code}/findings", body(version, global_ids=[version.elements.first().global_id], **extra)
    )


def test_the_draw_sends_each_drawn_inspector_to_their_project_until_the_period_ends(world, drawn):
    draw, _version = drawn
    assignments = SupervisionAssignment.objects.filter(draw=draw, project=world["project"])
    assert sorted(a.inspector.person.name for a in assignments) == ["王督查", "郑审计"]
    last = timezone.localtime(assignments[0].membership.ended_at)
    assert (last.date(), last.time()) == (datetime.date(2027, 4, 1), datetime.time.min)
    assert {a.membership.role for a in assignments} == {"drawn_inspector"}


def test_a_drawn_inspector_logs_a_supervision_finding_and_its_photo_on_their_project(world, drawn, client):
    draw, version = drawn
    api = api_of(client, "gz_inspector")
    response = log(api, world["project"], version)
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "supervision"
    finding = Finding.objects.get(pk=response.json()["id"])
    assignment = finding.supervision_membership.supervision_assignment
    assert (assignment.draw, assignment.inspector.person.name) == (draw, "王督查")
    assert add_photo(api, world["project"].code, finding.pk).status_code == 201
    # the project's own inspectors still log site findings
    site = log(as_api(world, client, "inspector"), world["project"], version)
    assert site.json()["source"] == "site"


def as_api(world, client, persona):
    return ApiClient(client, create_api_token("tests", actor=world["users"][persona]).raw, "en")


def test_an_inspector_logs_nothing_on_a_project_they_were_not_drawn_for(world, drawn, client, new_project):
    _draw, version = drawn
    other = new_project("GZ-2026-009", "440105")  # in their region: they read it, they may not log on it
    api = api_of(client, "gz_inspector")
    assert log(api, other, version).status_code == 403
    # 林督查 worked for the contractor: never drawn for the demo project, so no right there either
    refused = log(api_of(client, "gz_inspector2"), world["project"], version)
    assert refused.status_code == 403
    assert not Finding.objects.filter(source="supervision").exists()


def test_signing_the_result_ends_the_assignment(world, drawn, client):
    draw, version = drawn
    api = api_of(client, "gz_inspector")
    finding = log(api, world["project"], version).json()["id"]
    actions.record_supervision_result(
        draw,
        project_code=world["project"].code,
        outcome="issues",
        summary="梁保护层不足",
        finding_ids=[finding],
        actor=world["users"]["auditor"],
    )
    assert log(api, world["project"], version).status_code == 403
    assert add_photo(api, world["project"].code, finding).status_code == 403
    assert not SupervisionAssignment.objects.filter(draw=draw, membership__ended_at__gt=timezone.now()).exists()


def test_a_drawn_inspector_cannot_touch_a_site_finding(world, drawn, client):
    _draw, version = drawn
    site = log(as_api(world, client, "inspector"), world["project"], version).json()["id"]
    api = api_of(client, "gz_inspector")
    code = world["project"].code
    assert add_photo(api, code, site).status_code == 403
    assert api.post(f"/projects/{code}/findings/{site}/verify", {"note": ""}).status_code == 403
    assert api.post(f"/projects/{code}/findings/{site}/assign", {"person_id": None}).status_code == 403
    assert api.get(f"/projects/{code}/findings/{site}").status_code == 200  # reading is fine


def test_the_owner_cannot_make_anybody_a_drawn_inspector(world, as_persona):
    auditor = world["users"]["auditor"].person
    response = as_persona("owner").post(
        f"/projects/{world['project'].code}/members", {"person_id": auditor.pk, "role": "drawn_inspector"}
    )
    assert response.status_code == 422 and response.json()["field"] == "role"


def test_the_findings_list_filters_by_source(world, drawn, client, as_persona):
    _draw, version = drawn
    code = world["project"].code
    mine = log(api_of(client, "gz_inspector"), world["project"], version).json()["id"]
    log(as_api(world, client, "inspector"), world["project"], version)
    listed = as_persona("owner").get(f"/projects/{code}/findings?source=supervision").json()["items"]
    assert [f["id"] for f in listed] == [mine]
    site = as_persona("owner").get(f"/projects/{code}/findings?source=site").json()["items"]
    assert mine not in [f["id"] for f in site] and site
    bad = as_persona("owner").get(f"/projects/{code}/findings?source=audit")
    assert bad.status_code == 422 and bad.json()["field"] == "source"


def test_a_result_cites_only_findings_its_inspectors_logged(world, drawn, client):
    draw, version = drawn
    site = log(as_api(world, client, "inspector"), world["project"], version).json()["id"]
    with pytest.raises(InvalidInput) as refused:
        actions.record_supervision_result(
            draw,
            project_code=world["project"].code,
            outcome="passed",
            summary="合格",
            finding_ids=[site],
            actor=world["users"]["auditor"],
        )
    assert refused.value.extra == {"field": "finding_ids"}


@pytest.mark.chinese
def test_the_tablet_pages_show_the_assignment_and_the_draw_in_chinese(world, drawn, client):
    draw, version = drawn
    finding = log(api_of(client, "gz_inspector"), world["project"], version).json()["id"]
    client.force_login(get_user_model().objects.get(username="gz_inspector"))
    page = client.get("/supervision/inspections/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的监督检查" in page and world["project"].code in page and "2027-Q1" in page
    assert f"/projects/{world['project'].code}/plan/" in page
    shown = client.get(f"/projects/{world['project'].code}/findings/{finding}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "监督检查" in shown.content.decode()

    client.force_login(world["users"]["auditor"])
    page = client.get(f"/supervision/draws/{draw.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'data-finding-id="{finding}"' in page and "签署结果" in page
    signed = client.post(
        f"/supervision/draws/{draw.pk}/",
        {"project": world["project"].code, "outcome": "issues", "summary": "梁保护层不足", "finding_ids": [finding]},
    )
    assert signed.status_code == 302
    result = draw.results.get(project=world["project"])
    assert [f.pk for f in result.findings.all()] == [finding]
    assert not ProjectMembership.objects.filter(
        role="drawn_inspector", project=world["project"], ended_at__gt=timezone.now()
    ).exists()


def test_a_period_ends_on_its_last_day():
    assert period_end("2026-Q3") == datetime.date(2026, 9, 30)
    assert period_end("2027-02") == datetime.date(2027, 2, 28)
    assert period_end("2026-H1") == datetime.date(2026, 6, 30)
    assert period_end("2026") == datetime.date(2026, 12, 31)
    assert period_end("spring-check") is None


def test_a_client_uuid_is_enough_for_the_offline_queue(world, drawn, client):
    """The tablet's queue replays the same finding: the same one comes back, still supervision."""
    _draw, version = drawn
    api = api_of(client, "gz_inspector")
    payload = body(version, global_ids=[version.elements.first().global_id], client_uuid=str(uuid.uuid4()))
    first = api.post(f"/projects/{world['project'].code}/findings", payload)
    again = api.post(f"/projects/{world['project'].code}/findings", payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["source"] == "supervision"


def test_the_element_card_offers_a_drawn_inspector_the_finding_form_and_it_logs_supervision(world, drawn, client):
    _draw, version = drawn
    code, element = world["project"].code, version.elements.first()
    client.force_login(get_user_model().objects.get(username="gz_inspector"))
    card = client.get(f"/projects/{code}/plan/{version.pk}/element/{element.global_id}/")
    assert card.status_code == 200 and 'id="new-finding"' in card.content.decode()
    sent = client.post(
        f"/projects/{code}/findings/new/",
        {
            "client_uuid": str(uuid.uuid4()),
            "version_id": version.pk,
            "global_ids": element.global_id,
            "category": "structure",
            "severity": "major",
            "title": "楼板裂缝",
        },
    )
    assert sent.status_code == 302
    assert Finding.objects.get(title="楼板裂缝").source == "supervision"
    # a region auditor the draw did not send sees the card without the form
    client.force_login(get_user_model().objects.get(username="gz_inspector2"))
    card = client.get(f"/projects/{code}/plan/{version.pk}/element/{element.global_id}/")
    assert card.status_code == 200 and 'id="new-finding"' not in card.content.decode()
