"""Request and response shapes of the projects API."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import BeforeValidator, StringConstraints

from plumbline.core.limits import TITLE_LENGTH, Choice, Code, GlobalId, Text
from plumbline.core.permissions import Role

from .dates import ISO_DATE
from .queries import may_see_full_id_number, roles_in
from .validators import mask_id_number


def _iso_date(value):
    """Only YYYY-MM-DD is a date: pydantic alone would read the number 0 as 1970-01-01."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(gettext("write the date as YYYY-MM-DD, e.g. 2026-03-02"))


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class OrganisationIn(Schema):
    credit_code: str = Field(..., max_length=18, description="18-character unified social credit code (GB 32100)")
    name: str = Field(..., max_length=200)
    kind: Choice
    region_code: str = Field("", max_length=6, description="six digits (GB/T 2260); required for a housing authority")


class OrganisationOut(Schema):
    id: int
    credit_code: str
    name: str
    kind: str
    region_code: str


class PersonIn(Schema):
    username: str = Field(..., max_length=150)
    name: str = Field(..., max_length=100)
    organisation_id: int | None = None
    id_number: str = Field("", max_length=18, description="18-character resident ID number (GB 11643)")
    qualification: str = Field("", max_length=200)
    certificate_number: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    password: str | None = Field(
        None, max_length=TITLE_LENGTH, description="leave empty for an account that signs in with API tokens only"
    )
    is_organisation_admin: bool = False


class PersonOut(Schema):
    id: int
    username: str = Field(..., alias="user.username")
    name: str
    organisation: OrganisationOut | None
    id_number: str = Field(
        ...,
        description="masked (4401**********123X) unless you are the person, a platform administrator, or, "
        "for a leader appointed on a project, that project's owner staff or an auditor of its region",
    )
    qualification: str
    certificate_number: str
    is_organisation_admin: bool

    @staticmethod
    def resolve_id_number(person, context) -> str:
        viewer = context["request"].user
        return person.id_number if may_see_full_id_number(viewer, person) else mask_id_number(person.id_number)


class ProjectIn(Schema):
    code: str = Field(..., pattern=r"^[-a-zA-Z0-9_]+$", max_length=50)
    name: str = Field(..., max_length=200)
    address: str = Field(..., max_length=300)
    region_code: Annotated[str, StringConstraints(max_length=6)]
    site_location: dict[str, Any] | None = Field(None, description="GeoJSON Point or Polygon, longitude/latitude")
    building_count: int = Field(1, ge=1)
    design_service_life_years: int = Field(50, ge=1, le=200)


class ProjectPatch(Schema):
    name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    region_code: Annotated[str, StringConstraints(max_length=6)] | None = None
    site_location: dict[str, Any] | None = None
    building_count: int | None = Field(None, ge=1)
    design_service_life_years: int | None = Field(None, ge=1, le=200)


class ProjectOut(Schema):
    code: str
    name: str
    address: str
    region_code: str
    site_location: dict[str, Any] | None
    building_count: int
    design_service_life_years: int
    stage: str
    created_at: datetime
    my_roles: list[str]

    @staticmethod
    def resolve_my_roles(project, context) -> list[str]:
        return sorted(r.value for r in roles_in(context["request"].user, project))


class StageIn(Schema):
    stage: Choice
    on: IsoDate | None = Field(
        None, description="the date construction started or completion was accepted (default today)"
    )


class MembershipIn(Schema):
    person_id: int
    role: Role


class MembershipOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    organisation: str | None = Field(None, alias="organisation.name")
    role: str
    started_at: datetime
    ended_at: datetime | None


class AppointmentIn(Schema):
    party: Choice = Field(
        ...,
        description="owner, surveyor, designer, contractor or supervisor (the architect in charge has its own operation)",
    )
    organisation_id: int
    leader_id: int
    start_date: IsoDate


class AppointmentOut(Schema):
    id: int
    party: str
    organisation_id: int
    organisation: str = Field(..., alias="organisation.name")
    credit_code: str = Field(..., alias="organisation.credit_code")
    leader_id: int
    leader: str = Field(..., alias="leader.name")
    qualification: str = Field(..., alias="leader.qualification")
    certificate_number: str = Field(..., alias="leader.certificate_number")
    start_date: date
    end_date: date | None
    registration_number: str = Field(..., description="the architect in charge's (注册建筑师证书编号); empty otherwise")


class ArchitectInChargeIn(Schema):
    organisation_id: int = Field(..., description="the design organisation (设计单位) the architect works for")
    architect_id: int = Field(..., description="the registered architect (a person of that organisation)")
    registration_number: Code = Field(..., description="registered architect's certificate number (注册建筑师证书编号)")
    start_date: IsoDate


class DesignChangeIn(Schema):
    description: Text


class DesignChangeSignOffIn(Schema):
    signed_on: IsoDate | None = Field(None, description="default today")


class DesignChangeOut(Schema):
    id: int
    number: int
    description: str
    status: str
    proposed_by: str = Field(..., alias="proposed_by.name")
    proposed_at: datetime
    signed_off_by: str | None = Field(None, alias="signed_off_by.name")
    signed_off_on: date | None
    is_on_behalf_of_owner: bool = Field(..., description="signed off by the architect in charge for the owner")


class PartyOnDateOut(Schema):
    party: str
    appointment: AppointmentOut | None


class LetterOut(Schema):
    id: int
    appointment_id: int
    kind: str
    signed_on: date
    status: str
    sha256: str
    size: int
    content_type: str
    original_name: str
    uploaded_at: datetime


class LetterRequirementOut(Schema):
    party: str
    appointment_id: int
    leader: str
    kind: str
    status: str = Field(..., description="on_file, filed_late, missing or overdue")
    due_date: date | None = Field(..., description="empty: due before construction starts")
    letter_id: int | None


class EndAppointmentIn(Schema):
    end_date: IsoDate = Field(..., description="the last day the appointment held (inclusive)")


class WithdrawIn(Schema):
    reason: Text


class DownloadOut(Schema):
    url: str
    expires_in_seconds: int


class BuildingIn(Schema):
    name: str = Field(..., max_length=50, description="building number or name, e.g. 1#")
    use: str = Field("", max_length=100)
    storeys_above_ground: int = Field(0, ge=0)
    storeys_below_ground: int = Field(0, ge=0)
    floor_area_m2: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    ifc_global_ids: list[GlobalId] = Field(
        default_factory=list, description="GlobalIds of the IfcBuilding objects that stand for it in the models"
    )


class BuildingPatch(Schema):
    name: str | None = Field(None, max_length=50)
    use: str | None = Field(None, max_length=100)
    storeys_above_ground: int | None = Field(None, ge=0)
    storeys_below_ground: int | None = Field(None, ge=0)
    floor_area_m2: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    ifc_global_ids: list[GlobalId] | None = None


class BuildingOut(Schema):
    id: int
    name: str
    use: str
    storeys_above_ground: int
    storeys_below_ground: int
    floor_area_m2: Decimal | None
    ifc_global_ids: list[str]
