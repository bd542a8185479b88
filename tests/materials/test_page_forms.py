"""The contractor records materials on the pages, not only through the API: a delivered batch,
its certificate and entry inspection, and the supervisor the lab's report on a sample. A refused
form comes back with what was typed and the message at its field; a form sent twice counts once."""

import re

import pytest
from django.urls import reverse

from acceptance.materials.models import BatchCertificate, LabReport, MaterialBatch
from tests.materials.helpers import new_batch, new_sample, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, world):
    def sign_in(username):
        client.force_login(world["users"][username])
        return client

    return sign_in


def batch_form(**overrides):
    form = {
        "category": "rebar",
        "product": "热轧带肋钢筋 HRB400E",
        "specification": "Φ25",
        "manufacturer": "韶钢",
        "batch_number": "PAGE-GJ-01",
        "quantity": "58.2",
        "unit": "",
        "delivered_on": "2026-06-01",
        "form_token": "b1",
    }
    return {**form, **overrides}


def test_the_contractor_records_a_batch_on_the_materials_page_once_however_often_sent(world, signed_in):
    code = world["project"].code
    contractor = signed_in("contractor")
    page = contractor.get(reverse("materials", args=[code])).content.decode()
    assert 'id="new-batch"' in page
    first = contractor.post(reverse("material-new-batch", args=[code]), batch_form())
    batch = MaterialBatch.objects.get(batch_number="PAGE-GJ-01")
    assert first.status_code == 302 and first["Location"] == reverse("material-batch", args=[code, batch.pk])
    contractor.post(reverse("material-new-batch", args=[code]), batch_form())
    assert MaterialBatch.objects.filter(batch_number="PAGE-GJ-01").count() == 1
    assert str(batch.quantity) == "58.200" or float(batch.quantity) == 58.2


def test_a_refused_batch_keeps_the_typed_fields_and_says_why_at_the_quantity(world, signed_in):
    code = world["project"].code
    response = signed_in("contractor").post(
        reverse("material-new-batch", args=[code]), batch_form(quantity="五十吨", batch_number="PAGE-GJ-02")
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'id="error-quantity"[^>]*>数量须为数字', html)
    assert 'value="PAGE-GJ-02"' in html and 'value="五十吨"' in html and 'value="rebar" selected' in html
    assert not MaterialBatch.objects.filter(batch_number="PAGE-GJ-02").exists()


def test_only_the_contractor_gets_the_batch_form(world, signed_in):
    code = world["project"].code
    page = signed_in("contractor").get(reverse("materials", args=[code])).content.decode()
    assert page.count('id="new-batch"') == 1  # once, in the page's body: not in its title or head
    assert "<form" not in page[page.index("<title>") : page.index("</title>")]
    assert 'id="new-batch"' not in signed_in("inspector").get(reverse("materials", args=[code])).content.decode()
    assert signed_in("inspector").post(reverse("material-new-batch", args=[code]), batch_form()).status_code == 403


def test_the_contractor_files_a_certificate_and_inspects_the_batch_on_entry(world, signed_in):
    code = world["project"].code
    batch = new_batch(world, number="PAGE-GJ-03", accept=False)
    contractor = signed_in("contractor")
    url = reverse("material-add-certificate", args=[code, batch.pk])
    missing = contractor.post(url, {"kind": "product", "number": "HG-778"})
    assert missing.status_code == 422 and 'id="error-file"' in missing.content.decode()
    assert 'value="HG-778"' in missing.content.decode()
    assert contractor.post(url, {"kind": "product", "number": "HG-778", "file": pdf("hg.pdf")}).status_code == 302
    assert BatchCertificate.objects.filter(batch=batch, number="HG-778").count() == 1
    refused = contractor.post(url, {"result": "rejected", "inspected_on": "2026-06-02", "note": ""})
    assert refused.status_code == 422 and 'id="error-note"' in refused.content.decode()
    assert contractor.post(url, {"result": "accepted", "inspected_on": "2026-06-02", "note": ""}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "accepted"
    assert 'id="new-sample"' in contractor.get(reverse("material-batch", args=[code, batch.pk])).content.decode()


def test_a_refused_sample_keeps_what_was_typed(world, signed_in):
    code = world["project"].code
    batch = new_batch(world, number="PAGE-GJ-04")
    response = signed_in("contractor").post(
        reverse("record-sample", args=[code, batch.pk]),
        {"code": "GJ-PAGE-S1", "taken_on": "2026-06-01", "sampler_1_name": "刘取样", "sampler_1_certificate": "A-1"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'value="GJ-PAGE-S1"' in html and 'value="刘取样"' in html and 'class="error field-error"' in html


def test_the_supervisor_records_the_lab_report_of_a_sample_on_its_page(world, signed_in):
    code = world["project"].code
    batch = new_batch(world, number="PAGE-GJ-05")
    sample = new_sample(world, batch, code="GJ-PAGE-S2", witnessed=True)
    inspector = signed_in("inspector")
    page = inspector.get(reverse("material-batch", args=[code, batch.pk])).content.decode()
    assert "lab-report-form" in page
    url = reverse("material-record-report", args=[code, batch.pk, sample.pk])
    form = {"report_number": "BG-PAGE-1", "issued_on": "2026-06-05", "file": pdf("bg.pdf")}
    for test in sample.tests:
        form |= {f"value_{test}": "1", f"unit_{test}": "", f"requirement_{test}": "", f"passed_{test}": ""}
    refused = inspector.post(url, form)
    assert refused.status_code == 422 and 'id="error-results"' in refused.content.decode()
    assert 'value="BG-PAGE-1"' in refused.content.decode()
    form = {**form, "file": pdf("bg.pdf"), **{f"passed_{t}": "1" for t in sample.tests}}
    assert inspector.post(url, form).status_code == 302
    report = LabReport.objects.get(sample=sample)
    assert report.report_number == "BG-PAGE-1" and report.is_passed
