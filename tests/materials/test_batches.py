"""Registering batches, their certificates and the entry inspection: what the contractor records
when material arrives, and the bad input refused with nothing written."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from acceptance.materials import actions
from acceptance.materials.models import BatchElement, MaterialBatch
from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.materials.helpers import DAY, new_batch, pdf, pdf_stream

BATCHES = "/projects/{code}/materials/batches"


def test_a_contractor_registers_a_batch_and_the_platform_knows_its_required_samples(world, as_persona):
    api = as_persona("contractor")
    response = api.post(
        BATCHES.format(code=world["project"].code),
        {
            "category": "rebar",
            "product": "热轧带肋钢筋",
            "specification": "HRB400E Φ25",
            "manufacturer": "广东韶钢",
            "batch_number": "GJ-100",
            "quantity": "130",
            "delivered_on": "2026-06-01",
            "green_label_number": "GBML-2026-001",
            "green_label_grade": "三星级",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "delivered"
    assert body["unit"] == "t"  # the category's unit when none is given
    assert body["required_samples"] == 3  # one sampling per 60 t started
    assert body["green_label_grade"] == "三星级"
    assert AuditEvent.objects.filter(action="material_batch.created", target_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("category", "quantity", "variant", "required"),
    [
        ("cement", "450", "bagged", 3),
        ("cement", "450", "bulk", 1),
        ("concrete_cubes", "100", "", 1),
        ("concrete_cubes", "101", "", 2),
        ("rebar_splices", "1200", "", 3),
        ("waterproofing", "800", "", 1),
        ("other", "5", "", 0),
    ],
)
def test_required_samples_follow_the_sampling_rules(world, category, quantity, variant, required):
    from acceptance.materials.queries import required_samples

    unit = "m2" if category == "other" else ""  # other materials have no unit of their own
    batch = new_batch(world, category=category, quantity=quantity, rule_variant=variant, unit=unit, accept=False)
    assert required_samples(batch) == required


def test_a_region_overrides_the_sampling_rules_with_a_file(world, settings, tmp_path):
    from acceptance.materials.queries import required_samples

    rules = tmp_path / "rules.json"
    rules.write_text('{"categories": {"rebar": {"per": {"default": 30}}}}', encoding="utf-8")
    settings.MATERIAL_SAMPLING_RULES = str(rules)
    batch = new_batch(world, quantity="60", accept=False)
    assert required_samples(batch) == 2


def test_a_prefabricated_component_is_a_batch_of_one_linked_to_the_element_it_becomes(world):
    version = world["ids_run"].version
    column = version.elements.filter(ifc_class="IfcColumn").first()
    batch = actions.create_material_batch(
        world["project"],
        category="precast",
        product="预制叠合板",
        manufacturer="广东远大住工",
        batch_number="PC-0001",
        quantity=Decimal(1),
        unit="pcs",
        delivered_on=DAY,
        factory="佛山远大住工工厂",
        produced_on=DAY - datetime.timedelta(days=10),
        component_code="YB-2F-01",
        component_version_id=version.pk,
        component_global_id=column.global_id,
        actor=world["users"]["contractor"],
    )
    assert batch.component_code == "YB-2F-01"
    assert list(BatchElement.objects.filter(batch=batch).values_list("global_id", flat=True)) == [column.global_id]
    with pytest.raises(InvalidInput) as refused:
        new_batch(world, category="precast", number="PC-0002", quantity="2", accept=False)
    assert refused.value.extra["field"] == "quantity"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "steel-ish"}, "category"),
        ({"delivered_on": timezone.localdate() + datetime.timedelta(days=1)}, "delivered_on"),
        ({"quantity": "0"}, "quantity"),
        ({"rule_variant": "liquid"}, "rule_variant"),
        ({"green_label_grade": "五星级", "green_label_number": "X"}, "green_label_grade"),
        ({"green_label_number": "GBML-1"}, "green_label_number"),
        ({"factory": "某工厂"}, "category"),
    ],
)
def test_bad_batches_are_refused_and_nothing_is_written(world, fields, field):
    before = MaterialBatch.objects.count()
    with pytest.raises(InvalidInput) as refused:
        new_batch(world, number="BAD-1", accept=False, **fields)
    assert refused.value.extra["field"] == field
    assert MaterialBatch.objects.count() == before


def test_a_batch_is_registered_once(world):
    new_batch(world, number="ONCE", accept=False)
    with pytest.raises(Conflict) as refused:
        new_batch(world, number="ONCE", accept=False)
    assert refused.value.code == "batch_exists"


def test_entry_inspection_needs_a_certificate_and_a_rejected_batch_is_returned(world, as_persona):
    batch = new_batch(world, number="ENTRY", accept=False)
    contractor = world["users"]["contractor"]
    with pytest.raises(Conflict) as refused:
        actions.inspect_material_batch(
            world["project"], batch_id=batch.pk, result="accepted", inspected_on=DAY, actor=contractor
        )
    assert refused.value.code == "certificate_missing"
    api = as_persona("contractor")
    url = f"/projects/{world['project'].code}/materials/batches/{batch.pk}"
    uploaded = api.client.post(
        f"/api/v1{url}/certificates", data={"kind": "product", "file": pdf()}, headers=api.headers
    )
    assert uploaded.status_code == 201, uploaded.content
    no_reason = api.post(f"{url}/entry-inspection", {"result": "rejected", "inspected_on": "2026-06-01"})
    assert no_reason.status_code == 422
    rejected = api.post(
        f"{url}/entry-inspection", {"result": "rejected", "inspected_on": "2026-06-01", "note": "锈蚀严重"}
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "returned"
    assert rejected.json()["required_samples"] == 0
    again = api.post(f"{url}/entry-inspection", {"result": "accepted", "inspected_on": "2026-06-01"})
    assert again.status_code == 409


def test_a_certificate_must_be_a_document_and_is_stored_once(world):
    import io

    batch = new_batch(world, number="CERT", accept=False)
    contractor = world["users"]["contractor"]
    with pytest.raises(InvalidInput):
        actions.add_batch_certificate(
            world["project"], batch_id=batch.pk, kind="product", stream=io.BytesIO(b"MZ\x90\x00"), actor=contractor
        )
    first = actions.add_batch_certificate(
        world["project"], batch_id=batch.pk, kind="product", stream=pdf_stream("c"), actor=contractor
    )
    second = actions.add_batch_certificate(
        world["project"], batch_id=batch.pk, kind="product", stream=pdf_stream("c"), actor=contractor
    )
    assert first.pk == second.pk
    assert batch.certificates.count() == 1


def test_an_inspector_may_not_register_batches(world):
    with pytest.raises(PermissionDenied):
        actions.create_material_batch(
            world["project"],
            category="rebar",
            product="x",
            manufacturer="y",
            batch_number="z",
            quantity=Decimal(1),
            unit="t",
            delivered_on=DAY,
            actor=world["users"]["inspector"],
        )


def test_the_batch_list_is_paged_and_filtered_by_category_and_status(world, as_persona):
    api = as_persona("insurer")
    url = BATCHES.format(code=world["project"].code)
    everything = api.get(url).json()
    assert everything["count"] == 3 and {b["category"] for b in everything["items"]} == {
        "rebar",
        "concrete_cubes",
        "cement",
    }
    failed = api.get(f"{url}?status=failed").json()
    assert [b["batch_number"] for b in failed["items"]] == ["GJ2605-118"]
    assert api.get(f"{url}?category=cement&limit=1").json()["count"] == 1
    assert api.get(f"{url}?limit=100000").status_code == 422


def test_concrete_needs_a_sampling_per_storey_it_went_into(world):
    from acceptance.materials.queries import required_samples

    batch = new_batch(world, category="concrete_cubes", number="HNT-STOREYS", quantity="80")
    assert required_samples(batch) == 1
    actions.link_batch_elements(
        world["project"],
        batch_id=batch.pk,
        version_id=world["ids_run"].version.pk,
        rule={"ifc_class": "IfcSlab", "material": "C30"},
        actor=world["users"]["contractor"],
    )
    assert required_samples(batch) == 2  # the 1F and 2F slabs: 80 m3, but two storeys
