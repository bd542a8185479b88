"""Errors the API answers read in the caller's language: pydantic's complaints about a schema are
told in Chinese naming the field, and a session without its CSRF token, or no session at all, gets
a stable code and a translated message (never ninja's English "CSRF check Failed")."""

import pytest
from django.test import Client

pytestmark = pytest.mark.chinese


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_missing_field_and_a_wrong_type_are_told_in_chinese_naming_the_field(world, as_persona):
    contractor = as_persona("contractor")
    missing = contractor.post("/tokens", {}).json()
    assert missing["code"] == "invalid" and missing["field"] == "name"
    assert missing["message"] == "name：为必填项", missing
    wrong = contractor.post("/tokens", {"name": 5}).json()
    assert wrong["message"] == "name：须为文本" and "Input should" not in wrong["message"]
    assert wrong["errors"][0]["type"] == "string_type"  # the machine-readable part stays


def test_a_number_that_is_not_a_number_is_told_in_chinese(world, as_persona):
    body = as_persona("contractor").get(f"/projects/{world['project'].code}/findings/abc").json()
    assert body["code"] == "invalid" and "须为整数" in body["message"], body


def test_a_post_without_a_session_is_told_to_sign_in(world):
    response = Client(enforce_csrf_checks=True).post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated" and _has_chinese(response.json()["message"])


def test_a_session_post_without_its_csrf_token_is_refused_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["contractor"])
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    body = response.json()
    assert response.status_code == 403 and body["code"] == "csrf_failed", body
    assert _has_chinese(body["message"]) and "CSRF check" not in body["message"]
    assert body["message"] == body["detail"] and body["field"] is None
