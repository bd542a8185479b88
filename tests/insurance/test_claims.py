"""Home owners' latent-defect claims through the API: cover decided at once from the completion
acceptance and the policy (each category, both sides of both boundary days), the workflow from
survey to the home owner's confirmation with working-day deadlines, and who may not do what."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from insurance import actions as insurance_actions
from insurance.cover import DEFAULT_COVER_YEARS, add_years
from insurance.models import DefectClaim, Unit
from insurance.queries import next_deadline
from plumbline.core.audit.models import AuditEvent
from projects import actions as project_actions
from projects.demo import letter_pdf
from projects.models import Building

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)
PARTIES = {
    "owner": "owner",
    "surveyor": "surveyor",
    "designer": "designer",
    "contractor": "contractor",
    "supervisor": "chief_inspector",
}


@pytest.fixture
def demo(world):
    project = world["project"]
    version = ModelVersion.objects.get(model__project=project, model__name="1# 建筑")
    return project, version


def unit(number):
    return Unit.objects.get(building__name="1#", building__project__code="GZ-2026-001", number=number)


def claim_body(**extra):
    return {
        "client_uuid": str(uuid.uuid4()),
        "unit_id": unit("1-201").pk,
        "description": "卫生间渗水",
        "found_on": "2026-09-01",
        **extra,
    }


@pytest.fixture
def accepted_long_ago(world):
    """A project of the demo owner built in 2011 and completed on 2012-06-30 (its completion date
    is where cover counts from: no acceptance record, nothing written on the policy), with building
    A1, unit A1-101 bound to the demo home owner and a policy with the default cover."""
    users, owner = world["users"], world["users"]["owner"]
    project = project_actions.create_project(
        code="GZ-2011-001", name="老旧小区", address="广州市越秀区", region_code="440104", actor=owner
    )
    members = {"contractor": "contractor", "chief_inspector": "chief_inspector", "surveyor": "survey"}
    members |= {"designer": "design", "insurer": "insurer", "tis": "tis_inspector"}
    for username, role in members.items():
        project_actions.add_project_member(project, person_id=users[username].person.pk, role=role, actor=owner)
    for party, username in PARTIES.items():
        leader = users[username]
        appointment = project_actions.appoint_party(
            project,
            party=party,
            organisation_id=leader.person.organisation_id,
            leader_id=leader.person.pk,
            start_date=D(2011, 3, 1),
            actor=owner,
        )
        for kind in ("authorisation", "commitment"):
            project_actions.upload_letter(
                project,
                appointment_id=appointment.pk,
                kind=kind,
                signed_on=D(2011, 3, 1),
                stream=io.BytesIO(letter_pdf(kind, leader.person.name)),
                actor=leader,
            )
    project_actions.change_project_stage(project, stage="construction", on=D(2011, 4, 1), actor=owner)
    project_actions.change_project_stage(project, stage="completed", on=D(2012, 6, 30), actor=owner)
    building = project_actions.create_building(project, name="A1", actor=owner)
    home = insurance_actions.create_unit(project, building_id=building.pk, number="A1-101", floor=1, actor=owner)
    insurance_actions.bind_home_owner(project, unit_id=home.pk, person_id=users["home_owner"].person.pk, actor=owner)
    return project, home


def test_cover_counts_from_the_completion_date_for_each_category_on_both_sides_of_both_boundaries(
    accepted_long_ago, world, as_persona
):
    project, home = accepted_long_ago
    owner = as_persona("owner")
    policy = owner.post(
        f"/projects/{project.code}/policies",
        {
            "number": "IDI-2012-0001",
            "insurer_id": world["users"]["insurer"].person.organisation_id,
            "tis_id": world["users"]["tis"].person.organisation_id,
            "premium_rate_percent": "1.4",
            "premium_amount": "980000",
        },
    )
    assert policy.status_code == 201, policy.json()
    assert policy.json()["cover_years"] == DEFAULT_COVER_YEARS
    assert policy.json()["waiting_period_years"] == 2
    home_owner = as_persona("home_owner")
    start = D(2014, 6, 30)  # two years' waiting after completion on 2012-06-30
    for category, years in DEFAULT_COVER_YEARS.items():
        end = add_years(start, years) - ONE_DAY
        for found_on, covered in ((start - ONE_DAY, False), (start, True), (end, True), (end + ONE_DAY, False)):
            answer = home_owner.post(
                f"/projects/{project.code}/claims",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "unit_id": home.pk,
                    "category": category,
                    "description": "缺陷",
                    "found_on": found_on.isoformat(),
                },
            )
            assert answer.status_code == 201, answer.json()
            cover = answer.json()["cover"]
            assert cover["covered"] is covered, (category, found_on, cover)
            assert (cover["window_start"], cover["window_end"]) == (start.isoformat(), end.isoformat())
            codes = [r["code"] for r in cover["reasons"]]
            expected = "in_window" if covered else ("before_window" if found_on < start else "after_window")
            assert expected in codes
            assert all(r["message"] for r in cover["reasons"])


def test_a_home_owner_files_on_an_element_and_the_claim_walks_to_the_confirmed_repair(
    demo, world, as_persona, settings
):
    project, version = demo
    code = project.code
    wall = version.elements.get(name="2F 南墙")
    # the next weekday is a holiday: the survey is due two working days after it is filed, skipping it
    today = datetime.date.today()
    holiday = today + ONE_DAY
    while holiday.weekday() >= 5:
        holiday += ONE_DAY
    settings.HOLIDAYS = {holiday}
    home_owner, tis, insurer = as_persona("home_owner"), as_persona("tis"), as_persona("insurer")
    contractor = as_persona("contractor")

    filed = home_owner.post(
        f"/projects/{code}/claims",
        claim_body(version_id=version.pk, global_ids=[wall.global_id], description="外墙内侧竖向裂缝渗水"),
    )
    assert filed.status_code == 201, filed.json()
    claim = filed.json()
    # no category picked: read from the wall's class (an external wall is envelope, covered 10 years)
    assert (claim["category"], claim["category_inferred_from"]) == ("envelope", "IfcWall")
    assert claim["cover"]["covered"] is True
    assert claim["cover"]["window_start"] == "2024-06-30"  # the demo policy's acceptance + 2 years
    assert {"category_inferred", "category_covered", "in_window"} <= {r["code"] for r in claim["cover"]["reasons"]}
    due = today
    for _ in range(2):
        due += ONE_DAY
        while due.weekday() >= 5 or due == holiday:
            due += ONE_DAY
    assert claim["next_deadline"]["what"] == "survey"
    assert claim["next_deadline"]["due"] == due.isoformat()
    assert claim["next_deadline"]["is_overdue"] is False
    assert claim["status"] == "filed" and claim["next_moves"] == []

    path = f"/projects/{code}/claims/{claim['id']}"
    # a contractor may not decide, an insurer may not survey
    assert contractor.post(f"{path}/decide", {"decision": "accept"}).status_code == 403
    assert insurer.post(f"{path}/survey", {"note": "x"}).status_code == 403
    surveyed = tis.post(f"{path}/survey", {"note": "裂缝宽 0.3 mm，外墙渗水属实"})
    assert surveyed.status_code == 200, surveyed.json()
    assert surveyed.json()["next_deadline"]["what"] == "decision"
    declined_without_reason = insurer.post(f"{path}/decide", {"decision": "decline"})
    assert declined_without_reason.status_code == 422
    assert declined_without_reason.json()["field"] == "reasons"
    accepted = insurer.post(f"{path}/decide", {"decision": "accept", "note": "属外墙保温及防水缺陷"})
    assert accepted.status_code == 200
    assert accepted.json()["next_deadline"]["what"] == "repair_start"
    not_liable = insurer.post(f"{path}/assign-repair", {"party": "architect"})  # on the register, not of the five
    assert (not_liable.status_code, not_liable.json()["field"]) == (422, "party")
    assert "five parties" in not_liable.json()["detail"]
    assigned = insurer.post(f"{path}/assign-repair", {"party": "contractor"})
    assert assigned.status_code == 200
    assert assigned.json()["repair_by"] == world["users"]["contractor"].person.organisation.name
    # the insurer may not record the repair; the contractor must add a photo first
    assert insurer.post(f"{path}/repair", {"note": "x"}).status_code == 403
    no_photo = contractor.post(f"{path}/repair", {"note": "已修补"})
    assert (no_photo.status_code, no_photo.json()["field"]) == (422, "photos")
    photo = contractor.client.post(
        f"/api/v1{path}/photos",
        headers=contractor.headers,
        data={"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("fix.png", finding_photo_png("fix"))},
    )
    assert photo.status_code == 201 and photo.json()["stage"] == "repair"
    repaired = contractor.post(f"{path}/repair", {"note": "凿除裂缝，注浆修补，外墙防水重做"})
    assert repaired.status_code == 200
    assert repaired.json()["next_deadline"] is None
    confirmed = home_owner.post(f"{path}/confirm", {"note": "已修好"})
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["status"] == "closed"
    assert [s["kind"] for s in body["steps"]] == [
        "filed",
        "survey",
        "accept",
        "assign_repair",
        "record_repair",
        "confirm_repair",
    ]
    events = AuditEvent.objects.filter(project=project, target_type="DefectClaim", target_id=str(claim["id"]))
    assert {"claim.filed", "claim.survey", "claim.accept", "claim.assign_repair", "claim.record_repair"} <= set(
        events.values_list("action", flat=True)
    )
    assert "claim.confirm_repair" in events.values_list("action", flat=True)


def test_a_home_owner_neither_sees_nor_files_on_another_unit(demo, world, as_persona):
    project, _version = demo
    code = project.code
    admin, owner = world["users"]["admin"], world["users"]["owner"]
    neighbour = project_actions.register_person(
        username="neighbour", name="邻居", organisation_id=None, password="x-pass-12345", actor=admin
    )
    insurance_actions.bind_home_owner(project, unit_id=unit("1-501").pk, person_id=neighbour.pk, actor=owner)
    theirs, _ = insurance_actions.file_claim(
        project,
        client_uuid=uuid.uuid4(),
        unit_id=unit("1-501").pk,
        category="plumbing",
        description="水管漏水",
        found_on=D(2026, 9, 1),
        actor=neighbour.user,
    )
    home_owner = as_persona("home_owner")
    assert home_owner.get(f"/projects/{code}/claims/{theirs.pk}").status_code == 404
    assert theirs.pk not in [c["id"] for c in home_owner.get(f"/projects/{code}/claims").json()]
    assert [u["number"] for u in home_owner.get(f"/projects/{code}/units").json()] == ["1-201"]
    refused = home_owner.post(f"/projects/{code}/claims", claim_body(unit_id=unit("1-501").pk))
    assert refused.status_code == 404
    # nor act on it: the neighbour's claim does not exist for them
    assert home_owner.post(f"/projects/{code}/claims/{theirs.pk}/confirm", {}).status_code == 404
    assert DefectClaim.objects.filter(unit=unit("1-501")).count() == 1


def test_filing_again_with_the_same_uuid_returns_the_first_claim(demo, as_persona):
    project, _version = demo
    home_owner, owner = as_persona("home_owner"), as_persona("owner")
    body = claim_body(category="plumbing")
    first = home_owner.post(f"/projects/{project.code}/claims", body)
    again = home_owner.post(f"/projects/{project.code}/claims", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["is_new"] is False
    taken = owner.post(f"/projects/{project.code}/claims", body)
    assert (taken.status_code, taken.json()["code"]) == (409, "uuid_taken")
    assert DefectClaim.objects.filter(client_uuid=body["client_uuid"]).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "  "}, "description"),
        ({"found_on": "2999-01-01"}, "found_on"),
        ({"category": "roof"}, "category"),
        ({"category": ""}, "category"),  # nothing to infer it from
        ({"client_uuid": "nope"}, "client_uuid"),
    ],
)
def test_a_claim_with_bad_input_is_refused_and_nothing_is_written(demo, as_persona, change, field):
    project, _version = demo
    before = DefectClaim.objects.count()
    refused = as_persona("home_owner").post(
        f"/projects/{project.code}/claims", claim_body(**{"category": "plumbing", **change})
    )
    assert refused.status_code == 422, refused.json()
    assert field in str(refused.json())  # the answer names the field to change
    assert DefectClaim.objects.count() == before


def test_a_declined_claim_may_be_contested_once(demo, as_persona):
    project, _version = demo
    paint = DefectClaim.objects.get(project=project, category="decoration")
    assert paint.status == "declined"
    assert paint.cover["covered"] is False and "after_window" in [r["code"] for r in paint.cover["reasons"]]
    home_owner, insurer = as_persona("home_owner"), as_persona("insurer")
    path = f"/projects/{project.code}/claims/{paint.pk}"
    assert home_owner.get(path).json()["next_moves"] == ["contest"]
    contested = home_owner.post(f"{path}/contest", {"note": "起皮系施工质量问题，非使用不当"})
    assert contested.status_code == 200 and contested.json()["next_deadline"]["what"] == "decision"
    again = insurer.post(f"{path}/decide", {"decision": "decline", "reasons": ["after_window"]})
    assert again.status_code == 200
    assert home_owner.get(path).json()["next_moves"] == []
    twice = home_owner.post(f"{path}/contest", {"note": "再次申诉"})
    assert (twice.status_code, twice.json()["code"]) == (409, "contested_once")


def test_a_claim_past_its_deadline_is_flagged_overdue(demo, world):
    project, _version = demo
    wall = DefectClaim.objects.get(project=project, status="filed", description__contains="南墙")
    later = datetime.date.today() + datetime.timedelta(days=30)
    assert next_deadline(wall).is_overdue is False
    assert next_deadline(wall, today=later).is_overdue is True


def test_the_insurer_queue_lists_claims_by_deadline(demo, as_persona):
    project, _version = demo
    claims = as_persona("insurer").get(f"/projects/{project.code}/claims").json()
    dues = [c["next_deadline"]["due"] for c in claims if c["next_deadline"]]
    assert dues == sorted(dues) and len(dues) >= 2
    assert claims[-1]["next_deadline"] is None  # the declined claim waits on nobody


def test_binding_by_a_one_time_code_works_once(demo, world, as_persona):
    project, _version = demo
    _row, code = insurance_actions.issue_binding_code(project, unit_id=unit("1-601").pk, actor=world["users"]["owner"])
    buyer = as_persona("outsider")
    assert buyer.get(f"/projects/{project.code}/units").status_code == 404
    bound = buyer.post("/units/bind", {"code": code.lower()})
    assert bound.status_code == 200, bound.json()
    assert bound.json()["unit"] == "1-601"
    assert [u["number"] for u in buyer.get(f"/projects/{project.code}/units").json()] == ["1-601"]
    assert as_persona("home_owner").post("/units/bind", {"code": code}).status_code == 422


def test_building_claims_follow_the_building_policy(demo, world):
    project, _version = demo
    owner = world["users"]["owner"]
    building = Building.objects.get(project=project, name="1#")
    policy = insurance_actions.create_policy(
        project,
        number="IDI-1#-ONLY",
        building_id=building.pk,
        insurer_id=world["users"]["insurer"].person.organisation_id,
        tis_id=world["users"]["tis"].person.organisation_id,
        premium_rate_percent="1.5",
        premium_amount="10",
        cover_years={"decoration": 0},
        accepted_on=D(2023, 1, 10),
        actor=owner,
    )
    claim, _ = insurance_actions.file_claim(
        project,
        client_uuid=uuid.uuid4(),
        unit_id=unit("1-201").pk,
        category="decoration",
        description="墙面开裂",
        found_on=D(2026, 1, 9),
        actor=world["users"]["home_owner"],
    )
    assert claim.policy == policy
    assert claim.cover["covered"] is False
    assert [r["code"] for r in claim.cover["reasons"]] == ["category_not_covered"]


def test_an_emergency_is_to_be_surveyed_within_24_hours(demo):
    project, _version = demo
    leak = DefectClaim.objects.get(project=project, category="waterproofing", is_emergency=True)
    assert leak.survey_due - leak.filed_at == datetime.timedelta(hours=24)


def test_tis_files_its_construction_risk_report_on_the_policy_with_its_findings(demo, world, as_persona):
    from inspections import actions as inspection_actions
    from inspections.models import Finding

    project, version = demo
    policy = project.policies.get()
    finding, _ = inspection_actions.open_finding(
        project,
        client_uuid=uuid.uuid4(),
        category="waterproofing",
        severity="major",
        title="屋面防水卷材搭接不足",
        version_id=version.pk,
        global_ids=[version.elements.get(name="2F 楼板").global_id],
        actor=world["users"]["tis"],
    )
    supervisors = Finding.objects.filter(project=project).exclude(pk=finding.pk).first()
    tis = as_persona("tis")
    filed = tis.post(
        f"/projects/{project.code}/policies/{policy.pk}/tis-reports",
        {"title": "主体结构施工阶段风险报告", "reported_on": "2026-09-30", "finding_ids": [finding.pk]},
    )
    assert filed.status_code == 201, filed.json()
    listed = as_persona("insurer").get(f"/projects/{project.code}/policies").json()
    assert listed[0]["tis_reports"][0]["finding_ids"] == [finding.pk]
    unknown = tis.post(
        f"/projects/{project.code}/policies/{policy.pk}/tis-reports",
        {"title": "x", "reported_on": "2026-09-30", "finding_ids": [999999]},
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "finding_ids")
    not_theirs = tis.post(
        f"/projects/{project.code}/policies/{policy.pk}/tis-reports",
        {"title": "x", "reported_on": "2026-09-30", "finding_ids": [supervisors.pk]},
    )
    assert (not_theirs.status_code, not_theirs.json()["field"]) == (422, "finding_ids")
    assert AuditEvent.objects.filter(project=project, action="policy.tis_report_filed").count() == 1


def test_a_policy_with_bad_terms_is_refused(demo, world, as_persona):
    project, _version = demo
    body = {
        "number": "IDI-BAD",
        "insurer_id": world["users"]["insurer"].person.organisation_id,
        "tis_id": world["users"]["tis"].person.organisation_id,
        "premium_rate_percent": "1.3",
        "premium_amount": "1",
    }
    owner = as_persona("owner")
    for change, field in (
        ({"cover_years": {"roof": 3}}, "cover_years"),
        ({"cover_years": {"structure": -1}}, "cover_years"),
        ({"insurer_id": world["users"]["tis"].person.organisation_id}, "insurer_id"),
        ({"exclusions": ["acts of god"]}, "exclusions"),
        ({"premium_rate_percent": "120"}, "premium_rate_percent"),
        ({"waiting_period_years": 40}, "waiting_period_years"),
    ):
        refused = owner.post(f"/projects/{project.code}/policies", {**body, **change})
        assert (refused.status_code, refused.json().get("field")) == (422, field), refused.json()
    assert not project.policies.filter(number="IDI-BAD").exists()


def test_a_unit_is_made_on_spaces_of_the_model_and_only_once(demo, as_persona):
    project, version = demo
    building = Building.objects.get(project=project, name="1#")
    owner = as_persona("owner")
    space = version.spaces.get(name="1F01")
    body = {"building_id": building.pk, "number": "1-103", "floor": 1, "space_global_ids": [space.global_id]}
    made = owner.post(f"/projects/{project.code}/units", body)
    assert made.status_code == 201 and made.json()["space_global_ids"] == [space.global_id]
    again = owner.post(f"/projects/{project.code}/units", body)
    assert (again.status_code, again.json()["code"]) == (409, "unit_exists")
    unknown = owner.post(f"/projects/{project.code}/units", {**body, "number": "1-104", "space_global_ids": ["nope"]})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "space_global_ids")
    assert not Unit.objects.filter(number="1-104").exists()


def test_each_reader_reads_the_reasons_in_their_own_language(demo, world, client, as_persona):
    from plumbline.core.accounts.actions import create_api_token
    from tests.conftest import ApiClient

    project, _version = demo
    filed = as_persona("home_owner").post(f"/projects/{project.code}/claims", claim_body(category="waterproofing"))
    assert "Found on 2026-09-01, within cover" in str(filed.json()["cover"]["reasons"])
    insurer = ApiClient(client, create_api_token("zh", actor=world["users"]["insurer"]).raw, language=None)
    read = insurer.get(f"/projects/{project.code}/claims/{filed.json()['id']}").json()
    messages = {r["code"]: r["message"] for r in read["cover"]["reasons"]}
    assert messages["in_window"] == "发现于 2026-09-01，在保险期间 2024-06-30 至 2029-06-29 内。"


def test_a_decline_reason_the_decided_cover_contradicts_is_refused(world, as_persona):
    project = world["project"]
    wall = DefectClaim.objects.get(project=project, status="filed", description__contains="南墙")
    assert wall.is_covered and "in_window" in [r["code"] for r in wall.cover["reasons"]]
    path = f"/projects/{project.code}/claims/{wall.pk}"
    assert as_persona("tis").post(f"{path}/survey", {"note": "裂缝属实"}).status_code == 200
    insurer = as_persona("insurer")
    events = AuditEvent.objects.count()
    for reason in ("before_window", "after_window", "not_accepted", "category_not_covered"):
        refused = insurer.post(f"{path}/decide", {"decision": "decline", "reasons": ["misuse", reason]})
        assert refused.status_code == 422, (reason, refused.json())
        assert refused.json()["field"] == "reasons" and reason in refused.json()["message"]
    wall.refresh_from_db()
    assert (wall.status, wall.decision_reasons, AuditEvent.objects.count()) == ("surveyed", [], events)
    # what the survey decides stays the insurer's to give
    declined = insurer.post(f"{path}/decide", {"decision": "decline", "reasons": ["misuse"]})
    assert declined.status_code == 200, declined.json()
