"""The models page: contractors upload there and everybody on the project follows the ingest;
a version's page shows each storey's plan."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bim.ifc.build import grid_model
from bim.models import ModelVersion


def signed_in(world, username) -> Client:
    client = Client()
    client.force_login(world["users"][username])
    return client


def test_a_contractor_uploads_a_model_on_the_page_and_sees_it_read(world, django_capture_on_commit_callbacks):
    page = signed_in(world, "contractor")
    code = world["project"].code
    assert 'type="file"' in page.get(f"/projects/{code}/models/").content.decode()
    data = grid_model(3).to_string().encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(
            f"/projects/{code}/models/",
            {"file": SimpleUploadedFile("grid.ifc", data), "model_name": "Grid"},
            follow=True,
        )
    html = response.content.decode()
    assert "Grid v1 已上传" in html
    version = ModelVersion.objects.get(model__name="Grid")
    assert version.status == "ready"
    plan = page.get(f"/projects/{code}/versions/{version.pk}/").content.decode()
    assert plan.count('class="element IfcWall"') == 3


def test_a_wrong_file_on_the_page_gets_a_message_not_an_error_page(world):
    page = signed_in(world, "contractor")
    response = page.post(
        f"/projects/{world['project'].code}/models/",
        {"file": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff")},
        follow=True,
    )
    assert response.status_code == 200
    assert "请上传 IFC 模型：.ifc 或 .ifczip 文件。" in response.content.decode()


def test_readers_see_the_models_without_the_upload_form_and_outsiders_see_nothing(world):
    code = world["project"].code
    html = signed_in(world, "auditor").get(f"/projects/{code}/models/").content.decode()
    assert "1# 建筑" in html and 'type="file"' not in html
    assert signed_in(world, "outsider").get(f"/projects/{code}/models/").status_code == 404
    assert Client().get(f"/projects/{code}/models/").status_code == 302  # to the login page
