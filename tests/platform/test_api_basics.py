"""The API documents itself and answers every error in one format."""

import re

import pytest


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Plumbline API"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"openapi.json" in docs.content
    assert b"cdn." not in docs.content, "docs must work on a site without internet access"
    files = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.content.decode())
    assert any(f.endswith("swagger-ui-bundle.js") for f in files)
    for path in files:
        assert client.get(path).status_code == 200, path


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "/api/v1/no-such-thing 处没有接口。",
        "field": None,
        "detail": "/api/v1/no-such-thing 处没有接口。",
    }


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_echoes_a_safe_one(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "tablet-42.retry-3"})
    assert echoed.headers["X-Request-ID"] == "tablet-42.retry-3"
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert replaced.headers["X-Request-ID"] != "<script>"


@pytest.mark.django_db
def test_admin_asks_for_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_standard_library_platform_module_is_not_shadowed():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", "import platform, uuid; print(platform.system())"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_the_openapi_document_declares_every_error_answer_in_the_error_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message", "field", "detail"]
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) > 50
    for operation in operations:
        responses = operation["responses"]
        assert {"400", "405", "422"} <= set(responses), operation["operationId"]
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.django_db
def test_a_method_a_path_does_not_have_is_a_json_405(client):
    response = client.delete("/api/v1/tokens")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert sorted(response.json()["allowed"]) == ["GET", "POST"]
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]
