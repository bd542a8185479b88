"""Acceptance and materials wired together, through the API: building 2#'s rebar lots generated
from a model built in code; a rebar batch linked to the 2F columns fails its lab test and blocks
the 2F lot (`material_failed`, and the finding it opened) until its retest passes and the
disposition is recorded; a batch on the 3F columns waiting for a required report blocks that lot
(`material_untested`); the unit project is refused while a mandatory category (the demo's
unwitnessed cement) is witnessed below 30% (`witness_share_low`), then accepted, and a policy on
2# without a written date has its cover start on that acceptance date."""

import datetime
import json
import uuid

from django.utils import timezone

from acceptance import queries
from acceptance.materials.models import MaterialBatch
from inspections.models import Finding
from insurance import actions as insurance_actions
from insurance import queries as insurance_queries
from projects.models import Organisation
from tests.acceptance.conftest import passing_items, pdf_upload
from tests.materials.helpers import SAMPLERS, lab, pdf, person

REBAR = "020102"


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


def test_materials_block_lots_and_the_unit_project_until_they_are_settled(world, tower, users, api):
    building, version, builder = tower
    code = world["project"].code
    base = f"/projects/{code}/buildings/{building.pk}/acceptance"
    today = timezone.localdate()

    def day(offset: int) -> str:
        return (today - datetime.timedelta(days=offset)).isoformat()

    def sign(who, node_id):
        return api[who].post(f"/projects/{code}/acceptance/{node_id}/sign", {})

    assert api["contractor"].post(f"{base}/plan", {"sub_items": [{"code": REBAR}]}).status_code == 200
    generated = api["contractor"].post(f"{base}/lots", {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"]})
    assert generated.status_code == 200, generated.content
    assert api["chief_inspector"].post(f"{base}/plan/approve").status_code == 200
    tree = api["inspector"].get(base).json()["unit_project"]
    lots = sorted(find(tree, "sub_item", REBAR)["children"], key=lambda n: n["code"])
    assert [lot["storey_name"] for lot in lots] == ["1F", "2F", "3F"]
    for lot in lots:
        recorded = api["quality_inspector"].post(
            f"/projects/{code}/acceptance/lots/{lot['id']}/inspection",
            {"client_uuid": str(uuid.uuid4()), "inspected_on": today.isoformat(), "items": passing_items()},
        )
        assert recorded.status_code == 201, recorded.content

    def columns_of(lot) -> list[str]:
        detail = api["inspector"].get(f"/projects/{code}/acceptance/lots/{lot['id']}").json()
        return sorted(e["global_id"] for e in detail["elements"])

    contractor, inspector = api["contractor"], api["inspector"]
    batches = f"/projects/{code}/materials/batches"

    def delivered(number: str, quantity: str, columns: list[str]) -> str:
        created = contractor.post(
            batches,
            {
                "category": "rebar",
                "product": "热轧带肋钢筋",
                "specification": "HRB400E Φ25",
                "manufacturer": "广东韶钢",
                "batch_number": number,
                "quantity": quantity,
                "delivered_on": day(20),
            },
        )
        assert created.status_code == 201, created.content
        url = f"{batches}/{created.json()['id']}"
        certificate = contractor.client.post(
            f"/api/v1{url}/certificates", data={"kind": "product", "file": pdf()}, headers=contractor.headers
        )
        assert certificate.status_code == 201, certificate.content
        entry = contractor.post(f"{url}/entry-inspection", {"result": "accepted", "inspected_on": day(20)})
        assert entry.status_code == 200, entry.content
        linked = contractor.post(f"{url}/elements", {"version_id": version.pk, "global_ids": columns})
        assert linked.status_code == 200 and linked.json()["linked"] == len(columns), linked.content
        return url

    def sampled(url: str, sample_code: str, *, retest=False) -> int:
        taken = contractor.post(
            f"{url}/samples",
            {
                "code": sample_code,
                "taken_on": day(15 if not retest else 10),
                "samplers": SAMPLERS,
                "lab_id": lab().pk,
                "witness_person_id": person("inspector").pk,
                "is_retest": retest,
            },
        )
        assert taken.status_code == 201, taken.content
        sample_id = taken.json()["id"]
        assert inspector.post(f"{url}/samples/{sample_id}/witness").status_code == 200
        return sample_id

    def reported(url: str, sample_id: int, number: str, *, failed=()) -> None:
        tests = next(s for s in contractor.get(url).json()["samples"] if s["id"] == sample_id)["tests"]
        results = [{"test": t, "value": "365" if t in failed else "合格", "passed": t not in failed} for t in tests]
        answer = inspector.client.post(
            f"/api/v1{url}/reports",
            data={
                "sample_id": sample_id,
                "report_number": number,
                "issued_on": day(12 if not number.endswith("R") else 8),
                "results": json.dumps(results),
                "file": pdf(f"{number}.pdf"),
            },
            headers=inspector.headers,
        )
        assert answer.status_code == 201, answer.content

    # the 2F columns' rebar fails its yield strength: the lot is refused with material_failed
    lot_2f = lots[1]
    columns_2f = columns_of(lot_2f)
    failing = delivered("GJ-2F-01", "60", columns_2f)
    first = sampled(failing, "GJ-2F-S1")
    reported(failing, first, "BG-2F-1", failed=("yield_strength",))
    refused = sign("quality_inspector", lot_2f["id"])
    assert refused.status_code == 409
    assert "material_failed" in codes(refused)
    failed_batch = MaterialBatch.objects.get(batch_number="GJ-2F-01")
    assert failed_batch.status == "failed" and "GJ-2F-01" in next(
        r["message"] for r in refused.json()["reasons"] if r["code"] == "material_failed"
    )
    # the flagged columns on the plan, and the finding the failure opened on them blocks the lot too
    flagged = inspector.get(f"/projects/{code}/materials/flagged-elements?version_id={version.pk}").json()
    assert set(columns_2f) <= set(flagged["global_ids"])
    finding = Finding.objects.get(pk=failed_batch.failure_finding_id)
    assert sorted(finding.global_ids) == columns_2f and "open_finding" in codes(refused)

    # the retest on double the specimens passes and the disposition is recorded: material_failed goes
    too_early = inspector.post(f"{failing}/disposition", {"disposition": "retest_passed", "decided_on": day(9)})
    assert too_early.status_code == 409 and too_early.json()["code"] == "retest_missing"
    assert "material_failed" in codes(sign("quality_inspector", lot_2f["id"]))
    retest = sampled(failing, "GJ-2F-S1R", retest=True)
    reported(failing, retest, "BG-2F-1R")
    disposed = inspector.post(f"{failing}/disposition", {"disposition": "retest_passed", "decided_on": day(7)})
    assert disposed.status_code == 200 and disposed.json()["status"] == "retest_passed", disposed.content
    # the material was sound after all: the failure's finding closed with the disposition
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.steps.filter(kind="verified").exists()

    # 3F: 120 t needs two samplings; with one report the lot waits (material_untested)
    lot_3f = lots[2]
    waiting = delivered("GJ-3F-01", "120", columns_of(lot_3f))
    untested = sign("quality_inspector", lot_3f["id"])
    assert untested.status_code == 409 and codes(untested) == ["material_untested"]
    reported(waiting, sampled(waiting, "GJ-3F-S1"), "BG-3F-1")
    half = sign("quality_inspector", lot_3f["id"])
    assert codes(half) == ["material_untested"] and "1 of its 2" in half.json()["reasons"][0]["message"]
    reported(waiting, sampled(waiting, "GJ-3F-S2"), "BG-3F-2")

    for lot in lots:
        for who in ("quality_inspector", "foreman", "inspector"):
            response = sign(who, lot["id"])
            assert response.status_code == 200, (lot["code"], who, response.content)
        assert response.json()["status"] == "accepted"
    tree = api["inspector"].get(base).json()["unit_project"]
    for level, node_code, signers in (
        ("sub_item", REBAR, ("technical_lead", "inspector")),
        ("sub_division", "0201", ("technical_lead", "contractor", "chief_inspector")),
    ):
        node = find(tree, level, node_code)
        for who in signers:
            assert sign(who, node["id"]).status_code == 200, (node_code, who)
    division = find(tree, "division", "02")
    assert (
        pdf_upload(contractor, f"/projects/{code}/acceptance/{division['id']}/documents", kind="safety_function_test")
    ).status_code == 201
    for who in ("technical_lead", "contractor", "chief_inspector", "designer"):
        response = sign(who, division["id"])
        assert response.status_code == 200, (who, response.content)
    assert response.json()["status"] == "accepted"

    # the unit project: every document on file, yet the demo's cement was sampled without a witness
    unit = tree
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
    # insurance cover counts from the unit project's acceptance: a policy on 2# without a date waits
    policy = insurance_actions.create_policy(
        world["project"],
        number="IDI-2#-0001",
        building_id=building.pk,
        insurer_id=Organisation.objects.get(kind="insurer").pk,
        tis_id=Organisation.objects.get(kind="tis").pk,
        premium_rate_percent="1.35",
        premium_amount="100000.00",
        actor=users["owner"],
    )
    assert policy.accepted_on is None
    assert insurance_queries.cover_starts_from(policy, building)[1] != "acceptance_record"
    low = sign("owner", unit["id"])
    assert low.status_code == 409 and codes(low) == ["witness_share_low"]
    assert low.json()["reasons"][0]["category"] == "cement"
    report = {r["category"]: r for r in inspector.get(f"/projects/{code}/materials/witness-report").json()}
    assert report["cement"]["is_below"] and not report["rebar"]["is_below"]
    cement = f"{batches}/{MaterialBatch.objects.get(project=world['project'], category='cement').pk}"
    sampled(cement, "SN-WITNESSED")
    for who in ("owner", "surveyor", "designer", "contractor", "chief_inspector"):
        response = sign(who, unit["id"])
        assert response.status_code == 200, (who, response.content)
    assert response.json()["status"] == "accepted"
    assert queries.unit_project_accepted_on(building) == today
    assert insurance_queries.cover_starts_from(policy, building) == (today, "acceptance_record")
