"""Request and response shapes of the supervision API."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel

from plumbline.core.limits import Choice, Code


# The dashboard's shapes are plain pydantic models, not ninja Schemas: they are built from dicts,
# and a Schema's root validator (for reading ORM objects) ran for each of a page's hundreds of
# reasons, about as long as the rest of the request.
class ReasonOut(BaseModel):
    component: str = Field(..., description="register, signs, findings (acceptance, materials, insurance to come)")
    code: str = Field(..., description="stable, e.g. letter_overdue, finding_critical")
    message: str = Field(..., description="for a person, in the language of the request")
    points: int = Field(..., description="taken off the full score of 100")


class DashboardRowOut(BaseModel):
    code: str
    name: str
    region_code: str
    stage: str
    score: int = Field(..., description="100 less the points of the reasons, at least 0")
    reasons: list[ReasonOut]


class DashboardOut(BaseModel):
    count: int = Field(..., description="projects matching the filters")
    limit: int
    offset: int
    items: list[DashboardRowOut]


class ProjectSupervisionOut(DashboardRowOut):
    complaints: list[dict[str, Any]]


class FormerEmploymentIn(Schema):
    organisation_id: int
    until: date | None = Field(None, description="empty: works there still")


class RosterIn(Schema):
    person_id: int
    former_employers: list[FormerEmploymentIn] = Field(
        default_factory=list, description="a conflict of interest for SUPERVISION_CONFLICT_YEARS after `until`"
    )


class RosterOut(Schema):
    id: int
    person: str
    former_employers: list[dict[str, Any]]


class DrawIn(Schema):
    period: str = Field(..., max_length=20, description="e.g. 2026-Q3")
    seed: str = Field(..., max_length=200, description="published before the draw, e.g. the date and a lottery number")
    inspectors_per_project: int = Field(2, ge=1, le=10)


class DrawOut(Schema):
    id: int
    department: str
    period: str
    seed: str
    algorithm: str
    inspectors_per_project: int
    pool: dict[str, Any] = Field(..., description="the projects with tier and weight, the inspectors with conflicts")
    result: list[dict[str, Any]] = Field(..., description="the projects drawn, each with its inspectors")
    created_at: datetime


class ResultIn(Schema):
    project: str = Field(..., max_length=50, description="code of a project drawn")
    outcome: Choice = Field(..., description="passed, issues, orders")
    summary: str = Field(..., max_length=5000)
    violation_organisation_id: int | None = None
    violation_points: int = Field(0, ge=0, le=10)
    finding_ids: list[int] = Field(
        default_factory=list, description="supervision findings the draw's inspectors logged on the project, cited"
    )


class ResultOut(Schema):
    id: int
    project: str
    outcome: str
    summary: str
    violation_points: int
    finding_ids: list[int] = Field(default_factory=list, description="the supervision findings it cites")
    signed_at: datetime


class PublicResultOut(Schema):
    department: str
    period: str
    project: str
    project_name: str
    outcome: str
    outcome_label: str
    summary: str
    inspectors: list[str] = Field(..., description="names only: no personal ID numbers")
    signed_on: date
    draw_id: int
    seed: str = Field(
        ..., description="the draw's published seed: with its pool (/supervision/draws/{id}.json) anyone recomputes it"
    )
    algorithm: str


class CreditEventOut(Schema):
    id: int
    rule: str
    points: int
    occurred_on: date
    description: str
    project: str | None
    status: str
    contest_reason: str
    decision_note: str


class CreditOut(Schema):
    organisation: str
    credit_code: str
    points: int = Field(..., description="over the rolling window")
    tier: str = Field(..., description="A (0-2), B (3-9), C (10-19), D (20+) by default")
    computed_at: datetime | None
    events: list[CreditEventOut]


class ContestIn(Schema):
    reason: str = Field(..., max_length=5000)


class DecisionIn(Schema):
    accept: bool = Field(..., description="true: the contest is accepted and the event no longer counts")
    note: str = Field(..., max_length=5000)


class ComplaintIn(Schema):
    complainant_name: str = Field(..., max_length=100)
    complainant_contact: str = Field("", max_length=100)
    description: str = Field(..., max_length=5000)
    channel: Choice = Field("web", description="web, sign_qr, phone")


class ComplaintStepOut(Schema):
    kind: str
    from_organisation: str | None
    to_organisation: str | None
    note: str
    created_at: datetime


class ComplaintOut(Schema):
    id: int
    project: str
    description: str
    channel: str
    first_responsible: str = Field(..., description="the organisation that answers for it (首负责任)")
    current_holder: str
    due_date: date
    status: str
    steps: list[ComplaintStepOut] = Field(..., description="the timeline")


class PassOnIn(Schema):
    organisation_id: int
    note: str = Field(..., max_length=5000)


class AnswerIn(Schema):
    note: str = Field(..., max_length=5000)


class WebhookIn(Schema):
    url: str = Field(..., max_length=500)
    event_types: list[Code] = Field(..., description="finding, claim, acceptance, model, supervision")
    project: Code | None = Field(None, description="a project's code; without it, the department's whole region")


class WebhookOut(Schema):
    id: int
    url: str
    secret: str = Field(..., description="the HMAC-SHA256 key of the X-Plumbline-Signature header")
    event_types: list[str]
    project: str | None
    created_at: datetime


class WebhookListOut(Schema):
    id: int
    url: str
    event_types: list[str]
    project: str | None = Field(None, description="a project's code; none: the department's whole region")
    is_active: bool
    created_at: datetime


class DeliveryOut(Schema):
    id: int
    event_type: str
    event_id: str
    payload: dict[str, Any]
    status: str
    attempts: int
    response_code: int | None
    error: str
    log: list[dict[str, Any]]
    replay_of: int | None = Field(None, alias="replay_of_id")
    created_at: datetime


class ArchitectInChargeSwitchIn(Schema):
    enabled: bool = Field(..., description="run the architect-in-charge system (建筑师负责制) in the region")


class RegionPolicyOut(Schema):
    region_code: str
    has_architect_in_charge: bool
