"""Request and response shapes of the acceptance API."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import BeforeValidator, StringConstraints

from plumbline.core.limits import Code, GlobalId, Text, Title
from projects.dates import ISO_DATE


def _iso_date(value):
    """Only YYYY-MM-DD is a date: pydantic alone would read the number 0 as 1970-01-01."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(gettext("write the date as YYYY-MM-DD, e.g. 2026-03-02"))


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class PlanSubItemIn(Schema):
    code: Code = Field(..., description="six-digit sub-item code of the GB 50300 catalogue, e.g. 020102")
    covers: list[Code] = Field(
        default_factory=list,
        description="hidden works: the sub-items this one covers up (e.g. concrete 020103 covers rebar 020102)",
    )


class PlanIn(Schema):
    sub_items: list[PlanSubItemIn]


class LotRuleIn(Schema):
    sub_item_code: Code = Field(..., description="the sub-item whose lots are cut")
    ifc_classes: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        ..., description="e.g. IfcColumn, IfcBeam, IfcSlab"
    )
    material: str = Field(max_length=100, default="", description="only elements whose material names contain this")
    pset: str = Field(max_length=100, default="", description="only elements with this property set (and prop / value)")
    prop: Annotated[str, StringConstraints(max_length=100)] = ""
    value: Annotated[str, StringConstraints(max_length=200)] | None = None
    cut: Literal["storey", "zone"] = Field("storey", description="one lot per storey, or per storey and zone")
    version_id: int | None = Field(None, description="default: the newest ready version with the building's storeys")


class LotIn(Schema):
    name: str = Field(max_length=200, default=..., description="e.g. the storey or construction section (施工段)")
    zone: Annotated[str, StringConstraints(max_length=100)] = ""
    storey_global_id: GlobalId = ""
    version_id: int | None = Field(None, description="the version the elements and storey belong to")
    global_ids: list[GlobalId] = Field(default_factory=list)
    capacity_quantity: Decimal | None = Field(None, description="needed when the lot has no elements")
    capacity_unit: str = Field(max_length=10, default="", description="m2, m3, t, m or pcs")


class NodeRefOut(Schema):
    id: int
    code: str
    name: str
    storey_name: str


class VanishedOut(Schema):
    id: int
    code: str
    name: str
    global_ids: list[str]


class ExtendedOut(Schema):
    id: int
    code: str
    name: str
    added: int


class GenerationOut(Schema):
    rule_id: int
    version_id: int
    created: list[NodeRefOut]
    extended: list[ExtendedOut]
    vanished: list[VanishedOut] = Field(..., description="lots whose elements are no longer in the version")


class TreeNodeOut(Schema):
    id: int
    level: str
    code: str
    name: str
    status: str
    accepted_on: date | None
    plan_status: str = Field("", description="the unit project's split: proposed or approved")
    covers_codes: list[str] = Field(default_factory=list, description="hidden works: the sub-items it covers up")
    progress: dict[str, int] = Field(..., description="accepted and total children")
    storey_name: str = ""
    zone: str = ""
    element_count: int | None = None
    vanished_count: int | None = None
    open_findings: int | None = Field(None, description="open major or critical findings on a lot's elements")
    children: list["TreeNodeOut"]


TreeNodeOut.model_rebuild()


class TreeOut(Schema):
    building_id: int
    building: str
    unit_project: TreeNodeOut | None


class PointIn(Schema):
    label: Title = ""
    measured: float | None = None
    design: float | None = None
    tolerance_low: float | None = Field(None, description="allowed deviation below the design value, e.g. -5")
    tolerance_high: float | None = Field(None, description="allowed deviation above the design value, e.g. 5")
    passed: bool | None = Field(None, description="for points checked by eye; else judged from the tolerance")
    serious_defect: bool = False


class ItemIn(Schema):
    kind: Literal["main", "general"] = Field(..., description="main-control (主控项目) or general (一般项目)")
    name: Title
    points: list[PointIn] = Field(default_factory=list)
    result: Literal["pass", "fail"] | None = Field(None, description="for an item checked without sampled points")
    pass_rate: float | None = Field(None, description="general items: the share of points to pass (default 0.8)")


class LotInspectionIn(Schema):
    client_uuid: uuid.UUID = Field(..., description="made by the tablet: a retry returns the first record")
    inspected_on: IsoDate
    items: list[ItemIn]
    note: Text = ""
    capacity_quantity: Decimal | None = Field(None, description="the lot's capacity as a quantity (default: elements)")
    capacity_unit: str = Field(max_length=10, default="", description="m2, m3, t, m or pcs")


class LotInspectionOut(Schema):
    id: int
    client_uuid: uuid.UUID
    inspected_on: date
    result: str
    sample_size: int
    items: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    note: str
    recorded_by: str = Field(..., alias="recorded_by.username")
    created_at: datetime


class SignIn(Schema):
    signed_on: IsoDate | None = Field(None, description="default today; not in the future")
    capacity: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="which capacity to sign in, when you hold several"
    )


class SignatureOut(Schema):
    capacity: str
    capacity_label: str
    person: str
    signed_on: date
    is_on_behalf_of_owner: bool = False


class ReasonOut(Schema):
    code: str
    message: str


class NodeOut(Schema):
    id: int
    level: str
    code: str
    name: str
    status: str
    accepted_on: date | None
    signatures: list[SignatureOut]
    waiting_for: list[str] = Field(..., description="capacities still to sign")


class LotElementOut(Schema):
    global_id: str
    ifc_class: str
    is_present: bool


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime


class PhotoOut(Schema):
    id: int
    client_uuid: uuid.UUID
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime


class LotOut(Schema):
    id: int
    level: str
    code: str
    name: str
    status: str
    accepted_on: date | None
    building_id: int
    sub_item: str
    sub_item_code: str
    version_id: int | None
    storey_global_id: str
    storey_name: str
    zone: str
    capacity: float = Field(..., description="elements, or the recorded quantity")
    capacity_unit: str = Field(..., description="empty: a count of elements")
    sample_size: int = Field(..., description="minimum sample size (GB 50300 table 3.0.9)")
    should_split: bool = Field(..., description="larger than 3200: split it")
    elements: list[LotElementOut]
    inspections: list[LotInspectionOut]
    photos: list[PhotoOut]
    signatures: list[SignatureOut]
    waiting_for: list[str]
    may_sign_as: list[str] = Field(..., description="capacities you could sign in today")
    blockers: list[ReasonOut] = Field(..., description="what keeps the lot from acceptance now")


class CatalogueEntryOut(Schema):
    code: str
    level: str
    name: str
    name_en: str
    parent: str | None


class DesignationIn(Schema):
    person_id: int
    capacity: Literal["contractor_quality_inspector", "contractor_foreman", "contractor_technical_lead"]
    start_date: IsoDate
    end_date: IsoDate | None = None


class DesignationOut(Schema):
    id: int
    person_id: int
    person: str = Field(..., alias="person.name")
    capacity: str
    start_date: date
    end_date: date | None
