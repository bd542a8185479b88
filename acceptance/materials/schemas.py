"""Request and response shapes of the building-materials API."""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, StringConstraints, ValidationError

from plumbline.core.errors import InvalidInput
from plumbline.core.limits import Code, GlobalId, Title

from . import queries
from .sampling import name_of_test

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value):
    """Only YYYY-MM-DD is a date: pydantic alone would read the number 0 as 1970-01-01."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(_("write the date as YYYY-MM-DD, e.g. 2026-03-02"))


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class BatchIn(Schema):
    category: Annotated[str, StringConstraints(max_length=30)] = Field(
        ..., description="a category code of GET sampling rules, e.g. rebar, concrete_cubes, precast"
    )
    product: str = Field(..., max_length=200)
    specification: str = Field("", max_length=200, description="specification or grade, e.g. HRB400E Φ25")
    manufacturer: str = Field(..., max_length=200)
    batch_number: str = Field(..., max_length=100)
    quantity: Decimal = Field(..., gt=0, max_digits=14, decimal_places=3)
    unit: str = Field("", max_length=10, description="empty: the category's unit")
    delivered_on: IsoDate
    rule_variant: str = Field("", max_length=30, description="e.g. bulk (cement), fired_brick")
    green_label_number: str = Field("", max_length=100, description="绿色建材 label certificate number")
    green_label_grade: str = Field("", max_length=10, description="一星级, 二星级 or 三星级")
    factory: str = Field("", max_length=200, description="prefabricated components only")
    produced_on: IsoDate | None = None
    component_code: str = Field("", max_length=100)
    component_version_id: int | None = None
    component_global_id: str = Field("", max_length=22, description="the element the component becomes")


class EntryInspectionIn(Schema):
    result: Code = Field(..., description="accepted or rejected (rejected batches are returned)")
    inspected_on: IsoDate
    note: str = Field("", max_length=2000)


class LinkRuleIn(Schema):
    ifc_class: str = Field(..., max_length=64)
    material: str = Field("", max_length=200, description="part of a material name")
    pset: str = Field("", max_length=200)
    prop: str = Field("", max_length=200)
    value: str | None = Field(None, max_length=200)
    storey: str = Field("", max_length=255, description="storey GlobalId or name")


class LinkIn(Schema):
    version_id: int
    global_ids: list[GlobalId] = Field(default_factory=list)
    rule: LinkRuleIn | None = None


class LinkOut(Schema):
    batch_id: int
    version_id: int
    linked: int = Field(..., description="elements linked now (already linked ones are not counted)")
    total: int


class SamplerIn(Schema):
    name: str = Field(..., max_length=100)
    certificate_number: str = Field(..., max_length=100)


class SampleIn(Schema):
    code: str = Field(..., max_length=100)
    taken_on: IsoDate
    samplers: list[SamplerIn] = Field(..., description="the contractor's certified samplers, at least two")
    lab_id: int = Field(..., description="an organisation of kind testing_lab")
    tests: list[Title] = Field(default_factory=list, description="empty: every test the category's rule names")
    witness_person_id: int | None = Field(None, description="a person authorised in writing as witness that day")
    specimens: int | None = Field(None, ge=1)
    is_retest: bool = False


class WitnessIn(BaseModel):
    person_id: int
    certificate_number: str


class ResultIn(BaseModel):
    test: str
    value: str = ""
    unit: str = ""
    requirement: str = ""
    passed: bool


class DispositionIn(Schema):
    disposition: Code = Field(..., description="returned, retest_passed or engineering_treatment")
    decided_on: IsoDate
    note: str = Field("", max_length=2000)
    approved_by_person_id: int | None = Field(None, description="engineering treatment: the design project leader")


def parse_json_list(raw: str, model: type[BaseModel], *, field: str) -> list[dict]:
    """A form field holding a JSON list of objects (multipart forms carry no nested data)."""
    try:
        items = json.loads(raw or "[]")
        if not isinstance(items, list):
            raise ValueError
        return [model.model_validate(item).model_dump() for item in items]
    except (ValueError, ValidationError):
        raise InvalidInput(
            _("%(field)s must be a JSON list of objects with %(keys)s.")
            % {"field": field, "keys": ", ".join(model.model_fields)},
            field=field,
        ) from None


class FileOut(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime


class CertificateOut(FileOut):
    kind: str
    number: str


class ReportOut(FileOut):
    report_number: str
    issued_on: date
    results: list[dict]
    is_passed: bool


class SampleOut(Schema):
    id: int
    code: str
    taken_on: date
    samplers: list[dict]
    witness: str | None
    witness_person_id: int | None
    is_witnessed: bool
    lab: str
    tests: list[str]
    test_names: list[str]
    specimens: int
    is_retest: bool
    report: ReportOut | None

    @staticmethod
    def resolve_witness(sample) -> str | None:
        return sample.witness.name if sample.witness else None

    @staticmethod
    def resolve_witness_person_id(sample) -> int | None:
        return sample.witness_id

    @staticmethod
    def resolve_lab(sample) -> str:
        return sample.lab.name

    @staticmethod
    def resolve_test_names(sample) -> list[str]:
        return [name_of_test(t) for t in sample.tests]

    @staticmethod
    def resolve_report(sample):
        return queries.report_of(sample)


class BatchOut(Schema):
    id: int
    category: str
    category_name: str
    rule_variant: str
    product: str
    specification: str
    manufacturer: str
    batch_number: str
    quantity: Decimal
    unit: str
    delivered_on: date
    green_label_number: str
    green_label_grade: str
    factory: str
    produced_on: date | None
    component_code: str
    component_global_id: str
    status: str
    entry_result: str
    entry_note: str
    entry_inspected_on: date | None
    required_samples: int
    samples_taken: int
    samples_reported: int
    samples_witnessed: int
    failures: int
    failure_finding_id: int | None
    disposition_note: str
    disposition_on: date | None
    certificates: list[CertificateOut]
    samples: list[SampleOut]

    @staticmethod
    def resolve_category_name(batch) -> str:
        return queries.category_name(batch.category)

    @staticmethod
    def resolve_required_samples(batch) -> int:
        return queries.required_samples(batch)

    @staticmethod
    def resolve_samples_taken(batch) -> int:
        return queries.sampling_state(batch).taken

    @staticmethod
    def resolve_samples_reported(batch) -> int:
        return queries.sampling_state(batch).reported

    @staticmethod
    def resolve_samples_witnessed(batch) -> int:
        return queries.sampling_state(batch).witnessed

    @staticmethod
    def resolve_certificates(batch) -> list:
        return list(batch.certificates.all())

    @staticmethod
    def resolve_samples(batch) -> list:
        return list(batch.samples.all())


class BatchDetailOut(BatchOut):
    elements: list[dict]

    @staticmethod
    def resolve_elements(batch) -> list[dict]:
        return queries.batch_elements(batch)


class WitnessOut(Schema):
    person_id: int
    name: str
    certificate_number: str

    @staticmethod
    def resolve_name(witness) -> str:
        return witness.person.name


class AuthorisationOut(FileOut):
    authorised_by_party: str
    signed_on: date
    status: str
    witnesses: list[WitnessOut]

    @staticmethod
    def resolve_witnesses(letter) -> list:
        return list(letter.witnesses.all())


class WitnessRowOut(Schema):
    category: str
    name: str
    is_mandatory: bool
    required: int = Field(..., description="samples the sampling rules require")
    taken: int
    witnessed: int
    share: float | None = Field(..., description="witnessed / required; empty when nothing is required")
    threshold: float
    is_below: bool = Field(..., description="a mandatory category witnessed below the threshold")


class FlaggedOut(Schema):
    version_id: int
    global_ids: list[str]
