"""Organisations, people, projects and members through the API: rules and clear refusals."""

import pytest

from plumbline.core.audit.models import AuditEvent
from projects.models import Organisation, Project, ProjectMembership


@pytest.fixture
def admin_api(world, client):
    from plumbline.core.accounts.actions import create_api_token
    from tests.conftest import ApiClient

    return ApiClient(client, create_api_token("admin", actor=world["users"]["admin"]).raw)


def test_an_organisation_with_a_wrong_check_character_is_refused_and_nothing_is_saved(admin_api):
    before = Organisation.objects.count(), AuditEvent.objects.count()
    response = admin_api.post(
        "/organisations", {"credit_code": "91110000802100433C", "name": "中国银行", "kind": "owner"}
    )
    assert response.status_code == 422
    assert "should end in 'B', not 'C'" in response.json()["detail"]
    assert response.json()["field"] == "credit_code"
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == before


def test_a_housing_authority_needs_its_region(admin_api):
    response = admin_api.post(
        "/organisations", {"credit_code": "91110000802100433B", "name": "某住建局", "kind": "housing_authority"}
    )
    assert response.status_code == 422
    assert "region code it supervises" in response.json()["detail"]


def test_the_same_credit_code_cannot_be_registered_twice(admin_api):
    body = {"credit_code": "91110000802100433b", "name": "中国银行", "kind": "insurer"}
    assert admin_api.post("/organisations", body).status_code == 201
    again = admin_api.post("/organisations", body)
    assert again.status_code == 409
    assert "already registered" in again.json()["detail"]


def test_a_bad_id_number_is_refused_when_registering_a_person(admin_api, world):
    response = admin_api.post(
        "/people", {"username": "x1", "name": "某人", "organisation_id": None, "id_number": "110101199003071234"}
    )
    assert response.status_code == 422
    assert "should end in '3'" in response.json()["detail"]


def test_a_project_is_created_by_owner_staff_who_become_its_first_member(world, as_persona):
    response = as_persona("owner").post(
        "/projects",
        {
            "code": "GZ-2026-002",
            "name": "二期",
            "address": "广州市",
            "region_code": "440106",
            "site_location": {
                "type": "Polygon",
                "coordinates": [[[113.1, 23.1], [113.2, 23.1], [113.2, 23.2], [113.1, 23.1]]],
            },
        },
    )
    assert response.status_code == 201
    assert response.json()["my_roles"] == ["owner"] and response.json()["stage"] == "preparation"
    event = AuditEvent.objects.filter(project__code="GZ-2026-002").get()
    assert event.action == "project.created"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"region_code": "4401"}, "six digits"),
        ({"site_location": {"type": "Point", "coordinates": [23.1, 113.3]}}, "longitude first"),
        ({"site_location": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}, "Point or Polygon"),
        ({"building_count": 0}, "must be at least 1"),
    ],
)
def test_bad_project_details_are_refused_and_change_nothing(world, as_persona, change, message):
    code = world["project"].code
    response = as_persona("owner").patch(f"/projects/{code}", change)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert Project.objects.get(code=code).region_code == "440106"


def test_the_stage_moves_one_step_at_a_time(world, as_persona):
    owner, code = as_persona("owner"), world["project"].code  # the demo project is in construction
    jump = owner.post(f"/projects/{code}/stage", {"stage": "warranty"})
    assert jump.status_code == 409
    assert jump.json()["allowed"] == ["completed"]
    back = owner.post(f"/projects/{code}/stage", {"stage": "preparation"})
    assert back.status_code == 409
    assert owner.post(f"/projects/{code}/stage", {"stage": "completed"}).json()["stage"] == "completed"


def test_a_member_must_work_for_the_kind_of_organisation_the_role_needs(world, as_persona):
    designer = world["users"]["designer"].person.pk
    response = as_persona("owner").post(
        f"/projects/{world['project'].code}/members", {"person_id": designer, "role": "inspector"}
    )
    assert response.status_code == 422
    assert "needs someone from a supervisor" in response.json()["detail"]


def test_an_ended_membership_stays_on_record_and_takes_the_project_away(world, as_persona):
    code = world["project"].code
    membership = ProjectMembership.objects.get(project__code=code, person__user__username="insurer")
    ended = as_persona("owner").post(f"/projects/{code}/members/{membership.pk}/end")
    assert ended.status_code == 200 and ended.json()["ended_at"]
    assert as_persona("insurer").get(f"/projects/{code}").status_code == 404
    history = as_persona("owner").get(f"/projects/{code}/members?include_ended=true").json()
    assert any(m["id"] == membership.pk and m["ended_at"] for m in history)


def test_auditors_see_the_projects_of_their_region_only(world, as_persona):
    assert [p["code"] for p in as_persona("auditor").get("/projects").json()["items"]] == [world["project"].code]
    assert as_persona("auditor_sz").get("/projects").json()["items"] == []


def test_a_person_registered_with_a_full_width_id_number_gets_it_in_ascii(admin_api):
    response = admin_api.post(
        "/people",
        {
            "username": "fw",
            "name": "全角",
            "organisation_id": None,
            "id_number": "１１０１０５１９４９１２３１００２ｘ",
        },
    )
    assert response.status_code == 201, response.content
    from projects.models import Person

    assert Person.objects.get(user__username="fw").id_number == "11010519491231002X"


def test_a_housing_authority_of_region_000000_is_refused(admin_api):
    del admin_api.headers["Accept-Language"]  # answered in Chinese, the default
    before = Organisation.objects.count()
    response = admin_api.post(
        "/organisations",
        {"credit_code": "91110000802100433B", "name": "某住建局", "kind": "housing_authority", "region_code": "000000"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "region_code"
    assert "不是行政区划代码" in response.json()["detail"]
    assert Organisation.objects.count() == before


@pytest.mark.parametrize("at", ["0", "1", "20260302", "tomorrow", "2026-02-30"])
def test_parties_on_a_date_that_is_not_an_iso_date_is_refused(world, as_persona, at):
    owner, code = as_persona("owner"), world["project"].code
    response = owner.get(f"/projects/{code}/parties?at={at}")
    assert response.status_code == 422
    assert response.json()["field"] == "at"
    on_a_date = owner.get(f"/projects/{code}/parties?at=2026-03-02")
    assert on_a_date.status_code == 200 and all(p["appointment"] is not None for p in on_a_date.json())
