"""The kernel's form helper for the tablet pages: a refused action comes back with the typed
values and its message at its field (or at the top) and its status; a token sent twice runs the
action once; a refused post does not use up its token."""

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from plumbline.core.errors import Conflict, InvalidInput
from plumbline.core.forms import FormState, submit

pytestmark = pytest.mark.django_db


def post(session=None, **data):
    request = RequestFactory().post("/somewhere/", data)
    SessionMiddleware(lambda r: None).process_request(request)
    if session is not None:
        request.session.update(session)
    MessageMiddleware(lambda r: None).process_request(request)
    return request


def test_a_refusal_at_a_field_keeps_the_typed_values_and_its_status():
    def refuse():
        raise InvalidInput("Say what the inspection found.", field="summary")

    state = submit(post(summary=" ", period="2027-Q1", tests=["a", "b"]), refuse, done="/done/")
    assert isinstance(state, FormState) and state.status == 422
    assert state.errors == {"summary": "Say what the inspection found."} and not state.error
    assert state.values["period"] == "2027-Q1" and state.values["tests_list"] == ["a", "b"]


def test_a_refusal_of_no_field_is_said_at_the_top_of_the_form():
    def refuse():
        raise Conflict("drawn already")

    state = submit(post(period="2026-Q4"), refuse, done="/done/")
    assert state.status == 409 and state.error == "drawn already" and not state.errors


def test_the_same_token_runs_the_action_once_and_a_refused_post_keeps_its_token():
    calls = []

    def refuse():
        raise InvalidInput("no", field="x")

    first = post(form_token="t1")
    assert isinstance(submit(first, refuse, done="/done/"), FormState)
    session = dict(first.session)
    assert "t1" not in session.get("sent_form_tokens", [])

    second = post(session, form_token="t1")
    response = submit(second, lambda: calls.append(1) or "made", done=lambda r: f"/done/{r}/")
    assert response.status_code == 302 and response["Location"] == "/done/made/"
    again = post(dict(second.session), form_token="t1")
    assert submit(again, lambda: calls.append(1), done="/done/")["Location"] == "/done/"
    assert calls == [1]
