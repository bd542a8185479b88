"""Building 2# walked from its split to an accepted unit project through the API: lots generated
from a model built in code, a hold point, an open finding blocking a lot until it is closed, a
signer refused on a date they did not hold the role, a leader replaced mid-way, and the unit
project refused for missing letters and reports, then accepted. The demo's unwitnessed cement
(which blocks every unit project of the project: tests/acceptance/test_scenario_with_materials.py)
gets its witnessed sample first."""

import datetime
import io
import uuid

from django.utils import timezone

from acceptance import queries
from acceptance.models import AcceptanceNode, AcceptanceSignature, Level
from inspections import actions as inspection_actions
from inspections.demo import finding_photo_png
from plumbline.core.audit.models import AuditEvent
from tests.acceptance.conftest import passing_items, pdf_upload

REBAR, CONCRETE = "020102", "020103"


def codes(response) -> list[str]:
    return [r["code"] for r in response.json()["reasons"]]


def find(tree, level, code):
    if tree["level"] == level and tree["code"] == code:
        return tree
    for child in tree["children"]:
        found = find(child, level, code)
        if found is not None:
            return found
    return None


def lots_of(tree, sub_item_code):
    return sorted(find(tree, "sub_item", sub_item_code)["children"], key=lambda n: n["code"])


def test_a_building_goes_from_its_split_to_an_accepted_unit_project(world, tower, users, api, demo_cement_witnessed):
    building, version, builder = tower
    code = world["project"].code
    base = f"/projects/{code}/buildings/{building.pk}/acceptance"
    today = timezone.localdate()

    def sign(who, node_id, **body):
        return api[who].post(f"/projects/{code}/acceptance/{node_id}/sign", body)

    def inspect(lot_id, items=None, who="quality_inspector"):
        return api[who].post(
            f"/projects/{code}/acceptance/lots/{lot_id}/inspection",
            {"client_uuid": str(uuid.uuid4()), "inspected_on": today.isoformat(), "items": items or passing_items()},
        )

    # the contractor proposes the split: rebar, and concrete that covers it up (a hold point)
    plan = api["contractor"].post(
        f"{base}/plan", {"sub_items": [{"code": REBAR}, {"code": CONCRETE, "covers": [REBAR]}]}
    )
    assert plan.status_code == 200, plan.content
    assert plan.json()["plan_status"] == "proposed"

    # lots generated from the model: one per storey, four columns each
    for sub_item in (REBAR, CONCRETE):
        generated = api["contractor"].post(f"{base}/lots", {"sub_item_code": sub_item, "ifc_classes": ["IfcColumn"]})
        assert generated.status_code == 200, generated.content
        assert [lot["storey_name"] for lot in generated.json()["created"]] == ["1F", "2F", "3F"]
    tree = api["inspector"].get(base).json()["unit_project"]
    rebar = lots_of(tree, REBAR)
    concrete = lots_of(tree, CONCRETE)
    assert [lot["element_count"] for lot in rebar] == [4, 4, 4]
    lot = api["inspector"].get(f"/projects/{code}/acceptance/lots/{rebar[0]['id']}").json()
    assert lot["sample_size"] == 2 and lot["capacity"] == 4
    assert {e["global_id"] for e in lot["elements"]} == {
        c.GlobalId for c in builder.model.by_type("IfcColumn") if c.Name.startswith("1F")
    }

    # nothing is inspected before the chief supervising engineer approves the split
    early = inspect(rebar[0]["id"])
    assert early.status_code == 409 and codes(early) == ["plan_not_approved"]
    approved = api["chief_inspector"].post(f"{base}/plan/approve")
    assert approved.status_code == 200 and approved.json()["plan_status"] == "approved"

    # concrete cannot be opened on a storey before its rebar is accepted
    held = inspect(concrete[0]["id"])
    assert held.status_code == 409 and codes(held) == ["hold_point"]

    # rebar: a failing record (main-control item failed) is kept; the lot waits for a new one
    failing = inspect(rebar[2]["id"], items=[{"kind": "main", "name": "钢筋规格", "result": "fail"}])
    assert failing.status_code == 201 and failing.json()["result"] == "failed"
    refused = sign("quality_inspector", rebar[2]["id"])
    assert refused.status_code == 409 and "inspection_failed" in codes(refused)
    for lot_node in rebar:
        assert inspect(lot_node["id"]).status_code == 201

    # an open major finding on a 1F column blocks that lot until it is closed
    column = next(c for c in builder.model.by_type("IfcColumn") if c.Name == "1F column K1")
    finding, _ = inspection_actions.open_finding(
        world["project"],
        client_uuid=uuid.uuid4(),
        version_id=version.pk,
        global_ids=[column.GlobalId],
        category="structure",
        severity="major",
        title="钢筋保护层不足",
        actor=users["inspector"],
    )
    blocked = sign("quality_inspector", rebar[0]["id"])
    assert blocked.status_code == 409 and codes(blocked) == ["open_finding"]
    assert not AcceptanceSignature.objects.filter(node_id=rebar[0]["id"]).exists()
    inspection_actions.add_finding_photo(
        world["project"],
        finding_id=finding.pk,
        client_uuid=uuid.uuid4(),
        stream=io.BytesIO(finding_photo_png("fixed")),
        actor=users["contractor"],
    )
    inspection_actions.move_finding(
        world["project"], finding_id=finding.pk, verb="submit_rectification", note="已补垫块", actor=users["contractor"]
    )
    inspection_actions.move_finding(
        world["project"], finding_id=finding.pk, verb="verify", note="合格", actor=users["inspector"]
    )

    # the supervising engineer's membership began today: a signature dated yesterday is refused
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert sign("quality_inspector", rebar[1]["id"]).status_code == 200
    assert sign("foreman", rebar[1]["id"]).status_code == 200
    backdated = sign("inspector", rebar[1]["id"], signed_on=yesterday)
    assert backdated.status_code == 409 and "signer_not_in_role" in codes(backdated)
    future = sign("inspector", rebar[1]["id"], signed_on=(today + datetime.timedelta(days=1)).isoformat())
    assert future.status_code == 422 and "in the future" in future.json()["detail"]

    for lot_node in rebar:
        for who in ("quality_inspector", "foreman", "inspector"):
            if lot_node["id"] == rebar[1]["id"] and who != "inspector":
                continue
            response = sign(who, lot_node["id"])
            assert response.status_code == 200, response.content
        assert response.json()["status"] == "accepted"
    # the same person cannot sign a node twice in two capacities
    again = sign("foreman", concrete[0]["id"])
    assert again.status_code == 409

    for lot_node in concrete:
        assert inspect(lot_node["id"]).status_code == 201
        for who in ("quality_inspector", "foreman", "inspector"):
            assert sign(who, lot_node["id"]).status_code == 200

    tree = api["inspector"].get(base).json()["unit_project"]
    for sub_item in (REBAR, CONCRETE):
        node = find(tree, "sub_item", sub_item)
        assert node["progress"] == {"accepted": 3, "total": 3}
        for who in ("technical_lead", "inspector"):
            assert sign(who, node["id"]).status_code == 200
    sub_division = find(tree, "sub_division", "0201")
    for who in ("technical_lead", "contractor", "chief_inspector"):
        assert sign(who, sub_division["id"]).status_code == 200

    # the division needs its safety and function test records on file
    division = find(tree, "division", "02")
    assert sign("technical_lead", division["id"]).status_code == 409
    filed = pdf_upload(
        api["contractor"], f"/projects/{code}/acceptance/{division['id']}/documents", kind="safety_function_test"
    )
    assert filed.status_code == 201, filed.content
    assert sign("technical_lead", division["id"]).status_code == 200

    # the contractor's project manager is replaced: the old one no longer signs as project manager
    new_pm = users["outsider"].person
    appointed = api["owner"].post(
        f"/projects/{code}/appointments",
        {
            "party": "contractor",
            "organisation_id": new_pm.organisation_id,
            "leader_id": new_pm.pk,
            "start_date": (today - datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert appointed.status_code == 201, appointed.content
    old_pm = sign("contractor", division["id"])
    assert old_pm.status_code == 409 and "signer_not_in_role" in codes(old_pm)
    assert "project manager" in old_pm.json()["reasons"][0]["message"]
    for who in ("outsider", "chief_inspector", "designer"):
        response = sign(who, division["id"])
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"

    # the unit project: refused while the new leader's letters and the four reports are missing
    unit = tree
    events_before = AuditEvent.objects.count()
    refused = sign("owner", unit["id"])
    assert refused.status_code == 409
    assert set(codes(refused)) == {"letter_missing", "document_missing"}
    assert codes(refused).count("document_missing") == 4 and codes(refused).count("letter_missing") == 2
    assert AuditEvent.objects.count() == events_before and not AcceptanceSignature.objects.filter(node_id=unit["id"])
    for kind in (
        "survey_quality_report",
        "design_quality_report",
        "supervisor_pre_acceptance",
        "contractor_self_check",
    ):
        assert (
            pdf_upload(api["owner"], f"/projects/{code}/acceptance/{unit['id']}/documents", kind=kind).status_code
            == 201
        )
    only_letters = sign("owner", unit["id"])
    assert codes(only_letters) == ["letter_missing", "letter_missing"]
    appointment_id = appointed.json()["id"]
    for kind in ("authorisation", "commitment"):
        letter = pdf_upload(
            api["outsider"],
            f"/projects/{code}/appointments/{appointment_id}/letters",
            kind=kind,
            signed_on=today.isoformat(),
        )
        assert letter.status_code == 201, letter.content
    for who in ("owner", "surveyor", "designer", "outsider", "chief_inspector"):
        response = sign(who, unit["id"])
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert [s["capacity"] for s in response.json()["signatures"]] == [
        "owner_leader",
        "survey_leader",
        "design_leader",
        "contractor_project_manager",
        "chief_supervising_engineer",
    ]
    assert queries.unit_project_accepted_on(building) == today
    tree = api["inspector"].get(base).json()["unit_project"]
    assert tree["status"] == "accepted" and tree["accepted_on"] == today.isoformat()

    # the evidence pack's trace: the lots on a column, with who signed in which capacity
    covering = queries.lots_covering(world["project"], {column.GlobalId})
    assert [c["code"] for c in covering] == [rebar[0]["code"], concrete[0]["code"]]
    assert {s["capacity"] for s in covering[0]["signatures"]} == {
        "contractor_quality_inspector",
        "contractor_foreman",
        "supervising_engineer",
    }
    assert AcceptanceNode.objects.filter(building=building, level=Level.INSPECTION_LOT, status="accepted").count() == 6
