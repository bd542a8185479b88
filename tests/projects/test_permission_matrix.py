"""Every API endpoint, called by every persona, answers with the status the permission table
implies: 2xx when allowed, 403 for a member without the right, 404 for someone outside the
project (an auditor of another region, an outsider), 401 for anonymous callers.

An endpoint without a row here makes test_every_endpoint_has_a_row fail.
"""

from dataclasses import dataclass, field

import pytest

from plumbline.api import api
from tests.conftest import PERSONAS

ALL = [*PERSONAS, "anonymous"]
MEMBERS = ["contractor", "inspector", "owner", "home_owner", "insurer"]


@dataclass
class Row:
    method: str
    path: str  # OpenAPI template
    ok: int
    allowed: set[str]
    body: object = None  # dict, or a function of (world, persona) -> dict
    params: object = None  # function of (world, persona) -> dict of path params
    outside: int = 404  # status for people outside the project
    overrides: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.overrides:
            return self.overrides[persona]
        if persona == "anonymous":
            return 401
        if persona in self.allowed:
            return self.ok
        if persona in ("auditor_sz", "outsider") and self.outside:
            return self.outside
        return 403


def project_row(method, path, ok, allowed, **kw):
    return Row(method, path, ok, set(allowed), **kw)


def own_token(world, persona):
    from plumbline.accounts.actions import create_api_token

    return {"token_id": create_api_token("to revoke", actor=world["users"][persona]).token.pk}


def a_membership(world, persona):
    return {"membership_id": world["project"].memberships.get(person__user__username="insurer").pk}


def person_of(username):
    return lambda world, persona: {"person_id": world["users"][username].person.pk}


def new_project_body(world, persona):
    return {"code": f"NEW-{persona}", "name": "新项目", "address": "广州市海珠区", "region_code": "440105"}


def new_member_body(world, persona):
    return {"person_id": world["users"]["outsider"].person.pk, "role": "contractor"}


def new_person_body(world, persona):
    from projects.models import Organisation

    return {
        "username": f"new-{persona}",
        "name": "新员工",
        "organisation_id": Organisation.objects.get(kind="owner").pk,
    }


EVERYONE_SIGNED_IN = set(PERSONAS)
READ_MEMBERS_AND_AUDITOR = {"contractor", "inspector", "owner", "home_owner", "insurer", "auditor"}
PARTY_READERS = {"contractor", "inspector", "owner", "insurer", "auditor"}

ROWS = [
    Row("GET", "/api/v1/me", 200, EVERYONE_SIGNED_IN),
    Row("GET", "/api/v1/tokens", 200, EVERYONE_SIGNED_IN),
    Row("POST", "/api/v1/tokens", 201, EVERYONE_SIGNED_IN, body={"name": "site tablet"}),
    Row("POST", "/api/v1/tokens/{token_id}/revoke", 200, EVERYONE_SIGNED_IN, params=own_token),
    Row("GET", "/api/v1/organisations", 200, EVERYONE_SIGNED_IN),
    # only platform administrators register organisations
    Row(
        "POST",
        "/api/v1/organisations",
        201,
        set(),
        outside=0,
        body={"credit_code": "91440101MA59XYZ12", "name": "x", "kind": "contractor"},
    ),
    # the owner's organisation admin (the demo owner) registers people of their own organisation
    Row("POST", "/api/v1/people", 201, {"owner"}, outside=0, body=new_person_body),
    # a person is visible to people sharing a project, their organisation and auditors
    Row(
        "GET",
        "/api/v1/people/{person_id}",
        200,
        READ_MEMBERS_AND_AUDITOR,
        params=person_of("inspector"),
        overrides={"outsider": 404, "auditor_sz": 200},
    ),
    Row("GET", "/api/v1/projects", 200, EVERYONE_SIGNED_IN),
    # only owner staff create projects; everybody else is refused whatever their projects
    Row("POST", "/api/v1/projects", 201, {"owner"}, outside=0, body=new_project_body),
    project_row("GET", "/api/v1/projects/{code}", 200, READ_MEMBERS_AND_AUDITOR),
    project_row("PATCH", "/api/v1/projects/{code}", 200, {"owner"}, body={"name": "改名"}),
    # preparation -> construction is allowed by the table; the gate is tested in the projects tests
    project_row("POST", "/api/v1/projects/{code}/stage", 200, {"owner"}, body={"stage": "construction"}),
    project_row("GET", "/api/v1/projects/{code}/members", 200, PARTY_READERS),
    project_row("POST", "/api/v1/projects/{code}/members", 201, {"owner"}, body=new_member_body),
    project_row("POST", "/api/v1/projects/{code}/members/{membership_id}/end", 200, {"owner"}, params=a_membership),
    project_row("GET", "/api/v1/projects/{code}/audit", 200, {"owner", "auditor"}),
    project_row("GET", "/api/v1/projects/{code}/audit/verify", 200, {"owner", "auditor"}),
]


def operations_in_schema() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}


def test_every_endpoint_has_a_row():
    rows = {(r.method, r.path) for r in ROWS}
    missing = operations_in_schema() - rows
    assert not missing, f"endpoints without a row in the permission matrix: {sorted(missing)}"
    assert not rows - operations_in_schema(), "rows for endpoints that no longer exist"


@pytest.mark.parametrize("persona", ALL)
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
def test_endpoint_answers_each_persona_as_the_permission_table_says(row, persona, world, as_persona):
    params = {"code": world["project"].code}
    if row.params:
        params.update(row.params(world, persona if persona != "anonymous" else "owner"))
    path = row.path.removeprefix("/api/v1").format(**params)
    body = row.body(world, persona) if callable(row.body) else row.body
    response = as_persona(persona).call(row.method, path, body if row.method != "GET" else None)
    expected = row.expected(persona)
    assert response.status_code == expected, f"{persona}: {response.status_code} {response.content[:300]!r}"
    if expected >= 400:
        assert set(response.json()) >= {"detail", "code"}
