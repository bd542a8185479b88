"""Errors a person meets in the browser are pages in the site's language with a way back; the
API answers in the language the client asks for (Accept-Language), Chinese by default."""

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver
from django.utils import translation

pytestmark = pytest.mark.django_db


def signed_in(world, name: str, **kwargs) -> Client:
    browser = Client(**kwargs)
    browser.force_login(world["users"][name])
    return browser


def test_an_unknown_page_is_a_chinese_page_with_a_way_to_the_projects(client):
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "找不到页面" in text and 'href="/"' in text
    assert "Page not found" not in text and "The requested resource" not in text


def test_who_chose_english_gets_the_404_page_in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()


def test_a_page_the_role_may_not_open_says_so_in_chinese_and_leads_back(world):
    home_owner = signed_in(world, "home_owner")
    code = world["project"].code
    page = home_owner.get(f"/projects/{code}/findings/", headers={"Referer": "http://testserver/"})
    assert page.status_code == 403
    text = page.content.decode()
    assert "无权" in text and "返回上一页" in text and 'href="http://testserver/"' in text
    assert "403 Forbidden" not in text


def test_a_form_sent_with_an_expired_csrf_token_gets_a_page_saying_nothing_was_saved(world):
    inspector = signed_in(world, "inspector", enforce_csrf_checks=True)
    code = world["project"].code
    form = f"http://testserver/projects/{code}/findings/new/"
    page = inspector.post(f"/projects/{code}/findings/new/", {"title": "墙面裂缝"}, headers={"Referer": form})
    assert page.status_code == 403
    text = page.content.decode()
    assert "表单已过期" in text and "未保存任何内容" in text and f'href="{form}"' in text
    assert "CSRF verification failed" not in text


def test_a_server_error_is_a_chinese_page_with_the_request_id_that_reads_no_database():
    request = RequestFactory().get("/projects/X/plan/")
    request.request_id = "abc123"
    handler = get_resolver().resolve_error_handler(500)
    with translation.override("zh-hans"):  # as the locale middleware left it
        page = handler(request)  # no database access allowed here: this test has no db
    assert page.status_code == 500
    text = page.content.decode()
    assert "出错了" in text and "abc123" in text and 'href="/"' in text


def test_a_server_error_under_the_api_is_json():
    request = RequestFactory().get("/api/v1/projects")
    request.request_id = "abc123"
    response = get_resolver().resolve_error_handler(500)(request)
    body = json.loads(response.content)
    assert response.status_code == 500
    assert body["code"] == "server_error" and "abc123" in body["detail"]


def test_the_api_answers_in_chinese_by_default_and_in_the_language_accept_language_asks_for(as_persona):
    api = as_persona("inspector")
    del api.headers["Accept-Language"]
    assert api.get("/projects/NO-SUCH").json() == {
        "code": "not_found",
        "message": "没有项目 'NO-SUCH'。",
        "field": None,
        "detail": "没有项目 'NO-SUCH'。",
    }
    api.headers["Accept-Language"] = "en-US,en;q=0.9"
    assert api.get("/projects/NO-SUCH").json() == {
        "code": "not_found",
        "message": "No project 'NO-SUCH'.",
        "field": None,
        "detail": "No project 'NO-SUCH'.",
    }
    api.headers["Accept-Language"] = "fr-FR, zh-CN;q=0.8"
    assert api.get("/projects/NO-SUCH").json()["detail"] == "没有项目 'NO-SUCH'。"


def test_a_refusal_in_the_api_keeps_its_code_and_translates_its_message(world, as_persona):
    code = world["project"].code
    api = as_persona("auditor")
    del api.headers["Accept-Language"]
    refused = api.patch(f"/projects/{code}", {"name": "改名"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "无权" in refused.json()["detail"]
    api.headers["Accept-Language"] = "en"
    assert "may not do this" in api.patch(f"/projects/{code}", {"name": "x"}).json()["detail"]


def test_a_home_owner_home_page_offers_only_the_pages_a_home_owner_may_open(world):
    code = world["project"].code
    text = signed_in(world, "home_owner").get("/").content.decode()
    assert f"/projects/{code}/plan/" in text
    assert f"/projects/{code}/findings/" not in text and f"/projects/{code}/checklists/" not in text
    inspector = signed_in(world, "inspector").get("/").content.decode()
    assert f"/projects/{code}/findings/" in inspector and f"/projects/{code}/checklists/" in inspector


def test_every_page_has_a_favicon_that_exists(client):
    page = client.get("/").content.decode()
    assert '<link rel="icon" type="image/svg+xml" href="/static/plumbline/favicon.svg">' in page
    icon = client.get("/static/plumbline/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
    assert client.get("/favicon.ico").headers["Location"] == "/static/plumbline/favicon.svg"
