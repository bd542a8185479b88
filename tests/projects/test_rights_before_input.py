"""The right is checked before anything else: a caller who may not make a call is told so (403,
or 404 when the project is invisible to them) whatever their input, and learns nothing from it,
not even whether a client UUID they replay exists."""

import uuid

import pytest

from tests.projects.test_permission_matrix import ROWS, new_finding_body

WRITES = [r for r in ROWS if r.method != "GET" and "auditor" not in r.allowed]
REFUSED = ["auditor", "auditor_sz", "home_owner", "insurer", "contractor", "owner", "outsider"]


def _call_with_a_body_that_does_not_parse(row, persona, world, as_persona):
    params = {"code": world["project"].code}
    if row.params:
        params.update(row.params(world, "owner"))
    path = "/api/v1" + row.path.removeprefix("/api/v1").format(**params)
    api = as_persona(persona)
    if row.multipart:  # a form without its file
        return api.client.post(path, data={"unexpected": "x"}, headers=api.headers)
    return getattr(api.client, row.method.lower())(
        path, data='["not", "an", "object"]', content_type="application/json", headers=api.headers
    )


@pytest.mark.parametrize("row", WRITES, ids=[f"{r.method} {r.path}" for r in WRITES])
def test_an_auditor_posting_an_invalid_body_to_a_write_is_refused_not_told_what_to_fix(row, world, as_persona):
    response = _call_with_a_body_that_does_not_parse(row, "auditor", world, as_persona)
    assert response.status_code == 403, response.content[:300]
    assert response.json()["code"] == "forbidden"


REFUSED_PAIRS = [(r, p) for r in WRITES for p in REFUSED if p not in r.allowed]


@pytest.mark.parametrize(
    ("row", "persona"), REFUSED_PAIRS, ids=[f"{r.method} {r.path} as {p}" for r, p in REFUSED_PAIRS]
)
def test_whoever_may_not_make_a_write_is_refused_before_their_input_is_read(row, persona, world, as_persona):
    response = _call_with_a_body_that_does_not_parse(row, persona, world, as_persona)
    assert response.status_code == row.expected(persona), response.content[:300]


def _a_letter(world):
    from projects.models import LiabilityLetter

    return LiabilityLetter.objects.filter(appointment__project=world["project"]).first().pk


# bodies that parse but that the action would refuse as invalid: the right is checked before that
INVALID_VALUES = [
    ("PATCH", "/projects/{code}", {"region_code": "x"}),
    ("POST", "/projects/{code}/stage", {"stage": "demolished"}),
    ("POST", "/projects/{code}/members", {"person_id": 10**9, "role": "emperor"}),
    (
        "POST",
        "/projects/{code}/appointments",
        {"party": "astrologer", "organisation_id": 10**9, "leader_id": 10**9, "start_date": "2026-06-01"},
    ),
    ("POST", "/projects/{code}/letters/{letter}/withdraw", {"reason": "  "}),
    ("POST", "/projects/{code}/signs", {"building": " ", "material": ""}),
    ("POST", "/projects/{code}/signs/{sign}/retire", {"reason": ""}),
    ("POST", "/people", {"username": "", "name": "x", "organisation_id": 10**9}),
    (
        "POST",
        "/projects/{code}/findings",
        {"client_uuid": str(uuid.uuid4()), "category": "?", "severity": "?", "title": ""},
    ),
    ("POST", "/projects/{code}/checklist-templates", {"name": "", "category": "?", "items": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), INVALID_VALUES, ids=[f"{m} {p}" for m, p, _ in INVALID_VALUES])
def test_an_auditor_sending_values_the_action_would_refuse_gets_403_not_422(method, path, body, world, as_persona):
    project = world["project"]
    path = path.format(code=project.code, letter=_a_letter(world), sign=project.signs.get(building="1#").pk)
    response = as_persona("auditor").call(method, path, body)
    assert response.status_code == 403, response.content[:300]


def test_a_contractor_replaying_an_inspectors_finding_uuid_is_refused_and_learns_nothing(world, as_persona):
    code = world["project"].code
    body = new_finding_body(world, "inspector")
    assert as_persona("inspector").post(f"/projects/{code}/findings", body).status_code == 201
    response = as_persona("contractor").post(f"/projects/{code}/findings", body)
    assert response.status_code == 403, response.content[:300]
    assert body["client_uuid"] not in response.content.decode() and "uuid" not in response.json()["code"]
    outsider = as_persona("outsider").post(f"/projects/{code}/findings", body)
    assert outsider.status_code == 404


def test_a_contractor_replaying_an_inspectors_checklist_uuid_is_refused(world, as_persona):
    code = world["project"].code
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template_id": world["project"].checklist_templates.first().pk,
        "location": "2F grid A-B",
    }
    assert as_persona("inspector").post(f"/projects/{code}/checklists", body).status_code == 201
    assert as_persona("contractor").post(f"/projects/{code}/checklists", body).status_code == 403


def test_an_inspector_replaying_their_own_finding_uuid_still_gets_the_finding_back(world, as_persona):
    code = world["project"].code
    body = new_finding_body(world, "inspector")
    first = as_persona("inspector").post(f"/projects/{code}/findings", body)
    again = as_persona("inspector").post(f"/projects/{code}/findings", body)
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 200, first.json()["id"])


@pytest.mark.parametrize("page", ["new-finding", "start-checklist"])
def test_a_tablet_form_from_someone_without_the_right_is_refused_before_it_is_read(page, world, client):
    from django.urls import reverse

    client.force_login(world["users"]["contractor"])
    response = client.post(reverse(page, args=[world["project"].code]), {"version_id": "not a number"})
    assert response.status_code == 403
