"""Signing refusals that name what is wrong, and documents filed on the level that takes them;
the materials adapter answers nothing while the materials app is not installed."""

import pytest

from acceptance import material_checks
from acceptance.models import AcceptanceDocument, AcceptanceNode, AcceptanceSignature
from plumbline.core.audit.models import AuditEvent
from tests.acceptance.conftest import pdf_upload


def node(code, level="inspection_lot"):
    return AcceptanceNode.objects.get(building__name="1#", level=level, code=code)


def test_a_capacity_the_level_does_not_take_is_invalid_input(world, api):
    waiting = node("020102-002")
    response = api["inspector"].post(
        f"/projects/{world['project'].code}/acceptance/{waiting.pk}/sign", {"capacity": "owner_leader"}
    )
    assert response.status_code == 422 and response.json()["field"] == "capacity"
    unknown = api["inspector"].post(
        f"/projects/{world['project'].code}/acceptance/{waiting.pk}/sign", {"capacity": "mayor"}
    )
    assert unknown.status_code == 422 and "not a signing capacity" in unknown.json()["detail"]


def test_a_capacity_signed_already_and_an_accepted_node_are_conflicts(world, api):
    waiting = node("020102-002")
    path = f"/projects/{world['project'].code}/acceptance/{waiting.pk}/sign"
    taken = api["technical_lead"].post(path, {"capacity": "contractor_foreman"})
    assert taken.status_code == 409 and taken.json()["code"] == "signed_already"
    accepted = node("020102-001")
    again = api["inspector"].post(f"/projects/{world['project'].code}/acceptance/{accepted.pk}/sign", {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_signer_outside_every_capacity_of_the_level_is_told_which_they_lack(world, api, demo_rebar_settled):
    waiting = node("020102-002")
    signatures = AcceptanceSignature.objects.count()
    response = api["owner"].post(f"/projects/{world['project'].code}/acceptance/{waiting.pk}/sign", {})
    assert response.status_code == 409
    reasons = response.json()["reasons"]
    assert [r["code"] for r in reasons] == ["signer_not_in_role"]
    assert "specialist supervising engineer" in reasons[0]["message"]
    assert AcceptanceSignature.objects.count() == signatures


def test_a_document_goes_only_to_the_level_that_takes_it(world, api):
    lot = node("020103-001")
    contractor = api["contractor"]
    before = AcceptanceDocument.objects.count(), AuditEvent.objects.count()
    wrong_level = pdf_upload(
        contractor, f"/projects/{world['project'].code}/acceptance/{lot.pk}/documents", kind="safety_function_test"
    )
    assert wrong_level.status_code == 422 and wrong_level.json()["field"] == "kind"
    division = node("02", "division")
    wrong_kind = pdf_upload(
        contractor, f"/projects/{world['project'].code}/acceptance/{division.pk}/documents", kind="x"
    )
    assert wrong_kind.status_code == 422
    missing = pdf_upload(
        contractor, f"/projects/{world['project'].code}/acceptance/999999/documents", kind="safety_function_test"
    )
    assert missing.status_code == 404
    assert (AcceptanceDocument.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("function", ["material_blockers", "witness_blockers"])
def test_without_the_materials_app_the_adapter_reports_no_blocker(world, function):
    try:
        import acceptance.materials.queries  # noqa: F401
    except ModuleNotFoundError:
        arguments = (world["project"], {"0" * 22}) if function == "material_blockers" else (world["project"],)
        assert getattr(material_checks, function)(*arguments) == []
    else:  # merged with the materials app: its own tests cover what it reports
        assert callable(getattr(acceptance.materials.queries, "acceptance_blockers", None))


def test_contractor_staff_sign_a_lot_only_in_the_capacity_they_are_designated_in(world, api, users, demo_rebar_settled):
    from acceptance.models import SiteDesignation

    lot_2f = node("020102-002")
    path = f"/projects/{world['project'].code}/acceptance/{lot_2f.pk}/sign"
    # the contractor's project manager is contractor staff but no designated quality inspector
    AcceptanceSignature.objects.filter(node=lot_2f).delete()
    refused = api["contractor"].post(path, {"capacity": "contractor_quality_inspector"})
    assert refused.status_code == 409 and [r["code"] for r in refused.json()["reasons"]] == ["signer_not_in_role"]
    designated = api["contractor"].post(
        f"/projects/{world['project'].code}/acceptance/designations",
        {
            "person_id": users["contractor"].person.pk,
            "capacity": "contractor_quality_inspector",
            "start_date": "2026-06-01",
        },
    )
    assert designated.status_code == 201, designated.content
    signed = api["contractor"].post(path, {"capacity": "contractor_quality_inspector"})
    assert signed.status_code == 200, signed.content
    signature = AcceptanceSignature.objects.get(node=lot_2f, capacity="contractor_quality_inspector")
    assert signature.designation == SiteDesignation.objects.get(pk=designated.json()["id"])
    overlap = api["contractor"].post(
        f"/projects/{world['project'].code}/acceptance/designations",
        {
            "person_id": users["contractor"].person.pk,
            "capacity": "contractor_quality_inspector",
            "start_date": "2026-07-01",
        },
    )
    assert overlap.status_code == 409 and overlap.json()["code"] == "designation_overlaps"
    outsider = api["contractor"].post(
        f"/projects/{world['project'].code}/acceptance/designations",
        {
            "person_id": world["users"]["home_owner"].person.pk,
            "capacity": "contractor_foreman",
            "start_date": "2026-06-01",
        },
    )
    assert outsider.status_code == 422 and outsider.json()["field"] == "person_id"
