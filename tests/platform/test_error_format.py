"""Every error the API answers has one format (ARCHITECTURE.md): `code` for programs, `message`
for a person in their language, `field` naming the input at fault or null; `detail` repeats the
message for clients written before `message` existed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


def assert_error_format(response, status: int, code: str, field: str | None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["message"] and body["message"] == body["detail"], body
    assert "field" in body and body["field"] == field, body
    return body


@pytest.fixture
def contractor(as_persona):
    return as_persona("contractor")


def test_a_domain_error_names_its_field(world, as_persona):
    # an InvalidInput raised by an action with the field it is about
    response = as_persona("owner").post(f"/projects/{world['project'].code}/stage", {"stage": "no-such-stage"})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"] == body["detail"] and "field" in body


def test_a_schema_error_on_one_field_names_it(world, contractor):
    assert_error_format(contractor.post("/tokens", {"name": 5}), 422, "invalid", "name")


def test_an_error_about_no_field_has_a_null_field(world, as_persona):
    body = assert_error_format(as_persona("outsider").get(f"/projects/{world['project'].code}"), 404, "not_found", None)
    assert body["message"]


def test_a_refusal_and_a_missing_sign_in_have_the_format(world, as_persona):
    code = world["project"].code
    assert_error_format(
        as_persona("auditor").post(f"/projects/{code}/findings", {"title": "x"}), 403, "forbidden", None
    )
    assert_error_format(as_persona(None).get("/projects"), 401, "unauthenticated", None)


def test_errors_answered_outside_the_api_router_have_the_format(world, contractor, client):
    assert_error_format(client.get("/api/v1/no-such-endpoint"), 404, "not_found", None)
    assert_error_format(client.delete("/api/v1/tokens"), 405, "method_not_allowed", None)
    assert_error_format(contractor.get("/projects/GZ%00/findings"), 422, "nul_character", None)
    assert_error_format(client.get("/files/some/key?expires=1&signature=x"), 403, "invalid_link", None)


def test_an_upload_error_names_the_file_field(world, contractor):
    response = contractor.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=contractor.headers,
        data={"model_name": "Architecture"},
    )
    assert_error_format(response, 422, "invalid", "file")
    response = contractor.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=contractor.headers,
        data={"file": SimpleUploadedFile("a.ifc", b"x"), "model": "A"},
    )
    assert_error_format(response, 422, "unknown_field", "model")


@pytest.mark.chinese
def test_the_message_is_in_the_callers_language(world, as_persona):
    body = assert_error_format(as_persona("outsider").get(f"/projects/{world['project'].code}"), 404, "not_found", None)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
