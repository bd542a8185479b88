"""A finding is given to a person of the responsible party's organisation, who is told (a notice
and an email); each person finds theirs under "my findings"; the list filters by storey, element
class, responsible party, assignee and overdue and shows where each finding is, whose it is and
whether it is late; rectification photos are kept apart from the defect photos."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bim.models import ModelVersion
from inspections import actions, tasks
from inspections.demo import finding_photo_png
from inspections.models import Finding
from plumbline.core.audit.models import AuditEvent
from plumbline.core.notifications.models import Notification
from projects.actions import add_project_member


@pytest.fixture
def demo(world):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    return world["project"], version


def open_on(project, version, element_name, *, actor, title="Spalling", **extra):
    finding, _ = actions.open_finding(
        project,
        client_uuid=uuid.uuid4(),
        version_id=version.pk,
        global_ids=[version.elements.get(name=element_name).global_id],
        category="structure",
        severity="major",
        title=title,
        actor=actor,
        **extra,
    )
    return finding


def person(world, username):
    return world["users"][username].person


def test_an_inspector_assigns_a_finding_to_the_contractors_person_who_is_notified_and_emailed(
    demo, world, as_persona, mailoutbox, django_capture_on_commit_callbacks
):
    project, version = demo
    contractor = world["users"]["contractor"]
    contractor.email = "zhang@contractor.example"
    contractor.save(update_fields=["email"])
    finding = open_on(project, version, "2F 北墙", actor=world["users"]["inspector"])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_persona("inspector").post(
            f"/projects/{project.code}/findings/{finding.pk}/assign", {"person_id": contractor.person.pk}
        )
    assert response.status_code == 200, response.content
    assert response.json()["assignee_id"] == contractor.person.pk
    assert response.json()["assignee_name"] == "张施工"
    event = AuditEvent.objects.filter(action="finding.assigned", target_id=str(finding.pk)).get()
    assert event.changes == {"assignee": [None, "张施工"]}
    assert [s.kind for s in finding.steps.all()] == ["opened", "assigned"]
    notice = Notification.objects.get(recipient=contractor, kind="finding.assigned", link__contains=f"/{finding.pk}/")
    assert notice.title == f"问题 #{finding.pk} 已指派给您：Spalling"  # written in the site's language
    assert notice.link == f"/projects/{project.code}/findings/{finding.pk}/" and notice.project == project
    assert [m.to for m in mailoutbox] == [["zhang@contractor.example"]]
    assert mailoutbox[0].subject == notice.title
    assert f"/projects/{project.code}/findings/{finding.pk}/" in mailoutbox[0].body
    notice.refresh_from_db()
    assert notice.email_sent_at is not None


@pytest.mark.parametrize("username", ["owner", "outsider", "chief_inspector"])
def test_assigning_to_someone_not_working_here_for_the_responsible_party_is_refused(demo, world, as_persona, username):
    """The owner's and the supervisor's people work on the project for other organisations; the
    outsider works for the contractor's organisation but not on this project."""
    project, version = demo
    finding = open_on(project, version, "2F 北墙", actor=world["users"]["inspector"])
    response = as_persona("inspector").post(
        f"/projects/{project.code}/findings/{finding.pk}/assign", {"person_id": person(world, username).pk}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "person_id"
    assert "中建华南建设集团有限公司" in response.json()["detail"]  # the organisation to pick from
    finding.refresh_from_db()
    assert finding.assignee is None
    assert not Notification.objects.filter(kind="finding.assigned", link__contains=f"/{finding.pk}/").exists()
    assert not AuditEvent.objects.filter(action="finding.assigned", target_id=str(finding.pk)).exists()


def test_the_refusal_is_in_chinese_by_default(demo, world, client):
    project, version = demo
    finding = open_on(project, version, "2F 北墙", actor=world["users"]["inspector"])
    client.force_login(world["users"]["inspector"])
    response = client.post(
        f"/api/v1/projects/{project.code}/findings/{finding.pk}/assign",
        {"person_id": person(world, "owner").pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "不是责任方" in response.json()["detail"]


def test_contractor_staff_assign_only_findings_their_organisation_is_responsible_for(demo, world, as_persona):
    project, version = demo
    inspector = world["users"]["inspector"]
    ours = open_on(project, version, "2F 北墙", actor=inspector)
    designers = open_on(project, version, "2F 北墙", actor=inspector, responsible_party="designer")
    contractor = as_persona("contractor")
    me = person(world, "contractor").pk
    assert contractor.post(f"/projects/{project.code}/findings/{ours.pk}/assign", {"person_id": me}).status_code == 200
    refused = contractor.post(f"/projects/{project.code}/findings/{designers.pk}/assign", {"person_id": me})
    assert refused.status_code == 403
    # the designer's finding goes to the designer's people
    designer = person(world, "designer").pk
    given = as_persona("inspector").post(
        f"/projects/{project.code}/findings/{designers.pk}/assign", {"person_id": designer}
    )
    assert given.status_code == 200 and given.json()["assignee_name"] == "王设计"


def test_a_closed_finding_is_not_assigned_and_null_takes_an_open_one_back(demo, world, as_persona):
    project, _version = demo
    api = as_persona("inspector")
    closed = project.findings.get(status="closed")
    me = person(world, "contractor").pk
    assert api.post(f"/projects/{project.code}/findings/{closed.pk}/assign", {"person_id": me}).status_code == 409
    assigned = project.findings.get(assignee__isnull=False)  # the demo's crack, given to 张施工
    back = api.post(f"/projects/{project.code}/findings/{assigned.pk}/assign", {"person_id": None})
    assert back.status_code == 200 and back.json()["assignee_id"] is None


def test_assigning_again_to_the_same_person_changes_nothing(demo, world, as_persona):
    project, version = demo
    finding = open_on(project, version, "2F 北墙", actor=world["users"]["inspector"])
    api, me = as_persona("inspector"), person(world, "contractor").pk
    for _ in range(2):
        assert api.post(f"/projects/{project.code}/findings/{finding.pk}/assign", {"person_id": me}).status_code == 200
    assert AuditEvent.objects.filter(action="finding.assigned", target_id=str(finding.pk)).count() == 1
    assert Notification.objects.filter(kind="finding.assigned", link__contains=f"/{finding.pk}/").count() == 1


def test_my_findings_are_those_assigned_to_me(demo, world, as_persona):
    project, version = demo
    finding = open_on(project, version, "2F 北墙", actor=world["users"]["inspector"])
    actions.assign_finding(
        project, finding_id=finding.pk, person_id=person(world, "contractor").pk, actor=world["users"]["inspector"]
    )
    mine = as_persona("contractor").get(f"/projects/{project.code}/findings?assignee=me").json()
    crack = project.findings.get(title="墙体裂缝：南墙开裂")
    assert {f["id"] for f in mine["items"]} == {finding.pk, crack.pk}
    assert as_persona("inspector").get(f"/projects/{project.code}/findings?assignee=me").json()["items"] == []
    unassigned = as_persona("inspector").get(f"/projects/{project.code}/findings?assignee=none").json()["items"]
    assert finding.pk not in {f["id"] for f in unassigned} and unassigned
    for bad in ("zhang", "²", "9" * 30):
        refused = as_persona("inspector").get(f"/projects/{project.code}/findings?assignee={bad}")
        assert refused.status_code == 422 and refused.json()["field"] == "assignee"
    huge = as_persona("inspector").post(f"/projects/{project.code}/findings/{finding.pk}/assign", {"person_id": 2**70})
    assert huge.status_code == 422


def test_the_list_filters_by_storey_element_class_party_and_overdue(demo, world, as_persona):
    project, version = demo
    inspector = world["users"]["inspector"]
    wall = open_on(project, version, "2F 北墙", actor=inspector, title="wall")
    window = open_on(project, version, "1F 窗 W1", actor=inspector, title="window", responsible_party="designer")
    late = open_on(project, version, "1F 窗 W1", actor=inspector, title="late", due_date=timezone.localdate())
    Finding.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    api = as_persona("owner")

    def ids(query):
        response = api.get(f"/projects/{project.code}/findings?{query}")
        assert response.status_code == 200, response.content
        return {f["id"] for f in response.json()["items"]}

    new = {wall.pk, window.pk, late.pk}
    window_class = version.elements.get(name="1F 窗 W1").ifc_class
    assert ids(f"ifc_class={window_class}") & new == {window.pk, late.pk}
    assert ids("ifc_class=IfcWall") & new == {wall.pk}
    assert ids(f"storey={wall.storey_global_id}") & new == {wall.pk}
    assert ids("responsible_party=designer") == {window.pk}
    assert ids("overdue=true") == {late.pk}
    assert late.pk not in ids("overdue=false") and wall.pk in ids("overdue=false")
    assert ids(f"ifc_class={window_class}&responsible_party=contractor") & new == {late.pk}
    assert api.get(f"/projects/{project.code}/findings?responsible_party=builder").status_code == 422


def test_the_list_shows_location_party_assignee_and_the_overdue_flag(demo, world, as_persona):
    project, version = demo
    late = open_on(project, version, "1F 窗 W1", actor=world["users"]["inspector"], due_date=timezone.localdate())
    Finding.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=3))
    rows = as_persona("contractor").get(f"/projects/{project.code}/findings?limit=100").json()["items"]
    row = next(r for r in rows if r["id"] == late.pk)
    window = version.elements.get(name="1F 窗 W1")
    assert row["storey_name"] == window.storey.name
    assert (row["element_name"], row["element_class"]) == ("1F 窗 W1", window.ifc_class)
    assert row["responsible_party"] == "contractor" and row["is_overdue"] is True
    crack = next(r for r in rows if r["title"] == "墙体裂缝：南墙开裂")
    assert crack["assignee_name"] == "张施工" and crack["is_overdue"] is False
    detail = as_persona("contractor").get(f"/projects/{project.code}/findings/{late.pk}").json()
    assert detail["element_name"] == "1F 窗 W1" and detail["is_overdue"] is True

    contractor = world["users"]["contractor"]
    page = as_persona("contractor").client
    page.force_login(contractor)
    html = page.get(f"/projects/{project.code}/findings/?overdue=1").content.decode()
    assert f'data-finding-id="{late.pk}"' in html and "已逾期" in html and "1F 窗 W1" in html
    assert "施工单位" in html  # the responsible party
    mine = page.get(f"/projects/{project.code}/findings/?assignee=me").content.decode()
    assert "我的问题" in mine and "墙体裂缝：南墙开裂" in mine and f'data-finding-id="{late.pk}"' not in mine


def test_a_rejected_rectification_tells_the_assignee_and_who_submitted_it(demo, world):
    project, version = demo
    inspector, contractor = world["users"]["inspector"], world["users"]["contractor"]
    submitted = project.findings.get(status="rectification_submitted")  # the demo's window, by 张施工
    actions.move_finding(project, finding_id=submitted.pk, verb="reject", note="胶缝不连续", actor=inspector)
    notice = Notification.objects.get(kind="finding.rejected")
    assert notice.recipient == contractor and "胶缝不连续" in notice.body
    assert notice.title == f"问题 #{submitted.pk} 的整改被驳回：{submitted.title}"


def test_the_overdue_notice_goes_out_once_per_finding_per_day(demo, world):
    project, version = demo
    inspector = world["users"]["inspector"]
    today = timezone.localdate()
    assigned = open_on(project, version, "2F 北墙", actor=inspector, title="given", due_date=today)
    foreman = person(world, "outsider")  # of the contractor's organisation, joining the project now
    add_project_member(project, person_id=foreman.pk, role="contractor", actor=world["users"]["owner"])
    actions.assign_finding(project, finding_id=assigned.pk, person_id=foreman.pk, actor=inspector)
    unassigned = open_on(project, version, "2F 北墙", actor=inspector, title="nobody's", due_date=today)
    submitted = open_on(project, version, "2F 北墙", actor=inspector, title="fixed", due_date=today)
    Finding.objects.filter(pk=submitted.pk).update(status="rectification_submitted")
    tomorrow = today + datetime.timedelta(days=1)

    assert actions.notify_overdue_findings(today=tomorrow) == 2
    assert actions.notify_overdue_findings(today=tomorrow) == 2  # the day's beat sent twice: no second notice
    overdue = Notification.objects.filter(kind="finding.overdue")
    # the assignee, else the responsible party's leader (the contractor's project manager)
    by_finding = {n.link.split("/")[-2]: n.recipient.username for n in overdue}
    assert by_finding == {str(unassigned.pk): "contractor", str(assigned.pk): "outsider"}
    assert overdue.get(recipient__username="outsider").title == f"问题 #{assigned.pk} 已逾期：given"
    actions.notify_overdue_findings(today=tomorrow + datetime.timedelta(days=1))
    assert Notification.objects.filter(kind="finding.overdue").count() == 4  # a new day, a new notice
    assert tasks.notify_overdue_findings.delay().get() == 0  # today nothing is overdue yet


def test_the_overdue_notice_of_an_assignee_who_left_goes_to_the_party_leader(demo, world):
    """Someone who no longer works on the project gets none of its notices: the finding given to
    them, once overdue, is the responsible party's leader's to chase."""
    from projects.actions import end_project_membership
    from projects.models import ProjectMembership

    project, version = demo
    inspector = world["users"]["inspector"]
    today = timezone.localdate()
    finding = open_on(project, version, "2F 北墙", actor=inspector, title="left behind", due_date=today)
    foreman = person(world, "outsider")
    add_project_member(project, person_id=foreman.pk, role="contractor", actor=world["users"]["owner"])
    actions.assign_finding(project, finding_id=finding.pk, person_id=foreman.pk, actor=inspector)
    membership = ProjectMembership.objects.get(project=project, person=foreman)
    end_project_membership(project, membership_id=membership.pk, actor=world["users"]["owner"])

    assert actions.notify_overdue_findings(today=today + datetime.timedelta(days=1)) >= 1
    notices = Notification.objects.filter(kind="finding.overdue", link__contains=f"/{finding.pk}/")
    assert [n.recipient.username for n in notices] == ["contractor"]  # the contractor's project manager


def test_rectification_photos_are_labelled_apart_from_the_defect_photos(demo, world, as_persona, client):
    project, version = demo
    finding = open_on(project, version, "2F 北墙", actor=world["users"]["inspector"])

    def upload(persona, **form):
        return as_persona(persona).client.post(
            f"/api/v1/projects/{project.code}/findings/{finding.pk}/photos",
            headers=as_persona(persona).headers,
            data={
                "client_uuid": str(uuid.uuid4()),
                "file": SimpleUploadedFile("p.png", finding_photo_png("x")),
                **form,
            },
        )

    assert upload("inspector").json()["kind"] == "defect"
    assert upload("contractor").json()["kind"] == "rectification"
    assert upload("contractor", kind="defect").json()["kind"] == "defect"
    refused = upload("inspector", kind="after")
    assert refused.status_code == 422 and refused.json()["field"] == "kind"
    assert finding.photos.count() == 3
    detail = as_persona("owner").get(f"/projects/{project.code}/findings/{finding.pk}").json()
    assert sorted(p["kind"] for p in detail["photos"]) == ["defect", "defect", "rectification"]
    client.force_login(world["users"]["owner"])
    html = client.get(f"/projects/{project.code}/findings/{finding.pk}/").content.decode()
    defect, rectification = html.split('id="defect-photos"')[1], html.split('id="rectification-photos"')[1]
    assert defect.split("</div>")[0].count("<img") == 2 and rectification.split("</div>")[0].count("<img") == 1
    assert "问题照片" in html and "整改照片" in html


def test_photos_taken_before_photos_had_a_kind_are_labelled_by_who_took_them(demo, world):
    import importlib

    from django.apps import apps

    from inspections.models import FindingPhoto

    FindingPhoto.objects.update(kind="defect")  # as the column came in
    importlib.import_module("inspections.migrations.0006_assignee_photo_kind").label_rectification_photos(apps, None)
    kinds = set(FindingPhoto.objects.values_list("uploaded_by__username", "kind"))
    assert kinds == {("inspector", "defect"), ("contractor", "rectification")}


def test_beat_sends_the_overdue_notices_daily_and_a_worker_knows_the_task():
    from plumbline.celery import app

    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["notify-overdue-findings"]
    assert entry["task"] in app.tasks and "notifications.send_email" in app.tasks
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {5}
