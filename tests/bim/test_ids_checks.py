"""IDS checks: a project's IDS file run on a ready version stores pass/fail per element and
requirement, and the failing elements are listed with the reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bim.ifc.build import demo_ids as fire_rating_ids
from bim.models import IdsRun, ModelVersion


@pytest.fixture
def demo_version(world):
    return ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")


def upload_ids(api, code, data, name="rules.ids"):
    return api.client.post(
        f"/api/v1/projects/{code}/ids", data={"file": SimpleUploadedFile(name, data)}, headers=api.headers
    )


def test_an_ids_run_lists_the_failing_elements_with_the_reason(
    world, demo_version, as_persona, django_capture_on_commit_callbacks
):
    code = world["project"].code
    designer = as_persona("designer")
    uploaded = upload_ids(designer, code, fire_rating_ids())
    assert uploaded.status_code == 201 and uploaded.json()["specifications"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        run = designer.post(f"/projects/{code}/versions/{demo_version.pk}/ids-runs", {"ids_id": uploaded.json()["id"]})
    assert run.status_code == 202
    result = as_persona("inspector").get(f"/projects/{code}/ids-runs/{run.json()['id']}").json()
    assert result["status"] == "done"
    assert result["summary"] == [
        {"specification": "墙体耐火极限 REI90", "applicable": 14, "failed": 2, "passed": 12, "status": False}
    ]
    failures = as_persona("auditor").get(f"/projects/{code}/ids-runs/{run.json()['id']}/failures").json()["items"]
    assert {f["name"] for f in failures} == {"1F 内隔墙", "2F 内隔墙"}
    assert all('"EI30" does not match' in f["reason"] for f in failures)
    stored = IdsRun.objects.get(pk=run.json()["id"]).results
    assert stored.filter(is_passed=True).count() == 12


def test_ids_entity_names_match_exactly(world, demo_version, as_persona, django_capture_on_commit_callbacks):
    code = world["project"].code
    designer = as_persona("designer")
    uploaded = upload_ids(designer, code, fire_rating_ids("IFCWALLSTANDARDCASE"))
    with django_capture_on_commit_callbacks(execute=True):
        run = designer.post(f"/projects/{code}/versions/{demo_version.pk}/ids-runs", {"ids_id": uploaded.json()["id"]})
    summary = as_persona("designer").get(f"/projects/{code}/ids-runs/{run.json()['id']}").json()["summary"]
    assert summary[0]["applicable"] == 0  # the demo's walls are IfcWall


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"<ids>unclosed", "This is not a valid IDS file"), (b"", "The IDS file is empty.")],
)
def test_a_broken_ids_file_is_refused(world, as_persona, data, message):
    response = upload_ids(as_persona("designer"), world["project"].code, data)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_contractors_cannot_upload_the_rules_their_models_are_checked_against(world, as_persona):
    assert upload_ids(as_persona("contractor"), world["project"].code, fire_rating_ids()).status_code == 403
