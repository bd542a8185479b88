"""Shared makers for the materials tests and their permission rows: the demo's batches and
people, a PDF upload, and fresh batches and samples made through the actions."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from acceptance.materials import actions
from acceptance.materials.models import MaterialBatch
from projects.demo import PROJECT_CODE, letter_pdf
from projects.models import Organisation, Person, Project

DAY = datetime.date(2026, 6, 1)
SAMPLERS = [
    {"name": "刘取样", "certificate_number": "粤取样-2026-0107"},
    {"name": "黄取样", "certificate_number": "粤取样-2026-0108"},
]


def pdf(name: str = "file.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, letter_pdf(name, "test"), content_type="application/pdf")


def pdf_stream(name: str = "file") -> io.BytesIO:
    return io.BytesIO(letter_pdf(name, "test"))


def project() -> Project:
    return Project.objects.get(code=PROJECT_CODE)


def demo_batch(category: str) -> MaterialBatch:
    return MaterialBatch.objects.get(project__code=PROJECT_CODE, category=category)


def person(username: str) -> Person:
    return Person.objects.get(user__username=username)


def lab() -> Organisation:
    return Organisation.objects.get(kind="testing_lab")


def new_batch(world, *, number="T-001", category="rebar", quantity="60", accept=True, **fields) -> MaterialBatch:
    contractor = world["users"]["contractor"]
    batch = actions.create_material_batch(
        world["project"],
        category=category,
        product=fields.pop("product", "热轧带肋钢筋"),
        manufacturer=fields.pop("manufacturer", "韶钢"),
        batch_number=number,
        quantity=Decimal(quantity),
        unit=fields.pop("unit", ""),
        delivered_on=fields.pop("delivered_on", DAY),
        actor=contractor,
        **fields,
    )
    if accept:
        actions.add_batch_certificate(
            world["project"], batch_id=batch.pk, kind="product", stream=pdf_stream(number), actor=contractor
        )
        actions.inspect_material_batch(
            world["project"], batch_id=batch.pk, result="accepted", inspected_on=DAY, actor=contractor
        )
        batch.refresh_from_db()
    return batch


def new_sample(world, batch, *, code="S-001", witnessed=False, named_witness=False, is_retest=False, **fields):
    """A sample; `named_witness` names the supervising engineer as its witness, `witnessed` also
    has them confirm it."""
    sample = actions.record_sample(
        world["project"],
        batch_id=batch.pk,
        code=code,
        taken_on=fields.pop("taken_on", DAY),
        samplers=SAMPLERS,
        lab_id=lab().pk,
        witness_person_id=person("inspector").pk if (witnessed or named_witness) else None,
        is_retest=is_retest,
        actor=world["users"]["contractor"],
        **fields,
    )
    if witnessed:
        actions.witness_sample(
            world["project"], batch_id=batch.pk, sample_id=sample.pk, actor=world["users"]["inspector"]
        )
    return sample


def results(sample, failed=()) -> list[dict]:
    return [{"test": t, "value": "1", "passed": t not in failed} for t in sample.tests]


def new_report(world, batch, sample, *, number="R-001", failed=(), issued_on=DAY):
    return actions.record_lab_report(
        world["project"],
        batch_id=batch.pk,
        sample_id=sample.pk,
        report_number=number,
        issued_on=issued_on,
        results=results(sample, failed),
        stream=pdf_stream(number),
        actor=world["users"]["inspector"],
    )
