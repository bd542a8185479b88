"""First responsibility (首负责任制): a complaint goes to the first organisation that receives it,
with a deadline; it is passed on with a record; its timeline is visible to the department."""

import datetime

import pytest
from django.utils import timezone

from projects.models import Organisation
from supervision.models import Complaint

pytestmark = pytest.mark.django_db


def test_a_home_owners_complaint_goes_to_the_owner_with_a_deadline(world, as_persona):
    response = as_persona("home_owner").post(
        "/projects/GZ-2026-001/complaints", {"complainant_name": "吴业主", "description": "阳台渗水"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["first_responsible"] == body["current_holder"] == Organisation.objects.get(kind="owner").name
    assert datetime.date.fromisoformat(body["due_date"]) > timezone.localdate()
    assert [s["kind"] for s in body["steps"]] == ["received"]


def test_a_complaint_taken_by_the_contractor_is_the_contractors_to_answer(world, as_persona):
    body = (
        as_persona("contractor")
        .post(
            "/projects/GZ-2026-001/complaints",
            {"complainant_name": "路人", "description": "夜间施工噪音", "channel": "phone"},
        )
        .json()
    )
    assert body["first_responsible"] == Organisation.objects.get(kind="contractor").name


def test_passing_it_on_keeps_the_first_responsibility_and_a_record(world, as_persona):
    complaint = Complaint.objects.get(project=world["project"])  # the demo's, received by the owner
    contractor = Organisation.objects.get(kind="contractor")
    response = as_persona("owner").post(
        f"/complaints/{complaint.pk}/pass", {"organisation_id": contractor.pk, "note": "道路排水属施工单位"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["current_holder"] == contractor.name
    assert body["first_responsible"] == Organisation.objects.get(kind="owner").name
    assert body["steps"][-1] == {**body["steps"][-1], "kind": "passed_on", "to_organisation": contractor.name}
    assert body["steps"][-1]["note"] == "道路排水属施工单位"
    # the owner no longer holds it; the contractor answers
    assert as_persona("owner").post(f"/complaints/{complaint.pk}/answer", {"note": "x"}).status_code == 403
    answered = as_persona("contractor").post(f"/complaints/{complaint.pk}/answer", {"note": "已疏通排水"}).json()
    assert answered["status"] == "answered" and [s["kind"] for s in answered["steps"]] == [
        "received",
        "passed_on",
        "answered",
    ]


def test_a_complaint_is_passed_on_only_to_another_party_of_the_project(world, as_persona):
    complaint = Complaint.objects.get(project=world["project"])
    insurer = Organisation.objects.get(kind="insurer")
    response = as_persona("owner").post(
        f"/complaints/{complaint.pk}/pass", {"organisation_id": insurer.pk, "note": "x"}
    )
    assert response.status_code == 422 and response.json()["field"] == "organisation_id"


def test_the_timeline_is_the_departments_and_not_outsiders(world, as_persona):
    complaint = Complaint.objects.get(project=world["project"])
    assert as_persona("auditor").get(f"/complaints/{complaint.pk}").status_code == 200
    assert as_persona("home_owner").get(f"/complaints/{complaint.pk}").status_code == 200  # the filer
    for persona in ("auditor_sz", "outsider", "insurer"):
        assert as_persona(persona).get(f"/complaints/{complaint.pk}").status_code == 404, persona


def test_a_complaint_without_a_description_is_refused(world, as_persona):
    response = as_persona("home_owner").post(
        "/projects/GZ-2026-001/complaints", {"complainant_name": "吴业主", "description": "  "}
    )
    assert response.status_code == 422 and response.json()["field"] == "description"
    assert Complaint.objects.count() == 1


def test_anyone_reports_a_problem_from_a_signs_qr_code(world, client):
    sign = world["project"].signs.get(building="1#")
    page = client.get(f"/signs/{sign.public_token}/")
    assert f"/signs/{sign.public_token}/report/" in page.content.decode()
    response = client.post(
        f"/signs/{sign.public_token}/report/", {"description": "外墙瓷砖脱落", "complainant_name": "路人甲"}
    )
    assert response.status_code == 200 and 'id="filed"' in response.content.decode()
    complaint = Complaint.objects.get(channel="sign_qr")
    assert complaint.first_responsible == Organisation.objects.get(kind="owner") and complaint.filed_by is None
    empty = client.post(f"/signs/{sign.public_token}/report/", {"description": "", "complainant_name": "x"})
    assert 'id="error"' in empty.content.decode() and Complaint.objects.filter(channel="sign_qr").count() == 1
    assert client.get("/signs/no-such-token/report/").status_code == 404


@pytest.mark.chinese
def test_the_same_problem_sent_again_within_a_day_is_refused_with_a_message(world, client):
    sign = world["project"].signs.get(building="1#")
    path = f"/signs/{sign.public_token}/report/"
    body = {"description": "外墙瓷砖脱落", "complainant_name": "路人甲"}
    assert 'id="filed"' in client.post(path, body).content.decode()
    again = client.post(path, {**body, "description": "  外墙瓷砖脱落 ", "complainant_name": "路人乙"})
    assert again.status_code == 409
    assert "一天内已有人用相同的文字反映过这个问题" in again.content.decode()
    assert Complaint.objects.filter(channel="sign_qr").count() == 1
    # a day later the same words are a new report
    Complaint.objects.filter(channel="sign_qr").update(
        created_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    assert 'id="filed"' in client.post(path, body).content.decode()


@pytest.mark.chinese
def test_one_address_sends_at_most_public_report_max_per_ip_reports(world, client, settings):
    settings.PUBLIC_REPORT_MAX_PER_IP = 3
    sign = world["project"].signs.get(building="1#")
    path = f"/signs/{sign.public_token}/report/"
    for n in range(3):
        sent = client.post(path, {"description": f"第{n}处裂缝", "complainant_name": "路人甲"})
        assert 'id="filed"' in sent.content.decode()
    refused = client.post(path, {"description": "第4处裂缝", "complainant_name": "路人甲"})
    assert refused.status_code == 429 and "您所在的地址发送的反映过多" in refused.content.decode()
    assert Complaint.objects.filter(channel="sign_qr").count() == 3
    # another address is not held back by this one
    other = client.post(path, {"description": "第4处裂缝", "complainant_name": "路人乙"}, REMOTE_ADDR="10.0.0.9")
    assert 'id="filed"' in other.content.decode()
