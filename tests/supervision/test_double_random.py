"""Double random, one public (双随机、一公开): the draw picks projects weighted by the credit tier of
their worst party and inspectors without a conflict of interest, from a published seed, so anyone
recomputes it; signed results are published on a page everyone reads, without ID numbers."""

import datetime
import io
import json
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from projects.models import Organisation, ProjectStage
from supervision import actions
from supervision.draw import run_draw
from supervision.models import OrganisationCredit, RosterInspector, SupervisionDraw

pytestmark = pytest.mark.django_db


def redraw(period: str) -> str:
    out = io.StringIO()
    call_command("supervision", "redraw", period, stdout=out)
    return out.getvalue()


def test_the_demo_draw_recomputes_to_the_same_result_every_time(world):
    draw = SupervisionDraw.objects.get(period="2026-Q4")
    first = redraw("2026-Q4")
    assert first == redraw("2026-Q4")
    printed = json.loads(first)
    assert printed["seed"] == draw.seed and printed["result"] == draw.result


def test_the_api_returns_seed_pool_and_result(world, as_persona):
    draw = SupervisionDraw.objects.get(period="2026-Q4")
    body = as_persona("auditor").get(f"/supervision/draws/{draw.pk}").json()
    assert body["seed"] == "2026-10-08 体彩排列三 第2026264期"
    assert [p["code"] for p in body["pool"]["projects"]] == ["GZ-2026-001"]
    assert body["result"][0]["project"] == "GZ-2026-001"
    # the same draw from the seed and the published pool, by anyone
    assert (
        run_draw(seed=body["seed"], period=body["period"], pool=body["pool"], inspectors_per_project=2)
        == body["result"]
    )


def test_a_draw_is_public_once_a_result_is_signed_and_the_departments_until_then(world, as_persona, client):
    published = SupervisionDraw.objects.get(period="2026-Q4")  # the demo signed a result of it
    assert as_persona("auditor_sz").get(f"/supervision/draws/{published.pk}").status_code == 200
    record = client.get(f"/supervision/draws/{published.pk}.json").json()  # nobody signed in
    assert (
        run_draw(seed=record["seed"], period=record["period"], pool=record["pool"], inspectors_per_project=2)
        == record["result"]
    )
    fresh = actions.create_supervision_draw(period="2027-Q1", seed="x", actor=world["users"]["auditor"])
    assert as_persona("auditor").get(f"/supervision/draws/{fresh.pk}").status_code == 200
    assert as_persona("auditor_sz").get(f"/supervision/draws/{fresh.pk}").status_code == 404
    assert client.get(f"/supervision/draws/{fresh.pk}.json").status_code == 404


def test_a_department_puts_its_people_on_its_roster(world, as_persona):
    designer_org = Organisation.objects.get(kind="design")
    person = RosterInspector.objects.get(person__user__username="gz_inspector").person
    response = as_persona("auditor").post("/supervision/roster", {"person_id": person.pk, "former_employers": []})
    assert response.status_code == 409  # on it already
    outsider = world["users"]["outsider"].person
    response = as_persona("auditor").post(
        "/supervision/roster", {"person_id": outsider.pk, "former_employers": [{"organisation_id": designer_org.pk}]}
    )
    assert response.status_code == 422 and response.json()["field"] == "person_id"


def test_an_inspector_who_worked_for_a_party_is_never_drawn_for_its_project(world):
    former = RosterInspector.objects.get(person__user__username="gz_inspector2")
    contractor = Organisation.objects.get(kind="contractor").credit_code
    pool = actions.draw_pool(former.department, on=datetime.date.today())
    assert contractor in next(i for i in pool["inspectors"] if i["id"] == former.pk)["conflicts"]
    pool["projects"][0]["weight"] = 1.0
    for n in range(200):
        result = run_draw(seed=f"seed {n}", period="2027-01", pool=pool, inspectors_per_project=2)
        assert former.pk not in [i["id"] for i in result[0]["inspectors"]]


def test_a_conflict_ends_three_years_after_the_employment(world):
    former = RosterInspector.objects.get(person__user__username="gz_inspector2")
    later = datetime.date(2028, 7, 1)  # the employment ended 2025-06-30
    pool = actions.draw_pool(former.department, on=later)
    assert next(i for i in pool["inspectors"] if i["id"] == former.pk)["conflicts"] == []


def test_a_project_whose_party_is_in_tier_d_is_drawn_every_period(world, new_project):
    project = world["project"]
    OrganisationCredit.objects.update_or_create(
        organisation=Organisation.objects.get(kind="contractor"),
        defaults={"points": 25, "tier": "D", "computed_at": timezone.now()},
    )
    auditor = world["users"]["auditor"]
    for n in range(8):
        draw = actions.create_supervision_draw(
            period=f"2027-{n + 1:02d}", seed=f"公开号 {random.random()}", actor=auditor
        )
        assert draw.pool["projects"][0]["tier"] == "D"
        assert [r["project"] for r in draw.result] == [project.code]


def test_tier_weights_shape_how_often_a_project_is_drawn():
    pool = {
        "projects": [{"code": f"P{n:03d}", "tier": "B", "weight": 0.2, "organisations": []} for n in range(1000)],
        "inspectors": [{"id": 1, "name": "甲", "conflicts": []}],
    }
    drawn = len(run_draw(seed="x", period="y", pool=pool, inspectors_per_project=1))
    assert 150 < drawn < 250


def test_only_projects_under_construction_are_in_the_pool(world, new_project):
    new_project("GZ-2026-002", "440105")  # in preparation
    department = Organisation.objects.get(kind="housing_authority", region_code="440100")
    pool = actions.draw_pool(department, on=datetime.date.today())
    assert [p["code"] for p in pool["projects"]] == ["GZ-2026-001"]
    assert world["project"].stage == ProjectStage.CONSTRUCTION


def test_a_period_is_drawn_once_and_a_draw_needs_a_seed(world, as_persona):
    auditor = as_persona("auditor")
    assert auditor.post("/supervision/draws", {"period": "2026-Q4", "seed": "x"}).status_code == 409
    response = auditor.post("/supervision/draws", {"period": "2027-Q1", "seed": "  "})
    assert response.status_code == 422 and response.json()["field"] == "seed"
    assert as_persona("owner").post("/supervision/draws", {"period": "2027-Q1", "seed": "x"}).status_code == 403


def test_signed_results_are_public_without_id_numbers(world, client):
    response = client.get("/api/v1/public/supervision-results")  # nobody signed in
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(r["project"], r["outcome"], r["period"]) for r in items] == [("GZ-2026-001", "issues", "2026-Q4")]
    assert items[0]["inspectors"] == ["王督查", "郑审计"]
    everything = response.content.decode() + client.get("/supervision/results/").content.decode()
    for user in world["users"].values():
        person = getattr(user, "person", None)
        if person is not None and person.id_number:
            assert person.id_number not in everything
    assert "钢筋保护层" in client.get("/supervision/results/").content.decode()


def test_a_result_is_signed_once_for_a_drawn_project(world, as_persona, new_project):
    draw = SupervisionDraw.objects.get(period="2026-Q4")
    body = {"project": "GZ-2026-001", "outcome": "passed", "summary": "复查合格"}
    assert as_persona("auditor").post(f"/supervision/draws/{draw.pk}/results", body).status_code == 409
    new_project("GZ-2026-002", "440105")
    response = as_persona("auditor").post(f"/supervision/draws/{draw.pk}/results", {**body, "project": "GZ-2026-002"})
    assert response.status_code == 422 and response.json()["field"] == "project"
