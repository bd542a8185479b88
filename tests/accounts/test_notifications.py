"""Notifications: `notify` writes a notice and emails it once the caller's work commits (never
when it rolls back, never to the one who caused it, once per key); each person reads only their
own, unread first, marks them read, and sees the unread count on the bell of every page."""

import pytest
from django.db import transaction

from plumbline.core.notifications.actions import notify
from plumbline.core.notifications.models import Notification


@pytest.fixture
def zhang(world):
    user = world["users"]["contractor"]
    user.email = "zhang@contractor.example"
    user.save(update_fields=["email"])
    return user


def test_a_notice_is_written_and_emailed_when_the_work_commits(
    world, zhang, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://192.168.1.20:8020"
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            zhang,
            kind="claim.decided",
            title="理赔已受理",
            body="请于两日内到场。",
            link="/projects/GZ-2026-001/",
            project=world["project"],
            actor=world["users"]["insurer"],
        )
    assert notice.pk and not notice.is_read
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert (mail.to, mail.subject) == (["zhang@contractor.example"], "理赔已受理")
    assert "请于两日内到场。" in mail.body and "http://192.168.1.20:8020/projects/GZ-2026-001/" in mail.body
    notice.refresh_from_db()
    assert notice.email_sent_at is not None


def test_work_that_rolls_back_leaves_no_notice_and_sends_no_email(
    world, zhang, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        notify(zhang, kind="x.y", title="never", actor=None)
        raise RuntimeError("the action failed after notifying")
    assert not Notification.objects.filter(title="never").exists()
    assert mailoutbox == []


def test_nobody_is_told_of_their_own_doing_and_a_key_tells_once(
    world, zhang, mailoutbox, django_capture_on_commit_callbacks
):
    assert notify(zhang, kind="x.y", title="mine", actor=zhang) is None
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(zhang, kind="x.y", title="once", key="x.y:1:2026-12-02")
        again = notify(zhang, kind="x.y", title="once", key="x.y:1:2026-12-02")
    assert first == again and Notification.objects.filter(title="once").count() == 1
    assert len(mailoutbox) == 1


def test_a_person_without_an_email_address_gets_the_notice_only(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(world["users"]["owner"], kind="x.y", title="in-app")
    assert notice.pk and mailoutbox == []


def test_the_list_is_my_own_unread_first_and_paginated(world, as_persona):
    contractor = world["users"]["contractor"]
    for number in range(3):
        notify(contractor, kind="x.y", title=f"n{number}")
    notify(world["users"]["owner"], kind="x.y", title="the owner's")
    api = as_persona("contractor")
    read = Notification.objects.get(recipient=contractor, title="n2")
    assert api.post(f"/notifications/{read.pk}/read").json()["is_read"] is True
    listed = api.get("/notifications?limit=10").json()
    titles = [n["title"] for n in listed["items"]]
    # the demo's assignment notice is unread too
    assert titles[-1] == "n2" and set(titles[:-1]) >= {"n0", "n1"} and "the owner's" not in titles
    assert listed["count"] == len(titles)
    assert [n["title"] for n in api.get("/notifications?unread=false").json()["items"]] == ["n2"]
    assert api.get("/notifications?limit=1").json()["items"][0]["is_read"] is False


def test_marking_read_another_persons_notice_is_not_found(world, as_persona):
    theirs = notify(world["users"]["owner"], kind="x.y", title="the owner's")
    response = as_persona("contractor").post(f"/notifications/{theirs.pk}/read")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_every_unread_notice(world, as_persona):
    contractor = world["users"]["contractor"]
    notify(contractor, kind="x.y", title="a")
    notify(contractor, kind="x.y", title="b")
    unread = Notification.objects.filter(recipient=contractor, read_at__isnull=True).count()
    response = as_persona("contractor").post("/notifications/read-all")
    assert response.json() == {"marked": unread}
    assert not Notification.objects.filter(recipient=contractor, read_at__isnull=True).exists()


def test_the_bell_shows_the_unread_count_and_opening_a_notice_marks_it_read(world, client):
    contractor = world["users"]["contractor"]
    notice = notify(contractor, kind="x.y", title="请看问题", link=f"/projects/{world['project'].code}/findings/")
    unread = Notification.objects.filter(recipient=contractor, read_at__isnull=True).count()
    client.force_login(contractor)
    home = client.get("/").content.decode()
    assert f'data-unread="{unread}"' in home and f'<strong id="unread-count">{unread}</strong>' in home
    page = client.get("/notifications/").content.decode()
    assert "请看问题" in page and "全部标为已读" in page
    opened = client.post(f"/notifications/{notice.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == f"/projects/{world['project'].code}/findings/"
    notice.refresh_from_db()
    assert notice.is_read
    client.post("/notifications/read-all/")
    assert 'data-unread="0"' in client.get("/").content.decode()
    assert client.post("/notifications/999999/read/").status_code == 404


def test_the_demo_contractor_has_the_notice_of_the_finding_assigned_to_him(world):
    notice = Notification.objects.get(recipient=world["users"]["contractor"], kind="finding.assigned")
    assert "墙体裂缝" in notice.title and notice.project == world["project"]


def _remove_from_the_project(world, username):
    from projects.actions import end_project_membership
    from projects.models import ProjectMembership

    project = world["project"]
    memberships = ProjectMembership.objects.filter(
        project=project, person__user=world["users"][username], ended_at__isnull=True
    )
    for membership in memberships:
        end_project_membership(project, membership_id=membership.pk, actor=world["users"]["owner"])


def test_someone_removed_from_a_project_no_longer_sees_its_notices_nor_gets_new_ones(world, as_persona, client):
    contractor = world["users"]["contractor"]
    project = world["project"]
    about_it = notify(contractor, kind="x.y", title="项目通知", project=project)
    notify(contractor, kind="x.y", title="平台通知")
    _remove_from_the_project(world, "contractor")

    api = as_persona("contractor")
    titles = [n["title"] for n in api.get("/notifications?limit=50").json()["items"]]
    assert "平台通知" in titles and "项目通知" not in titles
    assert not any("墙体裂缝" in t for t in titles)  # the demo's assignment notice went with the project
    assert api.post(f"/notifications/{about_it.pk}/read").status_code == 404
    assert api.post("/notifications/read-all").json() == {"marked": 1}
    about_it.refresh_from_db()
    assert about_it.read_at is None
    client.force_login(contractor)
    assert "项目通知" not in client.get("/notifications/").content.decode()
    assert notify(contractor, kind="x.y", title="不该收到", project=project) is None
    assert not Notification.objects.filter(title="不该收到").exists()


def test_an_auditor_who_sees_the_project_by_region_is_told_and_one_outside_it_is_not(world):
    project = world["project"]
    assert notify(world["users"]["auditor"], kind="x.y", title="区域", project=project) is not None
    assert notify(world["users"]["auditor_sz"], kind="x.y", title="区域", project=project) is None
    assert notify(world["users"]["outsider"], kind="x.y", title="区域", project=project) is None
