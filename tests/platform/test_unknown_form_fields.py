"""A form or multipart request with a field its operation does not take is refused with a 422
naming the field, on every upload endpoint; nothing is written. (ninja dropped such a field: an
upload with `model=` instead of `model_name=` made a new model named after the file.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bim.ifc.build import grid_model
from bim.models import IfcModel, ModelVersion

from .test_bad_input_is_refused import UPLOADS, assert_error


@pytest.fixture
def contractor(as_persona):
    return as_persona("contractor")


@pytest.fixture(scope="module")
def demo_ifc4() -> bytes:
    return grid_model(2).to_string().encode()


def test_an_upload_naming_its_model_in_a_misspelt_field_is_refused_naming_that_field(world, contractor, demo_ifc4):
    models, versions = IfcModel.objects.count(), ModelVersion.objects.count()
    response = contractor.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=contractor.headers,
        data={"file": SimpleUploadedFile("house.ifc", demo_ifc4), "model": "Architecture"},
    )
    body = assert_error(response, 422, "unknown_field", field="model")
    assert "model" in body["detail"] and "model_name" in body["detail"]
    assert (IfcModel.objects.count(), ModelVersion.objects.count()) == (models, versions)


def test_the_same_upload_with_the_right_field_names_the_model(world, contractor, demo_ifc4):
    response = contractor.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=contractor.headers,
        data={"file": SimpleUploadedFile("house.ifc", demo_ifc4), "model_name": "Coordination"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["model"] == "Coordination"


#: who may make each upload (a caller without the right is refused for that first)
UPLOADERS = {
    "/projects/{code}/models": "contractor",
    "/projects/{code}/ids": "owner",
    "/projects/{code}/findings/bcf": "inspector",
    "/projects/{code}/findings/1/photos": "inspector",
    "/projects/{code}/checklists/1/items/1/photos": "inspector",
    "/projects/{code}/appointments/1/letters": "contractor",
    "/projects/{code}/signs/1/photos": "owner",
}


@pytest.mark.parametrize("path", UPLOADS)
def test_every_upload_refuses_a_field_it_does_not_take(world, as_persona, path):
    uploader = as_persona(UPLOADERS[path])
    response = uploader.client.post(
        "/api/v1" + path.format(code=world["project"].code),
        headers=uploader.headers,
        data={"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"), "colour": "red"},
    )
    assert_error(response, 422, "unknown_field", field="colour")


def test_a_second_file_under_another_name_is_refused(world, contractor, demo_ifc4):
    response = contractor.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=contractor.headers,
        data={"file": SimpleUploadedFile("house.ifc", demo_ifc4), "attachment": SimpleUploadedFile("b.ifc", b"x")},
    )
    assert_error(response, 422, "unknown_field", field="attachment")


@pytest.mark.chinese
def test_the_refusal_is_in_chinese_by_default(world, contractor, demo_ifc4):
    response = contractor.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=contractor.headers,
        data={"file": SimpleUploadedFile("house.ifc", demo_ifc4), "model": "Architecture"},
    )
    assert "字段" in assert_error(response, 422, "unknown_field", field="model")["detail"]


def test_someone_who_may_not_upload_is_refused_for_the_right_not_the_field(world, as_persona, demo_ifc4):
    outsider = as_persona("outsider")
    response = outsider.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=outsider.headers,
        data={"file": SimpleUploadedFile("house.ifc", demo_ifc4), "model": "Architecture"},
    )
    assert response.status_code == 404, response.content
