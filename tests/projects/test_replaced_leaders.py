"""A leader's project role comes with their appointment and ends with it: a replaced project
manager can no longer upload models from the day after their last day, while a leader who also
holds the role in their own right keeps it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bim.ifc.build import demo_model
from plumbline.core.accounts.actions import create_api_token
from plumbline.core.audit.models import AuditEvent
from plumbline.core.permissions import Role
from projects import actions
from projects.models import ProjectMembership
from projects.queries import roles_in
from tests.conftest import ApiClient

DAY = datetime.timedelta(days=1)


@pytest.fixture
def register_pm(world):
    """A new project manager of the demo contractor, with an API client of their own."""
    admin, contractor = world["users"]["admin"], world["users"]["contractor"].person

    def make(username: str):
        return actions.register_person(
            username=username, name=f"项目经理{username}", organisation_id=contractor.organisation_id, actor=admin
        )

    return make


def appoint_pm(world, person, start_date):
    return actions.appoint_party(
        world["project"],
        party="contractor",
        organisation_id=person.organisation_id,
        leader_id=person.pk,
        start_date=start_date,
        actor=world["users"]["owner"],
    )


def upload_model(client, user) -> int:
    api = ApiClient(client, create_api_token("tests", actor=user).raw)
    body = {"file": SimpleUploadedFile("new.ifc", demo_model().to_string().encode()), "model_name": "Structure"}
    return api.client.post(f"/api/v1/projects/{api_project_code()}/models", data=body, headers=api.headers).status_code


def api_project_code():
    from plumbline.demo import PROJECT_CODE

    return PROJECT_CODE


def test_a_replaced_leader_can_no_longer_upload_models(world, client, register_pm):
    today = timezone.localdate()
    first = register_pm("pm2")
    appoint_pm(world, first, today - 10 * DAY)
    assert upload_model(client, first.user) == 201

    successor = register_pm("pm3")
    appoint_pm(world, successor, today)  # the first one's last day was yesterday

    # the appointment was his only way into the project: it no longer exists for him
    assert upload_model(client, first.user) == 404
    assert roles_in(first.user, world["project"]) == set()
    assert upload_model(client, successor.user) == 201
    event = AuditEvent.objects.filter(action="register.appointed").latest("sequence")
    (ended,) = event.changes["memberships_ended"][1]
    assert ended["person"] == first.name and ended["role"] == "contractor"
    membership = ProjectMembership.objects.get(pk=ended["membership"])
    assert timezone.localtime(membership.ended_at) == timezone.make_aware(
        datetime.datetime.combine(today, datetime.time.min)
    )


def test_a_leader_who_holds_the_role_in_their_own_right_keeps_it(world, client, register_pm):
    # the demo project manager was a contractor member before his appointment
    demo_pm = world["users"]["contractor"]
    appoint_pm(world, register_pm("pm2"), timezone.localdate())
    assert world["project"].appointments.get(party="contractor", leader=demo_pm.person).end_date is not None
    assert Role.CONTRACTOR in roles_in(demo_pm, world["project"])
    assert upload_model(client, demo_pm) == 201


def test_an_ended_appointment_keeps_the_role_to_the_end_of_its_last_day(world, client, register_pm):
    today = timezone.localdate()
    pm = register_pm("pm2")
    appointment = appoint_pm(world, pm, today - 10 * DAY)

    actions.end_appointment(
        world["project"], appointment_id=appointment.pk, end_date=today, actor=world["users"]["owner"]
    )

    membership = ProjectMembership.objects.get(appointment=appointment)
    tomorrow = timezone.make_aware(datetime.datetime.combine(today + DAY, datetime.time.min))
    assert membership.ended_at == tomorrow
    assert upload_model(client, pm.user) == 201  # today was still his
    event = AuditEvent.objects.filter(action="register.appointment_ended").latest("sequence")
    assert event.changes["memberships_ended"][1][0]["membership"] == membership.pk


def test_an_appointment_ended_yesterday_takes_the_role_away_now(world, client, register_pm):
    today = timezone.localdate()
    pm = register_pm("pm2")
    appointment = appoint_pm(world, pm, today - 10 * DAY)

    actions.end_appointment(
        world["project"], appointment_id=appointment.pk, end_date=today - DAY, actor=world["users"]["owner"]
    )

    assert upload_model(client, pm.user) == 404
    assert not ProjectMembership.objects.get(appointment=appointment).is_active


def test_a_replaced_leader_who_still_works_on_the_project_is_refused_the_upload(world, client, register_pm):
    today = timezone.localdate()
    first = register_pm("pm2")
    appoint_pm(world, first, today - 10 * DAY)
    # he also bought a flat in the project: he keeps seeing it, as a home owner
    actions.add_project_member(world["project"], person_id=first.pk, role="home_owner", actor=world["users"]["owner"])

    appoint_pm(world, register_pm("pm3"), today)

    assert roles_in(first.user, world["project"]) == {Role.HOME_OWNER}
    assert upload_model(client, first.user) == 403
