"""The housing department's region dashboard: every project of the auditor's region and only
those, each with a completeness score and the reasons behind it; sort, filter, drill down,
export, charts; a bounded number of queries whatever the number of projects."""

import csv
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from projects import actions as project_actions
from supervision.reports import region_dashboard

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["items"]]


def test_an_auditor_sees_every_project_of_their_region_and_only_those(world, as_persona, new_project):
    new_project("GZ-2026-002", "440105")
    new_project("SZ-2026-001", "440304")
    assert codes(as_persona("auditor").get("/supervision/dashboard")) == ["GZ-2026-001", "GZ-2026-002"]
    assert codes(as_persona("auditor_sz").get("/supervision/dashboard")) == ["SZ-2026-001"]


def test_a_shenzhen_auditor_gets_404_on_a_guangzhou_project(world, as_persona):
    assert as_persona("auditor_sz").get("/supervision/projects/GZ-2026-001").status_code == 404
    assert as_persona("auditor").get("/supervision/projects/GZ-2026-001").status_code == 200


def test_people_outside_a_department_have_no_dashboard(world, as_persona):
    for persona in ("owner", "contractor", "outsider"):
        response = as_persona(persona).get("/supervision/dashboard")
        assert response.status_code == 403, persona
        assert response.json()["code"] == "forbidden"


def test_overdue_letters_lower_the_score_with_their_reasons(world, as_persona, overdue_letters):
    row = as_persona("auditor").get("/supervision/projects/GZ-2026-001").json()
    overdue = [r for r in row["reasons"] if r["code"] == "letter_overdue"]
    assert len(overdue) == 2  # the authorisation and the commitment letter of 何路人
    assert all("何路人" in r["message"] and r["points"] == 8 for r in overdue)
    assert row["score"] == 100 - sum(r["points"] for r in row["reasons"])


def test_open_findings_count_by_severity(world, as_persona):
    from inspections import actions as finding_actions
    from inspections.demo import finding_photo_png
    from inspections.models import Finding

    def by_code():
        row = as_persona("auditor").get("/supervision/projects/GZ-2026-001").json()
        return {r["code"]: r for r in row["reasons"]}

    # the demos open major findings (the inspections demo's and the materials demo's failed
    # batch) and one minor one, whose rectification is submitted: open until it is verified
    major = Finding.objects.filter(project=world["project"], severity="major", status="open")
    n = major.count()
    assert n >= 2
    assert by_code()["finding_major"]["points"] == 3 * n
    assert f"{n} open major findings" in by_code()["finding_major"]["message"]
    assert by_code()["finding_minor"]["points"] == 1
    # one major finding closed: one fewer counted
    finding = major.first()
    finding_actions.add_finding_photo(
        world["project"],
        finding_id=finding.pk,
        client_uuid=uuid.uuid4(),
        stream=io.BytesIO(finding_photo_png("fixed")),
        actor=world["users"]["contractor"],
    )
    for verb, who in (("submit_rectification", "contractor"), ("verify", "inspector")):
        finding_actions.move_finding(
            world["project"], finding_id=finding.pk, verb=verb, note="已整改", actor=world["users"][who]
        )
    assert f"{n - 1} open major findings" in by_code()["finding_major"]["message"]


def test_a_project_without_parties_scores_their_absence(world, as_persona, new_project):
    new_project("GZ-2026-002", "440105")
    row = as_persona("auditor").get("/supervision/projects/GZ-2026-002").json()
    assert [r["code"] for r in row["reasons"]] == ["party_missing"] * 5
    assert row["score"] == 50  # the register component takes off at most 50


def test_sorted_by_score_the_worst_come_first_and_filters_apply(world, as_persona, new_project):
    new_project("GZ-2026-002", "440105")
    new_project("GZ-2026-003", "440105", name="海珠区学校")
    auditor = as_persona("auditor")
    assert codes(auditor.get("/supervision/dashboard?sort=score"))[-1] == "GZ-2026-001"
    assert codes(auditor.get("/supervision/dashboard?sort=-score"))[0] == "GZ-2026-001"
    assert codes(auditor.get("/supervision/dashboard?max_score=60")) == ["GZ-2026-002", "GZ-2026-003"]
    assert codes(auditor.get("/supervision/dashboard?reason=findings")) == ["GZ-2026-001"]
    assert codes(auditor.get("/supervision/dashboard?search=学校")) == ["GZ-2026-003"]
    assert codes(auditor.get("/supervision/dashboard?stage=construction")) == ["GZ-2026-001"]


def test_the_dashboard_is_paginated_on_the_server(world, as_persona, new_project):
    for n in range(2, 6):
        new_project(f"GZ-2026-00{n}", "440105")
    page = as_persona("auditor").get("/supervision/dashboard?limit=2&offset=2").json()
    assert page["count"] == 5 and [r["code"] for r in page["items"]] == ["GZ-2026-003", "GZ-2026-004"]
    assert as_persona("auditor").get("/supervision/dashboard?sort=nonsense").status_code == 422


def test_the_number_of_queries_does_not_grow_with_the_projects(world, new_project):
    auditor = world["users"]["auditor"]

    def queries_for_a_page(**kw) -> int:
        with CaptureQueriesContext(connection) as captured:
            region_dashboard(auditor, limit=50, **kw)
        return len(captured.captured_queries)

    new_project("GZ-2026-002", "440105")
    queries_for_a_page()  # the auditor's person and department, read once and kept on the user
    new_project("GZ-2026-003", "440105")
    one_stale = queries_for_a_page()  # GZ-2026-003 scored before the page is read
    fresh, by_score = queries_for_a_page(), queries_for_a_page(sort="score", max_score=80)
    for n in range(4, 25):
        new_project(f"GZ-2026-{n:03d}", "440105")
    assert queries_for_a_page() == one_stale  # 21 projects scored in the same queries as one
    assert queries_for_a_page() == fresh
    assert queries_for_a_page(sort="score", max_score=80) == by_score


def test_a_stored_score_is_computed_again_after_a_save_below_it(world, as_persona, overdue_letters):
    from supervision.models import ProjectScore

    row = as_persona("auditor").get("/supervision/dashboard").json()["items"][0]
    assert [r["code"] for r in row["reasons"]].count("letter_overdue") == 2
    score = ProjectScore.objects.get(project=world["project"])
    assert not score.is_stale
    world["project"].refresh_from_db()
    project_actions.update_project(world["project"], changes={"name": "改名"}, actor=world["users"]["owner"])
    score.refresh_from_db()
    assert score.is_stale  # marked by the save, scored again when a dashboard is next read
    as_persona("auditor").get("/supervision/dashboard")
    score.refresh_from_db()
    assert not score.is_stale


def test_a_score_of_an_earlier_day_is_computed_again(world, as_persona):
    import datetime

    from supervision.models import ProjectScore

    fresh = as_persona("auditor").get("/supervision/dashboard").json()["items"][0]
    assert fresh["score"] < 100 and fresh["reasons"]
    ProjectScore.objects.filter(project=world["project"]).update(
        computed_on=datetime.date(2026, 1, 1), score=1, reasons=[]
    )
    again = as_persona("auditor").get("/supervision/dashboard").json()["items"][0]
    assert (again["score"], again["reasons"]) == (fresh["score"], fresh["reasons"])


def test_the_export_holds_every_filtered_project_with_score_and_reasons(world, as_persona, new_project):
    new_project("GZ-2026-002", "440105")
    auditor = as_persona("auditor")
    response = auditor.get("/supervision/dashboard/export?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["GZ-2026-001", "GZ-2026-002"]
    assert rows[2][4] == "50" and "no owner" in rows[2][5]

    response = auditor.get("/supervision/dashboard/export?format=xlsx&max_score=60")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet["A"]][1:] == ["GZ-2026-002"]
    assert sheet["E2"].value == 50
    assert auditor.get("/supervision/dashboard/export?format=pdf").status_code == 422


def test_charts_are_svg_drawn_on_the_server(world, as_persona):
    auditor = as_persona("auditor")
    scores = auditor.get("/supervision/dashboard/charts/scores.svg")
    assert scores["Content-Type"] == "image/svg+xml"
    svg = scores.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg
    score = auditor.get("/supervision/projects/GZ-2026-001").json()["score"]
    low = min(score // 10, 9) * 10
    label = "90–100" if low == 90 else f"{low}–{low + 9}"
    assert f"{label}: 1" in svg  # the demo project, the region's only one
    findings = auditor.get("/supervision/dashboard/charts/findings.svg").content.decode()
    assert findings.count('class="bar"') >= 2  # major and minor findings this month
    assert auditor.get("/supervision/dashboard/charts/other.svg").status_code == 404


@pytest.mark.chinese
def test_reasons_read_in_chinese_by_default(world, as_persona):
    row = as_persona("auditor").get("/supervision/projects/GZ-2026-001").json()
    assert any("项" in r["message"] or "发现" in r["message"] for r in row["reasons"]), row["reasons"]


def test_a_region_with_batches_lots_policies_and_claims_costs_the_same_queries(world):
    """The load_region projects carry every component's data: scoring 20 of them on first
    reading, and reading them again, cost what 3 do."""
    from django.contrib.auth import get_user_model

    from supervision.region import AUDITOR, load_region

    def queries_for_a_page(**kw) -> int:
        auditor = get_user_model().objects.get(username=AUDITOR)  # a fresh user: nothing kept on it
        with CaptureQueriesContext(connection) as captured:
            region_dashboard(auditor, limit=50, **kw)
        return len(captured.captured_queries)

    load_region(projects=3, findings_per_project=3)
    first_small, again_small = queries_for_a_page(), queries_for_a_page(sort="score")
    load_region(projects=20, findings_per_project=3, seed=20)
    assert queries_for_a_page() == first_small  # 17 new projects scored in the same queries
    assert queries_for_a_page(sort="score") == again_small
