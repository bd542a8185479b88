"""Every HTML page carries a Content-Security-Policy that allows script only from our own
static files, so markup slipped into a title or a note cannot run; the pages keep working under
it because none has an inline script (tests/browser checks them in Chromium)."""

import re

import pytest

from bim.models import ModelVersion
from inspections.models import Checklist, Finding


@pytest.fixture
def pages(world):
    code = world["project"].code
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    finding = Finding.objects.filter(project=world["project"]).first()
    checklist = Checklist.objects.filter(project=world["project"]).first()
    return [
        "/",
        f"/projects/{code}/plan/",
        f"/projects/{code}/findings/",
        f"/projects/{code}/findings/{finding.pk}/",
        f"/projects/{code}/checklists/",
        f"/projects/{code}/checklists/{checklist.pk}/",
        f"/projects/{code}/models/",
        f"/projects/{code}/versions/{version.pk}/",
        "/api/v1/docs",
    ]


def test_every_page_forbids_inline_and_foreign_script(world, client, pages):
    client.force_login(world["users"]["inspector"])
    for path in [*pages, "/admin/"]:
        if path == "/admin/":
            client.force_login(world["users"]["admin"])
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        html = response.content.decode()
        inline = [s for s in re.findall(r"<script\b([^>]*)>", html) if "src=" not in s and "application/json" not in s]
        assert not inline, (path, inline)


def test_the_login_page_has_the_policy_and_json_answers_do_not_need_it(world, client):
    assert "default-src 'self'" in client.get("/login/")["Content-Security-Policy"]
    assert "Content-Security-Policy" not in client.get("/api/v1/openapi.json")


def test_photos_on_object_storage_are_allowed_as_images(settings):
    from plumbline.middleware import content_security_policy

    settings.STORAGE_BACKEND = "minio"
    settings.MINIO_SECURE = True
    settings.MINIO_PUBLIC_ENDPOINT = "files.example.org"
    assert "img-src 'self' data: blob: https://files.example.org;" in content_security_policy()
