"""Checklists: the chief inspector defines ordered items (pass / fail / n.a., some needing a photo),
an inspector fills one on site, and completing it turns each failed item into a finding linked to
the checklist for the contractor to rectify. Wrong input is refused and changes nothing."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from inspections.models import Checklist, ChecklistAnswer, ChecklistTemplate, Finding
from plumbline.core.audit.models import AuditEvent

ITEMS = [
    {"text": "Formwork clean", "photo_required": False},
    {"text": "Rebar spacing as drawn", "photo_required": True},
    {"text": "Cover blocks placed", "photo_required": True},
    {"text": "Embedded conduits fixed", "photo_required": False},
]


@pytest.fixture
def site(world, as_persona):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    chief = as_persona("inspector")  # an inspector may define checklists too (checklist.manage)
    response = chief.post(
        f"/projects/{code}/checklist-templates",
        {"name": "Slab before pouring", "category": "structure", "items": ITEMS},
    )
    assert response.status_code == 201, response.content
    return code, version, response.json()


def start(api, code, template, **extra):
    return api.post(
        f"/projects/{code}/checklists",
        {"client_uuid": str(uuid.uuid4()), "template_id": template["id"], **extra},
    )


def answer(api, code, checklist_id, item_id, result, **extra):
    return api.call("PUT", f"/projects/{code}/checklists/{checklist_id}/items/{item_id}", {"result": result, **extra})


def photo(api, code, checklist_id, item_id, data=None):
    return api.client.post(
        f"/api/v1/projects/{code}/checklists/{checklist_id}/items/{item_id}/photos",
        headers=api.headers,
        data={"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("p.png", data or finding_photo_png("c"))},
    )


def test_a_template_keeps_its_items_in_order_and_is_refused_when_malformed(site, as_persona):
    code, _version, template = site
    assert [(i["position"], i["text"], i["photo_required"]) for i in template["items"]] == [
        (n, item["text"], item["photo_required"]) for n, item in enumerate(ITEMS, start=1)
    ]
    inspector = as_persona("inspector")
    before = ChecklistTemplate.objects.count()
    again = inspector.post(
        f"/projects/{code}/checklist-templates",
        {"name": "Slab before pouring", "category": "structure", "items": ITEMS},
    )
    assert again.status_code == 409 and "already has a checklist" in again.json()["detail"]
    empty = inspector.post(f"/projects/{code}/checklist-templates", {"name": "x", "category": "structure", "items": []})
    assert empty.status_code == 422 and "at least one item" in empty.json()["detail"]
    blank = inspector.post(
        f"/projects/{code}/checklist-templates",
        {"name": "y", "category": "structure", "items": [{"text": "a"}, {"text": " "}]},
    )
    assert blank.status_code == 422 and "Item 2 has no text" in blank.json()["detail"]
    contractor = as_persona("contractor").post(
        f"/projects/{code}/checklist-templates", {"name": "z", "category": "structure", "items": ITEMS}
    )
    assert contractor.status_code == 403
    assert ChecklistTemplate.objects.count() == before


def test_a_checklist_is_started_on_elements_and_a_retry_returns_the_same_one(site, as_persona):
    code, version, template = site
    wall = version.elements.get(name="2F 北墙")
    inspector = as_persona("inspector")
    payload = {
        "client_uuid": str(uuid.uuid4()),
        "template_id": template["id"],
        "version_id": version.pk,
        "global_ids": [wall.global_id],
    }
    first = inspector.post(f"/projects/{code}/checklists", payload)
    again = inspector.post(f"/projects/{code}/checklists", payload)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert first.json()["storey_global_id"] == wall.storey.global_id
    assert [i["result"] for i in first.json()["items"]] == [None] * len(ITEMS)

    unknown = start(inspector, code, template, version_id=version.pk, global_ids=["0000000000000000000000"])
    assert unknown.status_code == 422 and "0000000000000000000000" in unknown.json()["detail"]
    nowhere = start(inspector, code, template)
    assert nowhere.status_code == 422 and "Say where" in nowhere.json()["detail"]
    assert Checklist.objects.filter(template_id=template["id"]).count() == 1


def test_completing_turns_each_failed_item_into_a_finding_linked_to_the_checklist(site, as_persona):
    code, version, template = site
    slab = version.elements.filter(ifc_class="IfcSlab").first()
    inspector = as_persona("inspector")
    checklist = start(inspector, code, template, version_id=version.pk, global_ids=[slab.global_id]).json()
    cid, items = checklist["id"], [i["id"] for i in checklist["items"]]
    assert answer(inspector, code, cid, items[0], "pass").status_code == 200
    no_note = answer(inspector, code, cid, items[1], "fail")
    assert no_note.status_code == 422 and "Say what failed" in no_note.json()["detail"]
    assert (
        answer(
            inspector, code, cid, items[1], "fail", note="Spacing 250 mm, drawn 150 mm", severity="critical"
        ).status_code
        == 200
    )

    early = inspector.post(f"/projects/{code}/checklists/{cid}/complete")
    assert early.status_code == 422 and "Items without an answer: 3, 4" in early.json()["detail"]
    assert answer(inspector, code, cid, items[2], "na").status_code == 200  # n.a. needs no photo
    assert answer(inspector, code, cid, items[3], "pass").status_code == 200
    no_photo = inspector.post(f"/projects/{code}/checklists/{cid}/complete")
    assert no_photo.status_code == 422 and "Items that need a photo: 2" in no_photo.json()["detail"]
    assert not Finding.objects.filter(checklist_id=cid).exists()

    not_an_image = photo(inspector, code, cid, items[1], b"%PDF-1.4 not a photo")
    assert not_an_image.status_code == 422
    assert photo(inspector, code, cid, items[1]).status_code == 201
    done = inspector.post(f"/projects/{code}/checklists/{cid}/complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    finding_id = done.json()["items"][1]["finding_id"]
    assert [i["finding_id"] for i in done.json()["items"]] == [None, finding_id, None, None]

    finding = as_persona("contractor").get(f"/projects/{code}/findings/{finding_id}").json()
    assert finding["title"] == "Slab before pouring: Rebar spacing as drawn"
    assert (finding["severity"], finding["category"], finding["checklist_id"]) == ("critical", "structure", cid)
    assert finding["description"] == "Spacing 250 mm, drawn 150 mm" and finding["global_ids"] == [slab.global_id]
    assert finding["responsible_leader"] == "张施工" and len(finding["photos"]) == 1
    assert finding["next_moves"] == ["submit_rectification"]  # the contractor takes it from here
    assert AuditEvent.objects.filter(action="checklist.completed").count() == 2  # the demo's and this one

    # a retry of the completion changes nothing; a completed checklist cannot be changed
    assert inspector.post(f"/projects/{code}/checklists/{cid}/complete").status_code == 200
    assert Finding.objects.filter(checklist_id=cid).count() == 1
    late = answer(inspector, code, cid, items[0], "fail", note="changed my mind")
    assert late.status_code == 409 and "completed" in late.json()["detail"]
    assert ChecklistAnswer.objects.get(checklist_id=cid, item_id=items[0]).result == "pass"


def test_only_inspectors_fill_checklists_and_items_belong_to_their_template(site, as_persona, world):
    code, _version, template = site
    inspector = as_persona("inspector")
    checklist = start(inspector, code, template, location="3F slab, grid C-D").json()
    item = checklist["items"][0]["id"]
    assert answer(as_persona("contractor"), code, checklist["id"], item, "pass").status_code == 403
    demo_item = world["project"].checklist_templates.exclude(pk=template["id"]).first().items.first().pk
    foreign = answer(inspector, code, checklist["id"], demo_item, "pass")
    assert foreign.status_code == 422 and "is not on the checklist" in foreign.json()["detail"]
    wrong = answer(inspector, code, checklist["id"], item, "maybe")
    assert wrong.status_code == 422 and "use pass, fail or na" in wrong.json()["detail"]
    assert not ChecklistAnswer.objects.filter(checklist_id=checklist["id"]).exists()


def test_the_demo_has_a_completed_checklist_whose_failure_is_a_finding(world, as_persona):
    code = world["project"].code
    done = as_persona("owner").get(f"/projects/{code}/checklists?status=completed").json()["items"]
    assert len(done) == 1
    detail = as_persona("owner").get(f"/projects/{code}/checklists/{done[0]['id']}").json()
    assert [i["result"] for i in detail["items"]] == ["pass", "pass", "fail", "pass", "na"]
    finding = Finding.objects.get(pk=detail["items"][2]["finding_id"])
    assert finding.checklist_id == done[0]["id"] and finding.status == "open"
