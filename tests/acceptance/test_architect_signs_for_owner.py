"""Where the project has an architect in charge (建筑师负责制), a design-related division (here the
main structure of building 2#) also needs the owner's sign-off, which the architect gives on the
owner's behalf, and the record says so; the design leader cannot give it, and the architect signs
nothing else for the owner."""

import datetime
import uuid

import pytest
from django.utils import timezone

from acceptance import queries
from acceptance.models import AcceptanceNode, AcceptanceSignature
from plumbline.core.audit.models import AuditEvent
from projects import actions as project_actions
from projects.demo import id_number
from projects.models import Organisation
from tests.acceptance.conftest import passing_items, pdf_upload, tower_model
from tests.conftest import ApiClient

REBAR = "020102"


@pytest.fixture
def architect(world, client):
    """Guangzhou switched the system on and the owner appointed 林建筑 architect in charge."""
    users = world["users"]
    project_actions.set_architect_in_charge_system(enabled=True, actor=users["auditor"])
    person = project_actions.register_person(
        username="lin",
        name="林建筑",
        organisation_id=Organisation.objects.get(kind="design").pk,
        id_number=id_number("44010419810707341"),
        qualification="一级注册建筑师",
        actor=users["admin"],
    )
    project_actions.appoint_architect_in_charge(
        world["project"],
        organisation_id=person.organisation_id,
        architect_id=person.pk,
        registration_number="2011440100001",
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        actor=users["owner"],
    )
    return person


def test_the_architect_signs_the_main_structure_for_the_owner(world, users, api, upload_model, architect, client):
    from plumbline.core.accounts.actions import create_api_token

    code = world["project"].code
    builder = tower_model(storeys=(("1F", 0.0),))
    upload_model(builder)
    building = world["project"].buildings.get(name="2#")
    project_actions.update_building(
        world["project"],
        building_id=building.pk,
        changes={"ifc_global_ids": [builder.building.GlobalId]},
        actor=users["owner"],
    )
    base = f"/projects/{code}/buildings/{building.pk}/acceptance"
    today = timezone.localdate()

    def sign(who, node_id, **body):
        caller = who if isinstance(who, ApiClient) else api[who]
        return caller.post(f"/projects/{code}/acceptance/{node_id}/sign", body)

    assert api["contractor"].post(f"{base}/plan", {"sub_items": [{"code": REBAR}]}).status_code == 200
    assert (
        api["contractor"].post(f"{base}/lots", {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"]}).status_code
        == 200
    )
    assert api["chief_inspector"].post(f"{base}/plan/approve").status_code == 200
    lot = AcceptanceNode.objects.get(building=building, level="inspection_lot")
    inspected = api["quality_inspector"].post(
        f"/projects/{code}/acceptance/lots/{lot.pk}/inspection",
        {"client_uuid": str(uuid.uuid4()), "inspected_on": today.isoformat(), "items": passing_items()},
    )
    assert inspected.status_code == 201, inspected.content
    for who in ("quality_inspector", "foreman", "inspector"):
        assert sign(who, lot.pk).status_code == 200
    sub_item = lot.parent
    for who in ("technical_lead", "inspector"):
        assert sign(who, sub_item.pk).status_code == 200
    for who in ("technical_lead", "contractor", "chief_inspector"):
        assert sign(who, sub_item.parent.pk).status_code == 200
    division = AcceptanceNode.objects.get(building=building, level="division", code="02")
    assert (
        pdf_upload(
            api["contractor"], f"/projects/{code}/acceptance/{division.pk}/documents", kind="safety_function_test"
        ).status_code
        == 201
    )

    # with an architect in charge the main structure waits for the owner's sign-off too
    assert queries.missing_capacities(division)[-1] == "owner_leader"
    for who in ("technical_lead", "contractor", "chief_inspector"):
        assert sign(who, division.pk).status_code == 200
    # the design leader is not the architect in charge: no signing for the owner
    refused = sign("designer", division.pk, capacity="owner_leader")
    assert refused.status_code == 409 and [r["code"] for r in refused.json()["reasons"]] == ["signer_not_in_role"]
    assert sign("designer", division.pk).status_code == 200  # in their own capacity
    lin = ApiClient(client, create_api_token("t", actor=architect.user).raw)
    signed = sign(lin, division.pk)
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "accepted"
    signature = AcceptanceSignature.objects.get(node=division, capacity="owner_leader")
    assert signature.person == architect and signature.is_on_behalf_of_owner
    assert signature.appointment.party == "architect"
    row = next(s for s in signed.json()["signatures"] if s["capacity"] == "owner_leader")
    assert row["person"] == "林建筑" and row["is_on_behalf_of_owner"] is True
    event = AuditEvent.objects.filter(target_id=str(division.pk), action="acceptance.signed").latest("pk")
    assert event.changes["signature"][1]["on_behalf_of"] == "owner"

    # the architect signs nothing else for the owner: not a sub-division, not the unit project
    unit = AcceptanceNode.objects.get(building=building, level="unit_project")
    assert "owner_leader" not in queries.next_capacities_for(unit, architect.user, today)
    not_for_unit = sign(lin, unit.pk, capacity="owner_leader")
    assert not_for_unit.status_code == 409 and "signer_not_in_role" in [
        r["code"] for r in not_for_unit.json()["reasons"]
    ]


def test_without_an_architect_in_charge_the_owner_does_not_sign_a_division(world):
    division = AcceptanceNode.objects.filter(level="division", code="02").first()
    assert "owner_leader" not in queries.required_capacities_of(division)


def test_the_owner_signature_follows_the_architect_of_the_signing_day(world, architect):
    """The architect in charge took office 30 days ago: a division signed (in the record) before
    that needs no owner's sign-off, nor does one accepted before it; one signed since does."""
    division = AcceptanceNode.objects.filter(project=world["project"], level="division", code="02").first()
    today = timezone.localdate()
    before = today - datetime.timedelta(days=60)
    assert "owner_leader" in queries.required_capacities_of(division)
    assert "owner_leader" in queries.required_capacities_of(division, today - datetime.timedelta(days=10))
    assert "owner_leader" not in queries.required_capacities_of(division, before)
    assert "owner_leader" not in queries.missing_capacities(division, before)
    division.accepted_on = before  # accepted in the record before the architect's appointment
    assert "owner_leader" not in queries.required_capacities_of(division)
