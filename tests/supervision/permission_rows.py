"""The supervision API in the permission matrix (tests/projects/test_permission_matrix.py): the
department's endpoints answer its auditors and refuse everybody else (403); what a user may not
see answers 404; the public results answer everyone, signed in or not."""

import uuid

from tests.conftest import PERSONAS
from tests.permission_rows import Row, project_row

DEPARTMENTS = {"auditor", "auditor_sz"}
MEMBERS = ("contractor", "inspector", "owner", "home_owner", "insurer")


def hidden_from(*personas) -> dict:
    return dict.fromkeys(personas, 404)


def organisation(kind):
    def params(world, persona):
        from projects.models import Organisation

        return {"organisation_id": Organisation.objects.get(kind=kind).pk}

    return params


def the_draw(world, persona):
    from supervision.models import SupervisionDraw

    return {"draw_id": SupervisionDraw.objects.get(period="2026-Q4").pk}


def a_fresh_draw(world, persona):
    """A new draw in which the demo project is drawn for sure (its contractor is in tier D)."""
    from django.utils import timezone

    from projects.models import Organisation
    from supervision import actions
    from supervision.models import OrganisationCredit

    contractor = Organisation.objects.get(kind="contractor")
    OrganisationCredit.objects.update_or_create(
        organisation=contractor, defaults={"points": 20, "tier": "D", "computed_at": timezone.now()}
    )
    draw = actions.create_supervision_draw(period="2027-Q1", seed="matrix", actor=world["users"]["auditor"])
    return {"draw_id": draw.pk}


def roster_body(world, persona):
    from projects.models import Organisation

    return {
        "person_id": _new_department_person(world),
        "former_employers": [{"organisation_id": Organisation.objects.get(kind="design").pk, "until": "2024-12-31"}],
    }


def _new_department_person(world) -> int:
    """A person of the Guangzhou department not yet on its roster."""
    from projects import actions
    from projects.models import Organisation
    from projects.validators import id_number_check_digit

    first17 = "44010619900101123"
    person = actions.register_person(
        username="new-gz-inspector",
        name="新督查",
        organisation_id=Organisation.objects.get(kind="housing_authority", region_code="440100").pk,
        id_number=first17 + id_number_check_digit(first17),
        actor=world["users"]["admin"],
    )
    return person.pk


def the_owners_credit_event(world, persona):
    from supervision.models import CreditEvent

    return {"event_id": CreditEvent.objects.get(organisation__kind="owner").pk}


def a_contested_event(world, persona):
    from supervision import actions

    event_id = the_owners_credit_event(world, persona)["event_id"]
    actions.contest_credit_event(event_id, reason="已整改", actor=world["users"]["owner"])
    return {"event_id": event_id}


def the_complaint(world, persona):
    from supervision.models import Complaint

    return {"complaint_id": Complaint.objects.get(project=world["project"]).pk}


def pass_on_body(world, persona):
    from projects.models import Organisation

    return {"organisation_id": Organisation.objects.get(kind="contractor").pk, "note": "转施工单位处理"}


def webhook_body(world, persona):
    body = {"url": "https://hooks.example.com/plumbline", "event_types": ["finding"]}
    return body if persona in DEPARTMENTS else {**body, "project": world["project"].code}


def a_project_webhook(world, persona):
    from supervision import actions

    hook = actions.create_webhook(
        url="https://hooks.example.com/p",
        event_types=["finding"],
        project_code="GZ-2026-001",
        actor=world["users"]["owner"],
    )
    return {"webhook_id": hook.pk}


def a_delivery(world, persona):
    from supervision.models import WebhookDelivery

    webhook_id = a_project_webhook(world, persona)["webhook_id"]
    delivery = WebhookDelivery.objects.create(
        webhook_id=webhook_id, event_type="finding", event_id="0" * 32, payload={"type": "finding"}, status="failed"
    )
    return {"delivery_id": delivery.pk}


NOT_INVOLVED = ("contractor", "inspector", "insurer")

ROWS = [
    Row("GET", "/api/v1/supervision/dashboard", 200, DEPARTMENTS, outside=0),
    # each department switches the architect-in-charge system of its own region
    Row("POST", "/api/v1/supervision/architect-in-charge", 200, DEPARTMENTS, outside=0, body={"enabled": True}),
    Row("GET", "/api/v1/supervision/dashboard/export?format=xlsx", 200, DEPARTMENTS, outside=0),
    Row(
        "GET",
        "/api/v1/supervision/dashboard/charts/{chart}",
        200,
        DEPARTMENTS,
        outside=0,
        params=lambda world, persona: {"chart": "scores.svg"},
    ),
    project_row("GET", "/api/v1/supervision/projects/{code}", 200, {"auditor"}),
    # Shenzhen's department has nobody on its roster: its draw has no inspector to draw (422)
    Row(
        "POST",
        "/api/v1/supervision/draws",
        201,
        DEPARTMENTS,
        outside=0,
        body={"period": "2027-Q1", "seed": "2027-01-05 公开号 123"},
        overrides={"auditor_sz": 422},
    ),
    # the demo draw has a signed result: its seed, pool and result are public (一公开)
    Row("GET", "/api/v1/supervision/draws/{draw_id}", 200, set(PERSONAS), params=the_draw),
    # a draw without a result yet is its department's: it does not exist for anybody else
    Row(
        "GET",
        "/api/v1/supervision/draws/{draw_id}?unpublished",
        200,
        {"auditor"},
        params=a_fresh_draw,
        overrides=hidden_from(*MEMBERS),
    ),
    Row(
        "POST",
        "/api/v1/supervision/roster",
        201,
        {"auditor"},
        outside=0,
        body=roster_body,
        overrides={"auditor_sz": 422},  # the person is not of the Shenzhen department
    ),
    Row(
        "POST",
        "/api/v1/supervision/draws/{draw_id}/results",
        201,
        {"auditor"},
        params=a_fresh_draw,
        body={"project": "GZ-2026-001", "outcome": "passed", "summary": "复查合格"},
        overrides=hidden_from(*MEMBERS),
    ),
    Row(
        "GET",
        "/api/v1/public/supervision-results",
        200,
        set(PERSONAS),
        overrides={"anonymous": 200},
    ),
    # an organisation's admin (the demo owner) and every housing department read its credit
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}/credit",
        200,
        {"owner", *DEPARTMENTS},
        outside=0,
        params=organisation("owner"),
    ),
    Row(
        "POST",
        "/api/v1/credit-events/{event_id}/contest",
        200,
        {"owner"},
        params=the_owners_credit_event,
        body={"reason": "公示牌已补齐"},
        overrides={
            **hidden_from("contractor", "inspector", "home_owner", "insurer"),
            "auditor": 403,
            "auditor_sz": 403,
        },
    ),
    # the department of the project's region decides; nobody else
    Row(
        "POST",
        "/api/v1/credit-events/{event_id}/decide",
        200,
        {"auditor"},
        outside=0,
        params=a_contested_event,
        body={"accept": False, "note": "维持"},
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/complaints",
        201,
        set(MEMBERS),
        body={"complainant_name": "吴业主", "description": "外墙渗水"},
    ),
    # the demo complaint: filed by the home owner, received by the owner, seen by the region
    Row(
        "GET",
        "/api/v1/complaints/{complaint_id}",
        200,
        {"auditor", "owner", "home_owner"},
        params=the_complaint,
        overrides=hidden_from(*NOT_INVOLVED),
    ),
    Row(
        "POST",
        "/api/v1/complaints/{complaint_id}/pass",
        200,
        {"owner"},
        params=the_complaint,
        body=pass_on_body,
        overrides=hidden_from(*NOT_INVOLVED),
    ),
    Row(
        "POST",
        "/api/v1/complaints/{complaint_id}/answer",
        200,
        {"owner"},
        params=the_complaint,
        body={"note": "已安排疏通"},
        overrides=hidden_from(*NOT_INVOLVED),
    ),
    # a project's webhooks are its owner's, a region's its department's
    Row("POST", "/api/v1/supervision/webhooks", 201, {"owner", *DEPARTMENTS}, body=webhook_body),
    Row("GET", "/api/v1/supervision/webhooks/{webhook_id}/deliveries", 200, {"owner"}, params=a_project_webhook),
    # everyone signed in lists the webhooks they manage (none for most: an empty list)
    Row("GET", "/api/v1/supervision/webhooks", 200, {*MEMBERS, *DEPARTMENTS, "outsider"}, outside=200),
    Row("POST", "/api/v1/supervision/deliveries/{delivery_id}/replay", 201, {"owner"}, params=a_delivery),
]


# --- supervision inspections (issue 19.3): in a fresh draw the demo project is drawn with 郑审计
# (the auditor persona) among its inspectors, who then opens supervision findings there and
# photographs them; the project's inspectors open site findings as before


def _element_finding_body(world):
    from bim.models import ModelVersion

    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    return {
        "client_uuid": str(uuid.uuid4()),
        "version_id": version.pk,
        "global_ids": [version.elements.first().global_id],
        "category": "structure",
        "severity": "major",
        "title": "监督抽查：保护层不足",
    }


def drawn_and_a_body(world, persona):
    a_fresh_draw(world, persona)
    return _element_finding_body(world)


def a_supervision_finding(world, persona):
    """A supervision finding the drawn auditor logged (its assignment stays in force)."""
    from inspections.actions import open_finding

    a_fresh_draw(world, persona)
    finding, _ = open_finding(world["project"], **_element_finding_body(world), actor=world["users"]["auditor"])
    return {"finding_id": finding.pk}


def a_photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.demo import finding_photo_png

    return {"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile("p.png", finding_photo_png("x"))}


ROWS += [
    project_row("POST", "/api/v1/projects/{code}/findings?drawn", 201, {"inspector", "auditor"}, body=drawn_and_a_body),
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/photos?supervision",
        201,
        {"inspector", "contractor", "auditor"},
        params=a_supervision_finding,
        multipart=a_photo,
    ),
    project_row(
        "GET",
        "/api/v1/projects/{code}/findings?source=supervision",
        200,
        {"contractor", "inspector", "owner", "insurer", "auditor"},
    ),
]
