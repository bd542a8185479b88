"""The lifetime-liability register: who held each party role on any date, their letters and
deadlines, the gates they open, and clear refusals that change nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import Conflict, InvalidInput, PayloadTooLarge
from projects import actions
from projects.demo import letter_pdf
from projects.models import LiabilityLetter, Organisation, PartyAppointment, Project
from projects.queries import appointments_at, letter_requirements
from signage.demo import sign_photo_png

D = datetime.date
PARTIES = {
    "owner": "owner",
    "surveyor": "surveyor",
    "designer": "designer",
    "contractor": "contractor",
    "supervisor": "chief_inspector",
}


@pytest.fixture
def fresh(world):
    """A new project of the demo owner, in preparation, with nobody appointed."""
    owner = world["users"]["owner"]
    project = actions.create_project(
        code="GZ-2026-009", name="九号地块", address="广州市黄埔区", region_code="440112", actor=owner
    )
    for username in ("contractor", "chief_inspector", "surveyor", "designer"):
        role = {"chief_inspector": "chief_inspector", "surveyor": "survey", "designer": "design"}.get(
            username, username
        )
        actions.add_project_member(project, person_id=world["users"][username].person.pk, role=role, actor=owner)
    return project


def appoint_all(project, world, on):
    users = world["users"]
    for party, username in PARTIES.items():
        person = users[username].person
        actions.appoint_party(
            project,
            party=party,
            organisation_id=person.organisation_id,
            leader_id=person.pk,
            start_date=on,
            actor=users["owner"],
        )


def file_letters(project, appointment, leader_user, on):
    for kind in ("authorisation", "commitment"):
        actions.upload_letter(
            project,
            appointment_id=appointment.pk,
            kind=kind,
            signed_on=on,
            stream=io.BytesIO(letter_pdf(kind, leader_user.person.name)),
            actor=leader_user,
        )


def test_a_project_walks_from_preparation_to_completed_with_its_project_manager_replaced(fresh, world):
    users, owner = world["users"], world["users"]["owner"]
    appoint_all(fresh, world, D(2026, 1, 5))

    # no construction without the ten letters; the refusal names what is missing
    with pytest.raises(Conflict) as refused:
        actions.change_project_stage(fresh, stage="construction", actor=owner)
    assert len(refused.value.extra["missing"]) == 10
    assert "张施工's lifetime quality liability commitment letter" in refused.value.detail
    statuses = {r.status for r in letter_requirements(fresh, today=D(2026, 1, 20))}
    assert statuses == {"missing"}  # first leaders: due before construction, not by a deadline

    for appointment in fresh.appointments.all():
        file_letters(fresh, appointment, appointment.leader.user, D(2026, 1, 10))
    actions.change_project_stage(fresh, stage="construction", on=D(2026, 2, 2), actor=owner)
    fresh.refresh_from_db()
    assert (fresh.stage, fresh.construction_started_on) == ("construction", D(2026, 2, 2))

    # the contractor's project manager is replaced on Monday 16 March
    successor = actions.register_person(
        username="liu",
        name="刘新",
        organisation_id=users["contractor"].person.organisation_id,
        qualification="一级注册建造师",
        actor=users["admin"],
    )
    actions.appoint_party(
        fresh,
        party="contractor",
        organisation_id=successor.organisation_id,
        leader_id=successor.pk,
        start_date=D(2026, 3, 16),
        actor=owner,
    )
    assert appointments_at(fresh, D(2026, 3, 15))["contractor"].leader.name == "张施工"
    assert appointments_at(fresh, D(2026, 3, 16))["contractor"].leader.name == "刘新"
    assert appointments_at(fresh, D(2025, 12, 31))["contractor"] is None
    history = list(PartyAppointment.objects.filter(project=fresh, party="contractor").order_by("start_date"))
    assert [(a.leader.name, a.start_date, a.end_date) for a in history] == [
        ("张施工", D(2026, 1, 5), D(2026, 3, 15)),
        ("刘新", D(2026, 3, 16), None),
    ]

    # his letters are due five working days later, then flagged overdue
    new = {r.kind: r for r in letter_requirements(fresh, today=D(2026, 3, 20)) if r.appointment.leader.name == "刘新"}
    assert {k: (r.status, r.due_date) for k, r in new.items()} == {
        "authorisation": ("missing", D(2026, 3, 23)),
        "commitment": ("missing", D(2026, 3, 23)),
    }
    late = [r.status for r in letter_requirements(fresh, today=D(2026, 3, 24)) if r.appointment.leader.name == "刘新"]
    assert late == ["overdue", "overdue"]

    with pytest.raises(Conflict, match="刘新's legal representative's authorisation letter"):
        actions.change_project_stage(fresh, stage="completed", actor=owner)

    file_letters(fresh, history[1], successor.user, D(2026, 3, 30))  # signed retroactively (补签)
    filed = {r.status for r in letter_requirements(fresh) if r.appointment.leader.name == "刘新"}
    assert filed == {"filed_late"}
    actions.change_project_stage(fresh, stage="completed", on=D(2026, 11, 20), actor=owner)
    fresh.refresh_from_db()
    assert (fresh.stage, fresh.completed_on) == ("completed", D(2026, 11, 20))
    assert AuditEvent.objects.filter(project=fresh, action="register.appointed").count() == 6


def test_who_held_each_role_on_a_date_through_the_api(world, as_persona):
    code = world["project"].code
    on_day = (
        as_persona("auditor").get(f"/projects/{code}/parties?at=2026-03-01").json()
    )  # the day before the demo appointments
    assert {row["party"]: row["appointment"] for row in on_day} == dict.fromkeys(PARTIES)
    today = as_persona("auditor").get(f"/projects/{code}/parties").json()
    assert {row["party"]: row["appointment"]["leader"] for row in today} == {
        "owner": "李建国",
        "surveyor": "陈土根",
        "designer": "王设计",
        "contractor": "张施工",
        "supervisor": "钱总监",
    }


def upload(api, code, appointment_id, data: bytes, name="letter.pdf", kind="commitment"):
    return api.client.post(
        f"/api/v1/projects/{code}/appointments/{appointment_id}/letters",
        data={"kind": kind, "signed_on": "2026-03-02", "file": SimpleUploadedFile(name, data)},
        headers=api.headers,
    )


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 200, 422, "looks like a Windows program (judged by its content, not its name)"),
        (b"", 422, "The letter is empty."),
        (b"%PDF-1.4\n" + b"0" * 3000, 413, "The letter is 2.9 KB, over the limit of 2.0 KB."),
        (b"GIF89a" + b"\x00" * 50, 422, "must be a PDF, JPEG or PNG file; this file looks like a GIF image"),
    ],
    ids=["exe-renamed-pdf", "empty", "over-limit", "gif"],
)
def test_a_bad_letter_is_refused_clearly_and_nothing_is_stored(world, as_persona, settings, data, status, message):
    settings.LETTER_MAX_BYTES = 2048
    project = world["project"]
    appointment = project.appointments.get(party="contractor")
    LiabilityLetter.objects.filter(appointment=appointment, kind="commitment").update(status="withdrawn")
    contractor = as_persona("contractor")
    before = (LiabilityLetter.objects.count(), AuditEvent.objects.count(), stored_objects(settings))
    response = upload(contractor, project.code, appointment.pk, data)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert (LiabilityLetter.objects.count(), AuditEvent.objects.count(), stored_objects(settings)) == before


def stored_objects(settings) -> int:
    root = settings.LOCAL_STORAGE_DIR / "sha256"
    return sum(1 for p in root.rglob("*") if p.is_file() and not p.name.endswith(".meta")) if root.exists() else 0


def test_a_letter_is_filed_by_the_appointed_organisation_and_downloadable(world, as_persona, client):
    project = world["project"]
    appointment = project.appointments.get(party="contractor")
    LiabilityLetter.objects.filter(appointment=appointment, kind="commitment").update(status="withdrawn")
    pdf = letter_pdf("承诺书", "张施工")
    refused = upload(as_persona("inspector"), project.code, appointment.pk, pdf)
    assert refused.status_code == 403  # a supervisor may not file the contractor's letter
    filed = upload(as_persona("contractor"), project.code, appointment.pk, pdf, name="scan.PDF")
    assert filed.status_code == 201
    assert filed.json()["content_type"] == "application/pdf" and filed.json()["original_name"] == "scan.PDF"
    again = upload(as_persona("contractor"), project.code, appointment.pk, pdf)
    assert again.status_code == 409 and "already on file" in again.json()["detail"]
    link = as_persona("auditor").get(f"/projects/{project.code}/letters/{filed.json()['id']}/download").json()["url"]
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Disposition"] == "attachment; filename=\"scan.PDF\"; filename*=UTF-8''scan.PDF"


def test_an_appointment_that_overlaps_another_is_refused(world):
    project, owner = world["project"], world["users"]["owner"]
    person = world["users"]["outsider"].person
    before = list(PartyAppointment.objects.filter(project=project).values_list("id", "end_date"))
    with pytest.raises(Conflict, match="would overlap 张施工's, which starts on 2026-03-02"):
        actions.appoint_party(
            project,
            party="contractor",
            organisation_id=person.organisation_id,
            leader_id=person.pk,
            start_date=D(2026, 3, 2),
            actor=owner,
        )
    assert list(PartyAppointment.objects.filter(project=project).values_list("id", "end_date")) == before


@pytest.mark.chinese
def test_an_end_date_before_the_start_is_refused(world, as_persona):
    project = world["project"]
    appointment = project.appointments.get(party="designer")
    response = as_persona("owner").post(
        f"/projects/{project.code}/appointments/{appointment.pk}/end", {"end_date": "2026-01-01"}
    )
    assert response.status_code == 422
    assert "任职结束日期（2026-01-01）早于任职开始日期（2026-03-02）" in response.json()["detail"]
    assert response.json()["field"] == "end_date"
    assert PartyAppointment.objects.get(pk=appointment.pk).end_date is None


def test_a_leader_must_work_for_the_appointed_organisation(world):
    project, owner = world["project"], world["users"]["owner"]
    contractor_org = Organisation.objects.get(kind="contractor")
    with pytest.raises(
        InvalidInput, match="王设计 works for 广州市城市规划设计有限公司, not for the appointed organisation"
    ):
        actions.appoint_party(
            project,
            party="contractor",
            organisation_id=contractor_org.pk,
            leader_id=world["users"]["designer"].person.pk,
            start_date=D(2026, 5, 1),
            actor=owner,
        )
    with pytest.raises(InvalidInput, match="must be a contractor"):
        actions.appoint_party(
            project,
            party="contractor",
            organisation_id=Organisation.objects.get(kind="design").pk,
            leader_id=world["users"]["designer"].person.pk,
            start_date=D(2026, 5, 1),
            actor=owner,
        )


def test_a_stage_jump_that_skips_a_gate_is_refused(fresh, world):
    with pytest.raises(Exception, match="cannot move to completed") as refused:
        actions.change_project_stage(fresh, stage="completed", actor=world["users"]["owner"])
    assert refused.value.extra["allowed"] == ["construction"]
    assert Project.objects.get(pk=fresh.pk).stage == "preparation"


def test_a_photo_over_the_limit_is_refused_before_anything_is_stored(world, settings):
    settings.SIGN_PHOTO_MAX_BYTES = 100
    with pytest.raises(PayloadTooLarge):
        from signage.actions import add_sign_photo

        add_sign_photo(
            world["project"],
            sign_id=world["project"].signs.get().pk,
            stream=io.BytesIO(sign_photo_png()),
            actor=world["users"]["owner"],
        )
