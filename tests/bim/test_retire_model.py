"""A junk upload (not an IFC file) leaves its model on the list marked failed, its file and
failed version kept; the contractor retires such a model (audited), and only such a model."""

import pytest

from bim.models import IfcModel
from plumbline.core.audit.models import AuditEvent
from storage import get_storage

JUNK = b"%PDF-1.4 a drawing, not a model"


def test_a_junk_upload_shows_as_a_failed_model_the_contractor_retires(world, upload, as_persona, client):
    code = world["project"].code
    version = upload(JUNK, name="drawing.ifc", model_name="drawing")
    assert version.status == "failed"
    contractor = as_persona("contractor")
    listed = {m["name"]: m for m in contractor.get(f"/projects/{code}/models").json()}
    assert listed["drawing"]["is_failed"] is True and listed["1# 建筑"]["is_failed"] is False
    client.force_login(world["users"]["contractor"])
    page = client.get(f"/projects/{code}/models/").content.decode()
    assert "失败：没有可读取的版本" in page and f"/models/{version.model_id}/retire/" in page

    # another role may not; the contractor may, once
    assert as_persona("inspector").post(f"/projects/{code}/models/{version.model_id}/retire", {}).status_code == 403
    retired = contractor.post(f"/projects/{code}/models/{version.model_id}/retire", {})
    assert retired.status_code == 200, retired.json()
    assert retired.json()["retired_at"] is not None
    event = AuditEvent.objects.filter(action="model.retired").get()
    assert event.actor == world["users"]["contractor"] and event.changes["failed_versions"] == [None, 1]
    assert "drawing" not in {m["name"] for m in contractor.get(f"/projects/{code}/models").json()}
    assert "drawing.ifc" not in client.get(f"/projects/{code}/models/").content.decode()
    # nothing deleted: the failed version and its file stay on record
    version.refresh_from_db()
    assert version.status == "failed" and get_storage().exists(version.file_key)
    assert contractor.post(f"/projects/{code}/models/{version.model_id}/retire", {}).status_code == 404


def test_a_model_with_a_readable_version_cannot_be_retired(world, as_persona):
    code = world["project"].code
    model = IfcModel.objects.get(project=world["project"], name="1# 建筑")
    contractor = as_persona("contractor")  # its API token is an event of its own
    events = AuditEvent.objects.count()
    refused = contractor.post(f"/projects/{code}/models/{model.pk}/retire", {})
    assert (refused.status_code, refused.json()["code"]) == (409, "model_has_versions")
    model.refresh_from_db()
    assert model.retired_at is None and AuditEvent.objects.count() == events


@pytest.mark.chinese
def test_a_new_upload_under_a_retired_models_name_brings_it_back(world, upload, demo_ifc4):
    from bim import actions

    version = upload(JUNK, name="drawing.ifc", model_name="drawing")
    actions.retire_model(world["project"], version.model_id, actor=world["users"]["contractor"])
    again = upload(demo_ifc4, name="drawing.ifc", model_name="drawing")
    assert again.model_id == version.model_id and again.number == 2 and again.status == "ready"
    again.model.refresh_from_db()
    assert again.model.retired_at is None
