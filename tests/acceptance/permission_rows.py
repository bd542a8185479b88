"""Permission-matrix rows of the acceptance endpoints. The parties, TIS, the insurer and the
region's auditor read the tree; the contractor splits, generates and inspects; the chief
supervising engineer (no matrix persona) approves the split; a signature needs the capacity on
the date, so of the parties allowed to sign only the one the demo lot waits for gets 200."""

import uuid

from tests.permission_rows import Row, project_row

PARTY_READERS = {"contractor", "inspector", "owner", "insurer", "auditor"}
EVERYONE_SIGNED_IN = {"contractor", "inspector", "owner", "home_owner", "insurer", "auditor", "auditor_sz", "outsider"}


def _building(world):
    return world["project"].buildings.get(name="1#")


def building_1(world, persona):
    return {"building_id": _building(world).pk}


def _node(world, level, code):
    from acceptance.models import AcceptanceNode

    return AcceptanceNode.objects.get(building=_building(world), level=level, code=code)


def concrete_sub_item(world, persona):
    return {"node_id": _node(world, "sub_item", "020103").pk}


def main_structure_division(world, persona):
    return {"node_id": _node(world, "division", "02").pk}


def concrete_lot_1f(world, persona):
    return {"lot_id": _node(world, "inspection_lot", "020103-001").pk}


def rebar_lot_2f_awaiting_the_supervisor(world, persona):
    """The 2F rebar lot, its failed rebar batch retested and settled first (the demo blocks it)."""
    from tests.acceptance.conftest import settle_demo_rebar

    settle_demo_rebar(world)
    return {"node_id": _node(world, "inspection_lot", "020102-002").pk}


def inspection_body(world, persona):
    return {
        "client_uuid": str(uuid.uuid4()),
        "inspected_on": "2026-06-01",
        "items": [{"kind": "main", "name": "混凝土强度", "result": "pass"}],
    }


def photo_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.demo import finding_photo_png

    return {"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("lot.png", finding_photo_png("lot"))}


def document_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.demo import letter_pdf

    return {
        "kind": "safety_function_test",
        "file": SimpleUploadedFile("test.pdf", letter_pdf("结构实体检验", "检测机构"), content_type="application/pdf"),
    }


ROWS = [
    Row("GET", "/api/v1/acceptance/catalogue", 200, EVERYONE_SIGNED_IN),
    project_row(
        "GET", "/api/v1/projects/{code}/buildings/{building_id}/acceptance", 200, PARTY_READERS, params=building_1
    ),
    # proposing what the split already holds changes nothing and answers the tree
    project_row(
        "POST",
        "/api/v1/projects/{code}/buildings/{building_id}/acceptance/plan",
        200,
        {"contractor"},
        params=building_1,
        body={"sub_items": [{"code": "020103", "covers": ["020102"]}, {"code": "020102"}]},
    ),
    project_row(
        "POST", "/api/v1/projects/{code}/buildings/{building_id}/acceptance/plan/approve", 200, set(), params=building_1
    ),
    # the demo's rebar rule run again on the same version: nothing new, 200
    project_row(
        "POST",
        "/api/v1/projects/{code}/buildings/{building_id}/acceptance/lots",
        200,
        {"contractor"},
        params=building_1,
        body={"sub_item_code": "020102", "ifc_classes": ["IfcColumn", "IfcSlab"], "material": "混凝土"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/acceptance/{node_id}/lots",
        201,
        {"contractor"},
        params=concrete_sub_item,
        body={"name": "后浇带", "capacity_quantity": 12, "capacity_unit": "m3"},
    ),
    project_row("GET", "/api/v1/projects/{code}/acceptance/lots/{lot_id}", 200, PARTY_READERS, params=concrete_lot_1f),
    project_row(
        "POST",
        "/api/v1/projects/{code}/acceptance/lots/{lot_id}/inspection",
        201,
        {"contractor"},
        params=concrete_lot_1f,
        body=inspection_body,
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/acceptance/lots/{lot_id}/photos",
        201,
        {"contractor"},
        params=concrete_lot_1f,
        multipart=photo_upload,
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/acceptance/{node_id}/documents",
        201,
        {"contractor", "inspector", "owner"},
        params=main_structure_division,
        multipart=document_upload,
    ),
    # the contractor and the owner may sign in general, but not this lot in any capacity they hold
    project_row(
        "POST",
        "/api/v1/projects/{code}/acceptance/{node_id}/sign",
        200,
        {"inspector"},
        params=rebar_lot_2f_awaiting_the_supervisor,
        body={},
        overrides={"contractor": 409, "owner": 409},
    ),
]


def new_designation_body(world, persona):
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.get(username="foreman").person
    return {"person_id": person.pk, "capacity": "contractor_technical_lead", "start_date": "2026-06-01"}


ROWS += [
    project_row("GET", "/api/v1/projects/{code}/acceptance/designations", 200, PARTY_READERS),
    project_row(
        "POST", "/api/v1/projects/{code}/acceptance/designations", 201, {"contractor"}, body=new_designation_body
    ),
]
