"""Every date a person enters lies within sane bounds and in order with the project's other
dates; anything else is refused with 422 naming the field, in Chinese first, and changes nothing.
A deadline computed near the end of the calendar does not break the register."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects.demo import letter_pdf
from projects.models import PartyAppointment, Project
from projects.workdays import add_working_days

D = datetime.date


def english(api):
    api.client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return api


def new_contractor_body(world, start_date):
    from projects.models import Organisation

    org = Organisation.objects.get(kind="contractor")
    return {
        "party": "contractor",
        "organisation_id": org.pk,
        "leader_id": world["users"]["outsider"].person.pk,
        "start_date": start_date,
    }


@pytest.mark.chinese
def test_an_appointment_starting_in_the_year_9999_is_refused_and_the_register_keeps_working(world, as_persona):
    owner, code = as_persona("owner"), world["project"].code
    before = PartyAppointment.objects.count()

    refused = owner.post(f"/projects/{code}/appointments", new_contractor_body(world, "9999-12-31"))

    assert refused.status_code == 422, refused.content
    assert refused.json()["field"] == "start_date"
    assert "任职开始日期（9999-12-31）超出范围" in refused.json()["detail"]
    assert PartyAppointment.objects.count() == before
    assert owner.get(f"/projects/{code}/letters/requirements").status_code == 200
    assert owner.post(f"/projects/{code}/stage", {"stage": "completed"}).status_code == 200


def test_the_refusal_names_the_field_in_english_when_english_is_chosen(world, as_persona):
    owner = english(as_persona("owner"))
    refused = owner.post(f"/projects/{world['project'].code}/appointments", new_contractor_body(world, "1900-01-01"))
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("The start date 1900-01-01 is out of range: dates run from 1949-01-01")


def test_the_bounds_are_configurable(world, as_persona, settings):
    settings.DATE_EARLIEST = D(2026, 1, 1)
    settings.DATE_YEARS_AHEAD = 1
    owner, code = english(as_persona("owner")), world["project"].code
    early = owner.post(f"/projects/{code}/appointments", new_contractor_body(world, "2025-12-31"))
    assert early.status_code == 422 and "from 2026-01-01" in early.json()["detail"]
    late = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    assert owner.post(f"/projects/{code}/appointments", new_contractor_body(world, late)).status_code == 422


def test_a_deadline_near_the_end_of_the_calendar_does_not_overflow():
    assert add_working_days(D.max - datetime.timedelta(days=2), 5) == D.max


def test_a_project_cannot_be_completed_before_it_started(world, as_persona):
    owner, code = english(as_persona("owner")), world["project"].code

    long_ago = owner.post(f"/projects/{code}/stage", {"stage": "completed", "on": "2000-01-01"})
    before_start = owner.post(f"/projects/{code}/stage", {"stage": "completed", "on": "2026-03-31"})
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    ahead = owner.post(f"/projects/{code}/stage", {"stage": "completed", "on": tomorrow})

    assert [r.status_code for r in (long_ago, before_start, ahead)] == [422, 422, 422]
    assert {r.json()["field"] for r in (long_ago, before_start, ahead)} == {"on"}
    assert "is before the start of construction (2026-04-01)" in before_start.json()["detail"]
    assert "is in the future" in ahead.json()["detail"]
    project = Project.objects.get(code=code)
    assert (project.stage, project.completed_on) == ("construction", None)


def test_an_appointment_cannot_start_after_the_project_was_completed(world, as_persona):
    owner, code = english(as_persona("owner")), world["project"].code
    today = timezone.localdate()
    assert owner.post(f"/projects/{code}/stage", {"stage": "completed", "on": today.isoformat()}).status_code == 200
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    refused = owner.post(f"/projects/{code}/appointments", new_contractor_body(world, tomorrow))
    assert refused.status_code == 422 and refused.json()["field"] == "start_date"
    assert "is after the project's completion" in refused.json()["detail"]


def test_an_appointment_cannot_end_in_the_year_9999(world, as_persona):
    project = world["project"]
    appointment = project.appointments.get(party="designer")
    refused = as_persona("owner").post(
        f"/projects/{project.code}/appointments/{appointment.pk}/end", {"end_date": "9999-12-31"}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "end_date"
    assert PartyAppointment.objects.get(pk=appointment.pk).end_date is None


def test_a_letter_signed_before_its_appointment_started_is_refused(world, as_persona):
    project = world["project"]
    appointment = project.appointments.get(party="designer")  # from 2026-03-02
    response = english(as_persona("owner")).client.post(
        f"/api/v1/projects/{project.code}/appointments/{appointment.pk}/letters",
        data={
            "kind": "commitment",
            "signed_on": "2026-03-01",
            "file": SimpleUploadedFile("c.pdf", letter_pdf("commitment", "王设计")),
        },
        headers=as_persona("owner").headers,
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "signed_on"
    assert "is before the appointment's start (2026-03-02)" in response.json()["detail"]


@pytest.mark.parametrize("value", [0, 20260302, "0", 1780000000, "2026-3-2", "2026-02-30"])
def test_a_date_that_is_not_written_yyyy_mm_dd_is_refused(world, as_persona, value):
    before = PartyAppointment.objects.count()
    response = as_persona("owner").post(
        f"/projects/{world['project'].code}/appointments", new_contractor_body(world, value)
    )
    assert response.status_code == 422, response.content
    assert "start_date" in response.json()["detail"]
    assert PartyAppointment.objects.count() == before
