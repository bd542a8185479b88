"""A form sent from a tablet page after the session expired leads to signing in and back to the
page it was on, never to the form's POST address (which answered "HTTP ERROR 405" after sign-in)."""

from urllib.parse import parse_qs, urlsplit


def next_of(response) -> str:
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == "/login/"
    return parse_qs(url.query)["next"][0]


def test_a_move_sent_after_the_session_expired_comes_back_to_the_finding(world, client):
    code = world["project"].code
    finding = world["project"].findings.order_by("pk").first()
    page = f"/projects/{code}/findings/{finding.pk}/"
    response = client.post(f"{page}move/", {"verb": "verify"}, HTTP_REFERER=f"http://testserver{page}")
    assert next_of(response) == page


def test_a_finding_form_sent_after_the_session_expired_comes_back_to_its_plan(world, client):
    code = world["project"].code
    back = f"/projects/{code}/plan/?version=1&storey=0abc"
    response = client.post(f"/projects/{code}/findings/new/", {"back": back, "title": "x"})
    assert next_of(response) == back


def test_a_checklist_answer_sent_after_the_session_expired_comes_back_to_the_checklist(world, client):
    code = world["project"].code
    page = f"/projects/{code}/checklists/1/"
    response = client.post(f"{page}items/1/", {"result": "pass"}, HTTP_REFERER=f"http://testserver{page}")
    assert next_of(response) == page


def test_a_referer_of_another_site_is_not_followed_after_sign_in(world, client):
    code = world["project"].code
    response = client.post(f"/projects/{code}/checklists/new/", {}, HTTP_REFERER="https://evil.example/phish")
    assert next_of(response) == "/"
