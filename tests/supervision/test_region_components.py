"""The dashboard's components from the apps that landed after it: acceptance progress, failed
material batches and the witness share per mandatory category, the IDI policy and the open and
overdue claims; each read for a whole page of projects in the same number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acceptance.materials import actions as material_actions
from acceptance.materials.models import MaterialBatch
from acceptance.materials.queries import witness_report
from acceptance.models import AcceptanceNode
from supervision.scoring import score_projects

pytestmark = pytest.mark.django_db


def reasons_of(project, today=None):
    (scored,) = score_projects([project], today=today or timezone.localdate())
    return scored.reasons


def by_code(reasons, code):
    return [r for r in reasons if r.code == code]


def test_acceptance_progress_reads_the_lots_and_unit_projects_accepted(world, as_persona):
    nodes = AcceptanceNode.objects.filter(project=world["project"])
    lots, accepted = (
        nodes.filter(level="inspection_lot").count(),
        nodes.filter(level="inspection_lot", status="accepted").count(),
    )
    assert lots and accepted < lots
    row = as_persona("auditor").get("/supervision/projects/GZ-2026-001").json()
    (progress,) = [r for r in row["reasons"] if r["code"] == "acceptance_progress"]
    assert f"{accepted} of {lots} inspection lots accepted" in progress["message"]
    assert progress["points"] == 0  # during construction, progress is for the reader

    lot = nodes.filter(level="inspection_lot").exclude(status="accepted").first()
    AcceptanceNode.objects.filter(pk=lot.pk).update(status="failed")
    (failed,) = by_code(reasons_of(world["project"]), "acceptance_failed")
    assert failed.points == 2 and "1 inspection lot failed" in failed.message


def test_a_completed_project_scores_its_unit_projects_not_accepted(world):
    project = world["project"]
    units = AcceptanceNode.objects.filter(project=project, level="unit_project").exclude(status="accepted").count()
    assert units
    assert not by_code(reasons_of(project), "acceptance_unaccepted")
    type(project).objects.filter(pk=project.pk).update(stage="completed")
    project.refresh_from_db()
    (missing,) = by_code(reasons_of(project), "acceptance_unaccepted")
    assert missing.points == 5 * units


def test_a_failed_batch_without_disposition_scores_until_it_is_returned(world):
    project = world["project"]
    failed = MaterialBatch.objects.filter(project=project, status="failed")
    assert failed.count() == 1
    batch = failed.get()
    (reason,) = by_code(reasons_of(project), "material_failed")
    assert batch.batch_number in reason.message and reason.points == 5
    material_actions.record_batch_disposition(
        project,
        batch_id=batch.pk,
        disposition="returned",
        decided_on=timezone.localdate(),
        note="退场",
        actor=world["users"]["inspector"],
    )
    assert not by_code(reasons_of(project), "material_failed")


def test_the_witness_share_agrees_with_the_witness_report(world):
    project = world["project"]
    below = [row["name"] for row in witness_report(project) if row["is_below"]]
    reasons = by_code(reasons_of(project), "witness_below")
    assert below and len(reasons) == len(below)
    assert all(any(name in r.message for r in reasons) for name in below)


def test_a_project_under_construction_without_a_policy_scores_it(world, new_project):
    project = new_project("GZ-2026-002", "440105")
    assert not by_code(reasons_of(project), "policy_missing")  # in preparation: not yet
    type(project).objects.filter(pk=project.pk).update(stage="construction")
    project.refresh_from_db()
    (missing,) = by_code(reasons_of(project), "policy_missing")
    assert missing.points == 10
    assert not by_code(reasons_of(world["project"]), "policy_missing")  # the demo has its policy


def test_open_claims_count_and_overdue_ones_score_more(world):
    from insurance.models import DefectClaim

    project = world["project"]
    open_claims = DefectClaim.objects.filter(project=project).exclude(status__in=("closed", "declined")).count()
    assert open_claims
    (reason,) = by_code(reasons_of(project), "claim_open")
    assert reason.points == open_claims
    assert not by_code(reasons_of(project), "claim_overdue")
    later = timezone.localdate() + datetime.timedelta(days=120)  # every deadline passed
    (overdue,) = by_code(reasons_of(project, today=later), "claim_overdue")
    assert overdue.points == 3 * open_claims


def test_a_change_in_those_apps_marks_the_stored_score_stale(world, as_persona):
    from supervision.models import ProjectScore

    as_persona("auditor").get("/supervision/dashboard")
    score = ProjectScore.objects.get(project=world["project"])
    assert not score.is_stale
    batch = MaterialBatch.objects.get(project=world["project"], status="failed")
    material_actions.record_batch_disposition(
        world["project"],
        batch_id=batch.pk,
        disposition="returned",
        decided_on=timezone.localdate(),
        note="退场",
        actor=world["users"]["inspector"],
    )
    score.refresh_from_db()
    assert score.is_stale
    row = as_persona("auditor").get("/supervision/dashboard").json()["items"][0]
    assert "material_failed" not in [r["code"] for r in row["reasons"]]


@pytest.mark.chinese
def test_the_new_reasons_read_in_chinese(world, as_persona):
    row = as_persona("auditor").get("/supervision/projects/GZ-2026-001").json()
    messages = {r["code"]: r["message"] for r in row["reasons"]}
    assert "检验批已验收" in messages["acceptance_progress"]
    assert "尚未处置" in messages["material_failed"] and "未结" in messages["claim_open"]


def test_the_components_read_a_page_of_projects_in_the_same_queries_as_one(world):
    """Twenty projects with batches, lots, policies and claims cost what one does."""
    from supervision.region import load_region

    def queries(projects) -> int:
        with CaptureQueriesContext(connection) as captured:
            score_projects(projects, today=timezone.localdate())
        return len(captured.captured_queries)

    load_region(projects=20, findings_per_project=3)
    region = list(type(world["project"]).objects.filter(code__startswith="ZH-").order_by("code"))
    assert MaterialBatch.objects.filter(project__in=region).exists()
    assert AcceptanceNode.objects.filter(project__in=region).exists()
    built = next(p for p in region if p.stage != "preparation")
    one = queries([world["project"], built])
    assert queries([world["project"], *region]) == one
    assert queries(region) <= one
