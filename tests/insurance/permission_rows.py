"""The insurance API in the permission matrix: who reads units, policies and claims, who files,
surveys, decides, repairs and confirms (tests/projects/test_permission_matrix.py runs them)."""

import datetime
import io
import uuid

from tests.permission_rows import Row, project_row

CLAIM_READERS = {"owner", "insurer", "home_owner", "contractor", "auditor"}


def _demo_unit(number):
    from insurance.models import Unit

    return Unit.objects.get(building__name="1#", number=number)


def new_unit_body(world, persona):
    from projects.models import Building

    building = Building.objects.get(project=world["project"], name="1#")
    return {"building_id": building.pk, "number": f"1-9{len(persona):02d}", "floor": 9}


def a_unit(world, persona):
    return {"unit_id": _demo_unit("1-601").pk}


def bind_body(world, persona):
    return {"person_id": world["users"]["home_owner"].person.pk}


def new_policy_body(world, persona):
    from projects.models import Organisation

    return {
        "number": f"IDI-MATRIX-{persona}",
        "insurer_id": Organisation.objects.get(kind="insurer").pk,
        "tis_id": Organisation.objects.get(kind="tis").pk,
        "premium_rate_percent": "1.25",
        "premium_amount": "100000",
    }


def a_policy(world, persona):
    return {"policy_id": world["project"].policies.first().pk}


def new_claim_body(world, persona):
    return {
        "client_uuid": str(uuid.uuid4()),
        "unit_id": _demo_unit("1-201").pk,
        "category": "plumbing",
        "description": "厨房下水管渗漏",
        "found_on": datetime.date.today().isoformat(),
    }


def claim_described(text):
    def params(world, persona):
        return {"claim_id": world["project"].claims.get(description=text).pk}

    return params


LEAK = "卫生间楼板渗水，楼下天花板出现水渍"
PAINT = "隔墙墙面涂料起皮脱落"
WALL = "南墙外墙内侧出现竖向裂缝"


def claim_in(status):
    """A fresh claim of the demo home owner on 1-201, moved on to `status` by the people whose move
    each step is."""

    def params(world, persona):
        from inspections.demo import finding_photo_png
        from insurance import actions

        project, users = world["project"], world["users"]
        claim, _ = actions.file_claim(
            project,
            client_uuid=uuid.uuid4(),
            unit_id=_demo_unit("1-201").pk,
            category="waterproofing",
            description="阳台渗水",
            found_on=datetime.date(2026, 9, 1),
            actor=users["home_owner"],
        )
        steps = [
            ("survey", users["tis"], {"note": "属实"}),
            ("accept", users["insurer"], {}),
            ("assign_repair", users["insurer"], {"party": "contractor"}),
            ("record_repair", users["contractor"], {"note": "已返修"}),
        ]
        order = ["filed", "surveyed", "accepted", "repair_assigned", "repaired"]
        for verb, who, extra in steps[: order.index(status)]:
            if verb == "record_repair":
                actions.add_claim_photo(
                    project,
                    claim_id=claim.pk,
                    client_uuid=uuid.uuid4(),
                    stream=io.BytesIO(finding_photo_png("r")),
                    actor=who,
                )
            actions.move_claim(project, claim_id=claim.pk, verb=verb, actor=who, **extra)
        return {"claim_id": claim.pk}

    return params


def repair_ready(world, persona):
    """An assigned repair with the contractor's photo of it on file."""
    from inspections.demo import finding_photo_png
    from insurance import actions

    params = claim_in("repair_assigned")(world, persona)
    actions.add_claim_photo(
        world["project"],
        claim_id=params["claim_id"],
        client_uuid=uuid.uuid4(),
        stream=io.BytesIO(finding_photo_png("fix")),
        actor=world["users"]["contractor"],
    )
    return params


def claim_photo_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.demo import finding_photo_png

    return {"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("c.png", finding_photo_png("claim"))}


ROWS = [
    # units: owner staff manage and bind; the insurer, TIS, home owners (their own) and the auditor read
    project_row("GET", "/api/v1/projects/{code}/units", 200, {"owner", "insurer", "home_owner", "auditor"}),
    project_row("POST", "/api/v1/projects/{code}/units", 201, {"owner"}, body=new_unit_body),
    project_row(
        "POST",
        "/api/v1/projects/{code}/units/{unit_id}/home-owners",
        200,
        {"owner"},
        params=a_unit,
        body=bind_body,
    ),
    project_row("POST", "/api/v1/projects/{code}/units/{unit_id}/binding-codes", 201, {"owner"}, params=a_unit),
    # a buyer redeems a code outside any project: an unknown code is refused for everybody signed in
    Row(
        "POST",
        "/api/v1/units/bind",
        422,
        {"contractor", "inspector", "owner", "home_owner", "insurer", "auditor", "auditor_sz", "outsider"},
        outside=0,
        body={"code": "NOPE-NOPE-NOPE"},
    ),
    # policies: the insured owner and the insurer record them; TIS files its reports (no persona is TIS)
    project_row("GET", "/api/v1/projects/{code}/policies", 200, {"owner", "insurer", "auditor"}),
    project_row("POST", "/api/v1/projects/{code}/policies", 201, {"owner", "insurer"}, body=new_policy_body),
    project_row(
        "POST",
        "/api/v1/projects/{code}/policies/{policy_id}/tis-reports",
        201,
        set(),
        params=a_policy,
        body={"title": "x", "reported_on": "2026-06-01"},
    ),
    # claims: home owners (their units) and the owner as property manager file; the contractor reads
    # the claims it repairs
    project_row("GET", "/api/v1/projects/{code}/claims", 200, CLAIM_READERS),
    project_row("POST", "/api/v1/projects/{code}/claims", 201, {"home_owner", "owner"}, body=new_claim_body),
    project_row("GET", "/api/v1/projects/{code}/claims/{claim_id}", 200, CLAIM_READERS, params=claim_described(LEAK)),
    # photos: who filed it (the defect) or the party repairing it; the contractor does not see this claim
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/photos",
        201,
        {"home_owner"},
        params=claim_described(WALL),
        multipart=claim_photo_upload,
        overrides={"owner": 403, "insurer": 403, "auditor": 403, "contractor": 404},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/survey",
        200,
        set(),
        params=claim_described(WALL),
        body={"note": "x"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/decide",
        200,
        {"insurer"},
        params=claim_in("surveyed"),
        body={"decision": "accept"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/contest",
        200,
        {"home_owner", "owner"},
        params=claim_described(PAINT),
        body={"note": "涂料起皮系施工质量问题"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/assign-repair",
        200,
        {"insurer"},
        params=claim_in("accepted"),
        body={"party": "contractor"},
    ),
    # the repair is the contractor's (it is assigned to it); the owner holds the right for its own repairs
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/repair",
        200,
        {"contractor"},
        params=repair_ready,
        body={"note": "已返修"},
        overrides={"owner": 403},
    ),
    # the home owner of the unit confirms; the owner's staff only on common parts
    project_row(
        "POST",
        "/api/v1/projects/{code}/claims/{claim_id}/confirm",
        200,
        {"home_owner"},
        params=claim_in("repaired"),
        body={"note": "已修好"},
        overrides={"owner": 403},
    ),
    project_row(
        "GET",
        "/api/v1/projects/{code}/claims/{claim_id}/evidence",
        200,
        {"owner", "insurer", "auditor"},
        params=claim_described(LEAK),
    ),
]
