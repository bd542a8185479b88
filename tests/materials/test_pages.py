"""The materials pages on a tablet: the batch list with the witness report, a batch's page, and
sampling on site with the witness confirming (the browser walk is in tests/browser)."""

import pytest
from django.urls import reverse

from acceptance.materials.models import Sample
from tests.materials.helpers import demo_batch, lab, person


@pytest.fixture
def signed_in(client, world):
    def sign_in(username):
        client.force_login(world["users"][username])
        return client

    return sign_in


def test_the_materials_page_lists_batches_and_flags_the_low_category(world, signed_in):
    page = signed_in("owner").get(reverse("materials", args=[world["project"].code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-category="cement" data-below="1"' in html
    assert 'data-category="rebar" data-below="0"' in html
    assert "GJ2605-118" in html


def test_the_batch_page_shows_the_failed_report_and_the_elements(world, signed_in):
    rebar = demo_batch("rebar")
    html = (
        signed_in("inspector").get(reverse("material-batch", args=[world["project"].code, rebar.pk])).content.decode()
    )
    assert 'data-status="failed"' in html
    assert "BG-2026-05-0211" in html and 'data-passed="0"' in html
    assert html.count("<tr data-global-id=") == 4
    assert html.count('class="card plan"') == 1  # the 2F plan, its columns marked


def test_a_sample_recorded_on_the_page_waits_for_the_witness_who_confirms_it(world, signed_in, client):
    concrete = demo_batch("concrete_cubes")
    code = world["project"].code
    contractor = signed_in("contractor")
    response = contractor.post(
        reverse("record-sample", args=[code, concrete.pk]),
        {
            "code": "HNT-PAGE-1",
            "taken_on": "2026-06-01",
            "sampler_1_name": "刘取样",
            "sampler_1_certificate": "A-1",
            "sampler_2_name": "黄取样",
            "sampler_2_certificate": "A-2",
            "witness_person_id": person("inspector").pk,
            "lab_id": lab().pk,
            "tests": ["compressive_strength_28d"],
        },
    )
    assert response.status_code == 302
    sample = Sample.objects.get(code="HNT-PAGE-1")
    assert sample.witness == person("inspector") and not sample.is_witnessed
    client.logout()
    inspector = signed_in("inspector")
    page = inspector.get(reverse("material-batch", args=[code, concrete.pk])).content.decode()
    assert "confirm-witness" in page
    inspector.post(reverse("witness-sample", args=[code, concrete.pk, sample.pk]))
    sample.refresh_from_db()
    assert sample.is_witnessed


def test_a_sample_with_one_sampler_is_refused_with_a_message_and_not_recorded(world, signed_in):
    concrete = demo_batch("concrete_cubes")
    code = world["project"].code
    response = signed_in("contractor").post(
        reverse("record-sample", args=[code, concrete.pk]),
        {
            "code": "HNT-PAGE-2",
            "taken_on": "2026-06-01",
            "sampler_1_name": "刘取样",
            "sampler_1_certificate": "A-1",
            "lab_id": lab().pk,
        },
        follow=True,
    )
    assert "取样须由至少两名持证取样人完成" in response.content.decode()  # pages speak Chinese by default
    assert not Sample.objects.filter(code="HNT-PAGE-2").exists()


def test_home_owners_and_outsiders_do_not_see_the_materials_pages(world, signed_in, client):
    url = reverse("material-batch", args=[world["project"].code, demo_batch("rebar").pk])
    assert signed_in("outsider").get(url).status_code == 404
    client.logout()
    assert signed_in("home_owner").get(url).status_code == 403


def test_the_element_card_shows_the_batches_and_tests_that_went_into_the_element(world, signed_in):
    version = world["ids_run"].version
    column = version.elements.get(ifc_class="IfcColumn", name="2F 柱 C1")
    card = signed_in("inspector").get(
        reverse("element-card", args=[world["project"].code, version.pk, column.global_id])
    )
    html = card.content.decode()
    rebar = demo_batch("rebar")
    assert f'class="batch-of-element" data-batch="{rebar.pk}" data-status="failed"' in html
    assert "GJ2605-118" in html and "GJ-2026-001" in html and "BG-2026-05-0211" in html
    assert 'class="lot-of-element"' in html  # the acceptance section is still there
    slab = version.elements.get(ifc_class="IfcSlab", name="2F 楼板")
    slab_card = signed_in("inspector").get(
        reverse("element-card", args=[world["project"].code, version.pk, slab.global_id])
    )
    assert slab_card.content.decode().count('class="test-of-element"') == 3  # the C30 concrete's three samples
    signed_in("home_owner")  # no right to read materials: no section
    assert "batch-of-element" not in signed_in("home_owner").get(
        reverse("element-card", args=[world["project"].code, version.pk, column.global_id])
    ).content.decode()


def test_the_storey_plan_marks_the_elements_of_a_failed_batch(world, signed_in):
    version = world["ids_run"].version
    storey = version.storeys.get(name="2F")
    page = signed_in("inspector").get(
        reverse("plan", args=[world["project"].code]) + f"?version={version.pk}&storey={storey.global_id}"
    )
    html = page.content.decode()
    columns = version.elements.filter(ifc_class="IfcColumn", storey__name="2F").values_list("global_id", flat=True)
    for global_id in columns:
        assert f'#plan [data-global-id="{global_id}"]' in html
    assert 'data-mark="material_failed"' in html and "(4)" in html
