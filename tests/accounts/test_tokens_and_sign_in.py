"""People reach the API with personal tokens (shown once, stored hashed, revocable) or with the
web session they signed in with (which needs the CSRF token to change anything)."""

import pytest
from django.test import Client

from plumbline.core.accounts.models import ApiToken, hash_token


def test_a_token_created_through_the_api_works_until_it_is_revoked(world, as_persona, client):
    created = as_persona("inspector").post("/tokens", {"name": "site tablet 3"})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("plb_") and created.json()["prefix"] == secret[:12]

    tablet = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=tablet).json()["username"] == "inspector"
    revoked = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke", headers=tablet)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = client.get("/api/v1/me", headers=tablet)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"


def test_a_token_is_stored_only_as_its_hash_and_never_listed(world, as_persona):
    api = as_persona("contractor")
    secret = api.post("/tokens", {"name": "script"}).json()["token"]
    stored = ApiToken.objects.get(name="script")
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash
    listing = api.get("/tokens").json()
    assert all("token" not in t for t in listing)


def test_nobody_revokes_someone_elses_token(world, as_persona):
    theirs = as_persona("contractor").post("/tokens", {"name": "theirs"}).json()
    response = as_persona("inspector").post(f"/tokens/{theirs['id']}/revoke")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs["id"]).revoked_at is None


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic abc", "plb_x"])
def test_a_bad_authorization_header_is_401_with_a_clear_message(world, client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert "API 令牌" in response.json()["detail"]  # in Chinese: the client asked for no other language


def test_a_token_needs_a_name(world, as_persona):
    response = as_persona("owner").post("/tokens", {"name": "   "})
    assert response.status_code == 422
    message = "Give the token a name, e.g. the tablet or script that will use it."
    assert response.json() == {"code": "invalid", "message": message, "field": "name", "detail": message}


def test_signing_in_on_the_login_page_opens_the_api_to_the_session(world):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/")
    assert page.status_code == 200
    csrf = page.cookies["csrftoken"].value
    wrong = browser.post("/login/", {"username": "owner", "password": "nope", "csrfmiddlewaretoken": csrf})
    assert "用户名或密码不正确" in wrong.content.decode()  # pages speak Chinese by default
    signed_in = browser.post(
        "/login/", {"username": "owner", "password": "plumbline-demo", "csrfmiddlewaretoken": csrf}
    )
    assert signed_in.status_code == 302
    assert browser.get("/api/v1/me").json()["name"] == "李建国"


def test_a_session_write_without_the_csrf_token_is_refused(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["users"]["owner"])
    code = world["project"].code
    refused = browser.patch(f"/api/v1/projects/{code}", data={"name": "x"}, content_type="application/json")
    assert refused.status_code in (401, 403)
    browser.get("/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.patch(
        f"/api/v1/projects/{code}", data={"name": "x"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200


def test_pages_are_chinese_by_default_and_english_when_chosen(world):
    browser = Client(headers={"Accept-Language": "en-US,en;q=0.9"})  # a tablet set to English
    assert "登录" in browser.get("/login/").content.decode()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in" in browser.get("/login/").content.decode()
