"""Every API endpoint, called by every persona, answers with the status the permission table
implies: 2xx when allowed, 403 for a member without the right, 404 for someone outside the
project (an auditor of another region, an outsider), 401 for anonymous callers.

An endpoint without a row here makes test_every_endpoint_has_a_row fail.
"""

import pytest

from plumbline.api import api
from tests.conftest import PERSONAS
from tests.permission_rows import Row, project_row, rows_of_every_app  # noqa: F401

ALL = [*PERSONAS, "anonymous"]
MEMBERS = ["contractor", "inspector", "owner", "home_owner", "insurer"]


def own_token(world, persona):
    from plumbline.core.accounts.actions import create_api_token

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


def new_appointment_body(world, persona):
    from projects.models import Organisation

    contractor = world["users"]["outsider"].person  # works for the demo contractor organisation
    return {
        "party": "contractor",
        "organisation_id": Organisation.objects.get(kind="contractor").pk,
        "leader_id": contractor.pk,
        "start_date": "2026-06-01",
    }


def contractor_appointment(world, persona):
    return {"appointment_id": world["project"].appointments.get(party="contractor").pk}


def a_letter(world, persona):
    from projects.models import LiabilityLetter

    return {"letter_id": LiabilityLetter.objects.filter(appointment__project=world["project"]).first().pk}


def a_sign(world, persona):
    return {"sign_id": world["project"].signs.get(building="1#").pk}


def letter_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.demo import letter_pdf

    # the contractor's letters are on file already: an allowed caller gets 409, not 201
    return {
        "kind": "commitment",
        "signed_on": "2026-03-02",
        "file": SimpleUploadedFile("letter.pdf", letter_pdf("x", "y"), content_type="application/pdf"),
    }


def photo_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from signage.demo import sign_photo_png

    return {"file": SimpleUploadedFile("sign.png", sign_photo_png(), content_type="image/png")}


def a_version(world, persona):
    from bim.models import ModelVersion

    return {"version_id": ModelVersion.objects.get(model__project=world["project"]).pk}


def an_element(world, persona):
    from bim.models import ModelVersion

    version = ModelVersion.objects.get(model__project=world["project"])
    return {"version_id": version.pk, "global_id": version.elements.first().global_id}


def a_storey(world, persona):
    from bim.models import ModelVersion

    version = ModelVersion.objects.get(model__project=world["project"])
    return {"version_id": version.pk, "storey_id": version.storeys.first().global_id}


def ids_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bim.ifc.build import demo_ids

    return {"file": SimpleUploadedFile("rules.ids", demo_ids())}


def an_ids_run_body(world, persona):
    return a_version(world, persona)


def an_ids_run(world, persona):
    return {"run_id": world["ids_run"].pk}


def new_finding_body(world, persona):
    import uuid

    from bim.models import ModelVersion

    version = ModelVersion.objects.get(model__project=world["project"])
    return {
        "client_uuid": str(uuid.uuid4()),
        "version_id": version.pk,
        "global_ids": [version.elements.first().global_id],
        "category": "structure",
        "severity": "minor",
        "title": "matrix",
    }


def finding_in(status):
    def params(world, persona):
        return {"finding_id": world["project"].findings.filter(status=status).order_by("pk").first().pk}

    return params


def finding_photo_upload():
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.demo import finding_photo_png

    return {"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("p.png", finding_photo_png("m"))}


def a_bcf_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.exchange import export_bcf
    from projects.models import Project

    return {"file": SimpleUploadedFile("demo.bcf", export_bcf(Project.objects.get(code="GZ-2026-001")))}


def new_template_body(world, persona):
    import uuid

    return {"name": f"matrix {uuid.uuid4()}", "category": "structure", "items": [{"text": "plumb"}]}


def a_template(world, persona):
    return {"template_id": world["project"].checklist_templates.first().pk}


def new_checklist_body(world, persona):
    import uuid

    return {
        "client_uuid": str(uuid.uuid4()),
        "template_id": a_template(world, persona)["template_id"],
        "location": "2F grid A-B",
    }


def a_checklist(world, persona):
    return {"checklist_id": world["project"].checklists.first().pk}


def an_open_checklist(answered=False):
    """A fresh checklist (all items passed when answered), so every allowed persona finds it open."""

    def params(world, persona):
        import uuid

        from inspections import actions

        inspector = world["users"]["inspector"]
        template = actions.create_checklist_template(
            world["project"],
            name=f"m {uuid.uuid4()}",
            category="other",
            items=[{"text": "a"}],
            actor=world["users"]["chief_inspector"],
        )
        item = template.items.get()
        checklist, _ = actions.start_checklist(
            world["project"], client_uuid=uuid.uuid4(), template_id=template.pk, location="here", actor=inspector
        )
        if answered:
            actions.answer_checklist_item(
                world["project"], checklist_id=checklist.pk, item_id=item.pk, result="pass", actor=inspector
            )
        return {"checklist_id": checklist.pk, "item_id": item.pk}

    return params


def checklist_photo_upload():
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.demo import finding_photo_png

    return {"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("c.png", finding_photo_png("c"))}


def model_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bim.ifc.build import demo_model

    # a new file each time (its GlobalIds differ), stored and queued: the answer is 201
    return {"file": SimpleUploadedFile("new.ifc", demo_model().to_string().encode()), "model_name": "Structure"}


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
    # a person is visible to people sharing a project, their organisation and the auditors of
    # their projects' region (tests/projects/test_id_numbers.py reads their ID number as each persona)
    Row(
        "GET",
        "/api/v1/people/{person_id}",
        200,
        READ_MEMBERS_AND_AUDITOR,
        params=person_of("inspector"),
        overrides={"outsider": 404},
    ),
    Row("GET", "/api/v1/projects", 200, EVERYONE_SIGNED_IN),
    # only owner staff create projects; everybody else is refused whatever their projects
    Row("POST", "/api/v1/projects", 201, {"owner"}, outside=0, body=new_project_body),
    project_row("GET", "/api/v1/projects/{code}", 200, READ_MEMBERS_AND_AUDITOR),
    project_row("PATCH", "/api/v1/projects/{code}", 200, {"owner"}, body={"name": "改名"}),
    # the demo project is in construction with every letter on file, so completion passes its gate
    project_row("POST", "/api/v1/projects/{code}/stage", 200, {"owner"}, body={"stage": "completed"}),
    project_row("GET", "/api/v1/projects/{code}/members", 200, PARTY_READERS),
    project_row("POST", "/api/v1/projects/{code}/members", 201, {"owner"}, body=new_member_body),
    project_row("POST", "/api/v1/projects/{code}/members/{membership_id}/end", 200, {"owner"}, params=a_membership),
    project_row("GET", "/api/v1/projects/{code}/audit", 200, {"owner", "auditor"}),
    # the party register, letters, signs and the archive
    project_row("GET", "/api/v1/projects/{code}/parties", 200, PARTY_READERS),
    project_row("GET", "/api/v1/projects/{code}/appointments", 200, PARTY_READERS),
    project_row("POST", "/api/v1/projects/{code}/appointments", 201, {"owner"}, body=new_appointment_body),
    project_row(
        "POST",
        "/api/v1/projects/{code}/appointments/{appointment_id}/end",
        200,
        {"owner"},
        params=contractor_appointment,
        body={"end_date": "2026-10-31"},
    ),
    project_row("GET", "/api/v1/projects/{code}/letters/requirements", 200, PARTY_READERS),
    project_row(
        "POST",
        "/api/v1/projects/{code}/appointments/{appointment_id}/letters",
        409,
        {"owner", "contractor"},
        params=contractor_appointment,
        multipart=letter_upload,
    ),
    project_row("GET", "/api/v1/projects/{code}/letters/{letter_id}/download", 200, PARTY_READERS, params=a_letter),
    project_row(
        "POST",
        "/api/v1/projects/{code}/letters/{letter_id}/withdraw",
        200,
        {"owner"},
        params=a_letter,
        body={"reason": "wrong scan"},
    ),
    project_row("GET", "/api/v1/projects/{code}/archive", 200, {"owner", "auditor"}),
    Row("GET", "/api/v1/signs/materials", 200, EVERYONE_SIGNED_IN),
    project_row("GET", "/api/v1/projects/{code}/signs", 200, PARTY_READERS),
    project_row(
        "POST", "/api/v1/projects/{code}/signs", 201, {"owner"}, body={"building": "2#", "material": "granite"}
    ),
    project_row("GET", "/api/v1/projects/{code}/signs/{sign_id}", 200, PARTY_READERS, params=a_sign),
    project_row(
        "POST",
        "/api/v1/projects/{code}/signs/{sign_id}/material",
        200,
        {"owner"},
        params=a_sign,
        body={"material": "marble"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/signs/{sign_id}/retire",
        200,
        {"owner"},
        params=a_sign,
        body={"reason": "replaced"},
    ),
    project_row(
        "POST", "/api/v1/projects/{code}/signs/{sign_id}/photos", 201, {"owner"}, params=a_sign, multipart=photo_upload
    ),
    # BIM: everybody on the project and the region's auditor read models; only contractors upload
    project_row("POST", "/api/v1/projects/{code}/models", 201, {"contractor"}, multipart=model_upload),
    project_row("GET", "/api/v1/projects/{code}/models", 200, READ_MEMBERS_AND_AUDITOR),
    project_row(
        "GET", "/api/v1/projects/{code}/versions/{version_id}", 200, READ_MEMBERS_AND_AUDITOR, params=a_version
    ),
    project_row(
        "GET", "/api/v1/projects/{code}/versions/{version_id}/storeys", 200, READ_MEMBERS_AND_AUDITOR, params=a_version
    ),
    project_row(
        "GET", "/api/v1/projects/{code}/versions/{version_id}/elements", 200, READ_MEMBERS_AND_AUDITOR, params=a_version
    ),
    project_row(
        "GET",
        "/api/v1/projects/{code}/versions/{version_id}/elements/{global_id}",
        200,
        READ_MEMBERS_AND_AUDITOR,
        params=an_element,
    ),
    project_row(
        "GET",
        "/api/v1/projects/{code}/versions/{version_id}/storeys/{storey_id}/plan.svg",
        200,
        READ_MEMBERS_AND_AUDITOR,
        params=a_storey,
    ),
    project_row(
        "GET",
        "/api/v1/projects/{code}/versions/{version_id}/storeys/{storey_id}/elements-at?x=1&y=1",
        200,
        READ_MEMBERS_AND_AUDITOR,
        params=a_storey,
    ),
    project_row("GET", "/api/v1/projects/{code}/audit/verify", 200, {"owner", "auditor"}),
    project_row(
        "GET", "/api/v1/projects/{code}/versions/{version_id}/diff", 200, READ_MEMBERS_AND_AUDITOR, params=a_version
    ),
    # IDS: owner, designer and chief inspector manage the rules; the demo has one IDS and one run
    project_row("POST", "/api/v1/projects/{code}/ids", 201, {"owner"}, multipart=ids_upload),
    project_row("GET", "/api/v1/projects/{code}/ids", 200, READ_MEMBERS_AND_AUDITOR),
    project_row(
        "POST",
        "/api/v1/projects/{code}/versions/{version_id}/ids-runs",
        202,
        {"owner"},
        params=an_ids_run_body,
        body=lambda world, persona: {"ids_id": world["ids"].pk},
    ),
    project_row("GET", "/api/v1/projects/{code}/ids-runs/{run_id}", 200, READ_MEMBERS_AND_AUDITOR, params=an_ids_run),
    project_row(
        "GET", "/api/v1/projects/{code}/ids-runs/{run_id}/failures", 200, READ_MEMBERS_AND_AUDITOR, params=an_ids_run
    ),
    # findings: parties, TIS, insurer and auditor read; inspectors open and decide; contractors rectify
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings",
        201,
        {"inspector"},
        body=new_finding_body,
    ),
    project_row("GET", "/api/v1/projects/{code}/findings", 200, PARTY_READERS),
    project_row("GET", "/api/v1/projects/{code}/findings/{finding_id}", 200, PARTY_READERS, params=finding_in("open")),
    project_row("GET", "/api/v1/projects/{code}/findings/bcf", 200, PARTY_READERS),
    project_row(
        "POST", "/api/v1/projects/{code}/findings/bcf", 200, {"inspector"}, multipart=a_bcf_file
    ),  # the demo's own findings, exported and imported back: changes nothing, answers 200
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/photos",
        201,
        {"inspector", "contractor"},
        params=finding_in("open"),
        multipart=finding_photo_upload,
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/submit-rectification",
        422,
        {"contractor"},
        params=finding_in("open"),
        body={"note": "fixed"},
    ),  # allowed, but no photo of the fix yet
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/verify",
        200,
        {"inspector"},
        params=finding_in("rectification_submitted"),
        body={"note": "ok"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/reject",
        200,
        {"inspector"},
        params=finding_in("rectification_submitted"),
        body={"note": "not yet"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/reopen",
        200,
        {"inspector"},
        params=finding_in("closed"),
        body={"note": "back"},
    ),
    # checklists: the same readers as findings; the chief inspector defines them, inspectors fill them
    project_row("GET", "/api/v1/projects/{code}/checklist-templates", 200, PARTY_READERS),
    project_row("POST", "/api/v1/projects/{code}/checklist-templates", 201, {"inspector"}, body=new_template_body),
    project_row(
        "GET", "/api/v1/projects/{code}/checklist-templates/{template_id}", 200, PARTY_READERS, params=a_template
    ),
    project_row("GET", "/api/v1/projects/{code}/checklists", 200, PARTY_READERS),
    project_row("POST", "/api/v1/projects/{code}/checklists", 201, {"inspector"}, body=new_checklist_body),
    project_row("GET", "/api/v1/projects/{code}/checklists/{checklist_id}", 200, PARTY_READERS, params=a_checklist),
    project_row(
        "PUT",
        "/api/v1/projects/{code}/checklists/{checklist_id}/items/{item_id}",
        200,
        {"inspector"},
        params=an_open_checklist(),
        body={"result": "pass"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/checklists/{checklist_id}/items/{item_id}/photos",
        201,
        {"inspector"},
        params=an_open_checklist(),
        multipart=checklist_photo_upload,
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/checklists/{checklist_id}/complete",
        200,
        {"inspector"},
        params=an_open_checklist(answered=True),
    ),
    # the demo version has no predecessor: an allowed caller's remap is refused as invalid input
    project_row(
        "POST",
        "/api/v1/projects/{code}/versions/{version_id}/remaps",
        422,
        {"contractor"},
        params=a_version,
        body={"old_global_id": "0" * 22, "new_global_id": "1" * 22},
    ),
]


# each app may keep its rows in tests/<app>/permission_rows.py (a list named ROWS)
ROWS += rows_of_every_app()

def operations_in_schema() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}


def test_every_endpoint_has_a_row():
    rows = {(r.method, r.path.split("?")[0]) for r in ROWS}
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
    api = as_persona(persona)
    if row.multipart:
        response = api.client.post(f"/api/v1{path}", data=row.multipart(), headers=api.headers)
    else:
        response = api.call(row.method, path, body if row.method != "GET" else None)
    expected = row.expected(persona)
    assert response.status_code == expected, f"{persona}: {response.status_code} {response.content[:300]!r}"
    if expected >= 400:
        assert set(response.json()) >= {"code", "message"}
