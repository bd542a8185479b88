"""The architect-in-charge system (建筑师负责制): off until a region's housing department switches it
on; then the owner appoints a registered architect of a design organisation beside the five
parties, replaced over time like their leaders, filing a commitment letter under the same rules,
signing off design changes for the owner; the register page shows them."""

import datetime
import io

import pytest

from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import InvalidInput, PermissionDenied
from projects import actions
from projects.demo import AIC_PROJECT_CODE, id_number, letter_pdf
from projects.models import Organisation, PartyAppointment, RegionPolicy
from projects.queries import (
    appointments_at,
    current_appointments,
    letter_requirements,
    missing_for_stage,
    region_has_architect_in_charge,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def register_architect(world, username, name, id17):
    design = Organisation.objects.get(kind="design")
    return actions.register_person(
        username=username,
        name=name,
        organisation_id=design.pk,
        id_number=id_number(id17),
        qualification="一级注册建筑师",
        actor=world["users"]["admin"],
    )


@pytest.fixture
def architects(world):
    return (
        register_architect(world, "lin", "林建筑", "44010419810707341"),
        register_architect(world, "su", "苏建筑", "44010319830303562"),
    )


@pytest.fixture
def guangzhou_runs_it(world):
    return actions.set_architect_in_charge_system(enabled=True, actor=world["users"]["auditor"])


def appoint_body(architect, start, number="2011440100001"):
    return {
        "organisation_id": architect.organisation_id,
        "architect_id": architect.pk,
        "registration_number": number,
        "start_date": start,
    }


def test_a_project_of_a_region_without_the_system_cannot_appoint_an_architect_in_charge(world, as_persona, architects):
    code = world["project"].code
    assert not RegionPolicy.objects.filter(region_code="440100").exists()  # off by default
    refused = as_persona("owner").post(
        f"/projects/{code}/architect-in-charge", appoint_body(architects[0], "2026-05-04")
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "architect_in_charge_not_enabled"
    assert "does not run the architect-in-charge system" in refused.json()["detail"]
    assert not PartyAppointment.objects.filter(project=world["project"], party="architect").exists()
    # and the five parties' operation does not take the architect either
    through_parties = as_persona("owner").post(
        f"/projects/{code}/appointments",
        {"party": "architect", "organisation_id": architects[0].organisation_id, "leader_id": architects[0].pk,
         "start_date": "2026-05-04"},
    )  # fmt: skip
    assert through_parties.status_code == 422 and through_parties.json()["field"] == "party"


def test_only_a_housing_department_switches_the_system_for_its_own_region(world, as_persona):
    assert as_persona("owner").post("/supervision/architect-in-charge", {"enabled": True}).status_code == 403
    shenzhen = as_persona("auditor_sz").post("/supervision/architect-in-charge", {"enabled": True})
    assert shenzhen.status_code == 200 and shenzhen.json() == {"region_code": "440300", "has_architect_in_charge": True}
    assert not region_has_architect_in_charge("440106")  # Shenzhen's switch is not Guangzhou's
    on = as_persona("auditor").post("/supervision/architect-in-charge", {"enabled": True})
    assert on.json() == {"region_code": "440100", "has_architect_in_charge": True}
    assert region_has_architect_in_charge("440106")  # a district of the city
    event = AuditEvent.objects.filter(action="region.architect_in_charge_switched").latest("pk")
    assert event.changes["has_architect_in_charge"] == [False, True]
    off = as_persona("auditor").post("/supervision/architect-in-charge", {"enabled": False})
    assert off.json()["has_architect_in_charge"] is False and not region_has_architect_in_charge("440106")


def test_the_owner_appoints_an_architect_in_charge_and_a_successor_ends_the_first(
    world, as_persona, architects, guangzhou_runs_it
):
    code, project = world["project"].code, world["project"]
    lin, su = architects
    assert missing_for_stage(project) == []  # the five and their letters: nothing asks for an architect
    first = as_persona("owner").post(f"/projects/{code}/architect-in-charge", appoint_body(lin, "2026-05-04"))
    assert first.status_code == 201, first.content
    assert first.json()["party"] == "architect" and first.json()["registration_number"] == "2011440100001"
    assert project.memberships.filter(person=lin, role="design", ended_at__isnull=True).exists()
    assert current_appointments(project)["architect"].leader == lin
    # once appointed, the architect's letter is on the stage gate's list like the five parties'
    assert missing_for_stage(project) == [
        "architect in charge (建筑师负责制): 林建筑's lifetime quality liability commitment letter (质量终身责任承诺书) "
        "is not on file"
    ]

    second = as_persona("owner").post(
        f"/projects/{code}/architect-in-charge", appoint_body(su, "2026-07-01", number="2012440100777")
    )
    assert second.status_code == 201, second.content
    history = list(PartyAppointment.objects.filter(project=project, party="architect").order_by("start_date"))
    assert [(a.leader.name, a.start_date, a.end_date) for a in history] == [
        ("林建筑", D(2026, 5, 4), D(2026, 6, 30)),
        ("苏建筑", D(2026, 7, 1), None),
    ]
    assert appointments_at(project, D(2026, 6, 30))["architect"].leader == lin
    assert appointments_at(project, D(2026, 7, 1))["architect"].leader == su
    assert "architect" not in appointments_at(project, D(2026, 5, 3))  # the five only, before
    parties = {row["party"] for row in as_persona("auditor").get(f"/projects/{code}/parties?at=2026-07-01").json()}
    assert parties == {"owner", "surveyor", "designer", "contractor", "supervisor", "architect"}
    assert AuditEvent.objects.filter(project=project, action="register.architect_appointed").count() == 2
    # only the owner appoints
    assert (
        as_persona("contractor")
        .post(f"/projects/{code}/architect-in-charge", appoint_body(su, "2026-08-01"))
        .status_code
        == 403
    )


def test_an_architect_in_charge_is_a_registered_architect_of_a_design_organisation(
    world, architects, guangzhou_runs_it
):
    project, owner, lin = world["project"], world["users"]["owner"], architects[0]

    def appoint(**changes):
        values = {
            "organisation_id": lin.organisation_id,
            "architect_id": lin.pk,
            "registration_number": "2011440100001",
            "start_date": D(2026, 5, 4),
        }
        return actions.appoint_architect_in_charge(project, **{**values, **changes}, actor=owner)

    with pytest.raises(InvalidInput) as no_number:
        appoint(registration_number=" ")
    assert no_number.value.extra["field"] == "registration_number"
    contractor = Organisation.objects.get(kind="contractor")
    with pytest.raises(InvalidInput) as wrong_kind:
        appoint(organisation_id=contractor.pk)
    assert wrong_kind.value.extra["field"] == "organisation_id"
    nameless = actions.register_person(
        username="no-id", name="无证件", organisation_id=lin.organisation_id, actor=world["users"]["admin"]
    )
    with pytest.raises(InvalidInput) as no_id:
        appoint(architect_id=nameless.pk)
    assert no_id.value.extra["field"] == "architect_id" and "resident ID number" in no_id.value.detail
    assert not PartyAppointment.objects.filter(project=project, party="architect").exists()


def test_the_architects_commitment_letter_is_due_and_overdue_like_the_five_parties_letters(
    world, architects, guangzhou_runs_it
):
    project, owner, lin = world["project"], world["users"]["owner"], architects[0]
    # construction began on 2026-04-01: an architect appointed since has five working days
    appointment = actions.appoint_architect_in_charge(
        project,
        organisation_id=lin.organisation_id,
        architect_id=lin.pk,
        registration_number="2011440100001",
        start_date=D(2026, 5, 4),
        actor=owner,
    )
    mine = [r for r in letter_requirements(project, today=D(2026, 5, 8)) if r.appointment == appointment]
    assert [(r.kind, r.status, r.due_date) for r in mine] == [("commitment", "missing", D(2026, 5, 11))]
    late = [r.status for r in letter_requirements(project, today=D(2026, 5, 12)) if r.appointment == appointment]
    assert late == ["overdue"]
    with pytest.raises(InvalidInput) as no_authorisation:
        actions.upload_letter(
            project,
            appointment_id=appointment.pk,
            kind="authorisation",
            signed_on=D(2026, 5, 12),
            stream=io.BytesIO(letter_pdf("授权书", lin.name)),
            actor=lin.user,
        )
    assert no_authorisation.value.extra["field"] == "kind"
    actions.upload_letter(
        project,
        appointment_id=appointment.pk,
        kind="commitment",
        signed_on=D(2026, 5, 12),
        stream=io.BytesIO(letter_pdf("承诺书", lin.name)),
        actor=lin.user,  # the architect files their own letter (补签)
    )
    filed = [r.status for r in letter_requirements(project) if r.appointment == appointment]
    assert filed == ["filed_late"]


def test_the_architect_signs_off_a_design_change_for_the_owner_and_nobody_else_may(
    world, as_persona, architects, guangzhou_runs_it, client
):
    from plumbline.core.accounts.actions import create_api_token
    from tests.conftest import ApiClient

    code, project, lin = world["project"].code, world["project"], architects[0]
    actions.appoint_architect_in_charge(
        project,
        organisation_id=lin.organisation_id,
        architect_id=lin.pk,
        registration_number="2011440100001",
        start_date=D(2026, 5, 4),
        actor=world["users"]["owner"],
    )
    proposed = as_persona("owner").post(f"/projects/{code}/design-changes", {"description": "2#楼屋面改为种植屋面"})
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    path = f"/projects/{code}/design-changes/{proposed.json()['id']}/sign-off"
    assert as_persona("contractor").post(path, {}).status_code == 403  # no right at all
    designer = ApiClient(client, create_api_token("t", actor=world["users"]["designer"]).raw)
    refused = designer.post(path, {})  # design staff, but not the architect in charge
    assert refused.status_code == 403 and "architect in charge" in refused.json()["detail"]
    architect = ApiClient(client, create_api_token("t", actor=lin.user).raw)
    signed = architect.post(path, {"signed_on": "2026-05-20"})
    assert signed.status_code == 200, signed.content
    assert signed.json()["signed_off_by"] == "林建筑" and signed.json()["is_on_behalf_of_owner"] is True
    event = AuditEvent.objects.filter(project=project, action="design_change.signed_off").latest("pk")
    assert event.changes["on_behalf_of"] == [None, "owner"]
    assert architect.post(path, {}).status_code == 409  # signed off once

    # the owner's own leader keeps the right to sign (the architect signs on its behalf, not instead)
    second = as_persona("owner").post(f"/projects/{code}/design-changes", {"description": "地下室防水等级提高"}).json()
    own = as_persona("owner").post(f"/projects/{code}/design-changes/{second['id']}/sign-off", {})
    assert own.status_code == 200 and own.json()["is_on_behalf_of_owner"] is False
    assert [c["number"] for c in as_persona("auditor").get(f"/projects/{code}/design-changes").json()] == [1, 2]


def test_the_register_page_shows_the_architect_in_charge_beside_the_five_parties(world, client):
    """The demo's Foshan pilot: its region runs the system and its project has an architect."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="owner_fs"))
    page = client.get(f"/projects/{AIC_PROJECT_CODE}/register/")
    assert page.status_code == 200
    html = page.content.decode()
    architect = html[html.index('id="party-architect"') :]
    assert "林建筑" in architect and "2011440600123" in architect
    assert 'data-status="on_file"' in architect.split("</section>")[0]
    assert 'id="party-owner"' in html and "何建设" in html
    assert "林建筑" in html[html.index('id="design-changes"') :]
    # the demo project's region does not run it: its register lists the five only
    client.force_login(world["users"]["owner"])
    five = client.get(f"/projects/{world['project'].code}/register/").content.decode()
    assert 'id="party-architect"' not in five and five.count('data-party="') == 5
    client.force_login(world["users"]["home_owner"])
    assert client.get(f"/projects/{world['project'].code}/register/").status_code == 403


def test_the_department_switches_the_system_from_its_dashboard(world, client):
    client.force_login(world["users"]["auditor"])
    page = client.get("/supervision/").content.decode()
    assert 'id="architect-in-charge"' in page and 'name="enabled" value="on"' in page
    switched = client.post("/supervision/architect-in-charge/", {"enabled": "on"}, follow=True)
    assert switched.status_code == 200 and region_has_architect_in_charge("440106")
    client.force_login(world["users"]["owner"])
    assert client.post("/supervision/architect-in-charge/", {"enabled": "on"}).status_code == 403


def test_switching_off_refuses_new_appointments_but_keeps_the_architect_in_office(world, architects, guangzhou_runs_it):
    project, owner, lin = world["project"], world["users"]["owner"], architects[0]
    kept = actions.appoint_architect_in_charge(
        project,
        organisation_id=lin.organisation_id,
        architect_id=lin.pk,
        registration_number="2011440100001",
        start_date=D(2026, 5, 4),
        actor=owner,
    )
    actions.set_architect_in_charge_system(enabled=False, actor=world["users"]["auditor"])
    with pytest.raises(Exception, match="does not run the architect-in-charge system"):
        actions.appoint_architect_in_charge(
            project,
            organisation_id=architects[1].organisation_id,
            architect_id=architects[1].pk,
            registration_number="2012440100777",
            start_date=D(2026, 7, 1),
            actor=owner,
        )
    assert current_appointments(project)["architect"] == kept
    with pytest.raises(PermissionDenied):
        actions.set_architect_in_charge_system(enabled=True, actor=owner)
