"""Request and response shapes of the signage API."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from plumbline.core.limits import Text

from .queries import check_sign, material_name, public_url


class SignIn(Schema):
    building: str = Field(..., max_length=50)
    material: str = Field(
        ...,
        max_length=40,
        description="code of a permanent material (GET /signs/materials), or its Chinese or English name",
    )
    material_note: str = Field("", max_length=200, description="colour, finish, engraving")
    width_mm: int = Field(800, ge=1)
    height_mm: int = Field(600, ge=1)
    thickness_mm: int = Field(20, ge=1)
    location_text: str = Field("", max_length=300)
    coordinates: dict[str, Any] | None = None
    installed_on: date | None = None


class SignMaterialOut(Schema):
    code: str
    name: str = Field(..., description="in the language of the request")
    name_zh: str
    name_en: str


class SignProblemOut(Schema):
    code: str = Field(..., description="stable, e.g. material_not_permanent, party_leader_changed")
    message: str = Field(..., description="for a person, in the language of the request")
    field: str


class SignPhotoOut(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime


class SignOut(Schema):
    id: int
    building: str
    building_id: int | None = Field(None, alias="building_record_id", description="the building record it hangs on")
    content: dict[str, Any]
    material: str = Field(..., description="material code; empty when an old free-text material named none")
    material_name: str
    material_note: str
    has_unrecognised_material: bool
    width_mm: int
    height_mm: int
    thickness_mm: int
    location_text: str
    coordinates: dict[str, Any] | None
    installed_on: date | None
    status: str
    public_url: str
    qr_svg_url: str
    qr_png_url: str
    photos: list[SignPhotoOut]
    discrepancies: list[SignProblemOut] = Field(
        ..., description="where the sign differs from the register or is not permanent"
    )

    @staticmethod
    def resolve_public_url(sign) -> str:
        return public_url(sign)

    @staticmethod
    def resolve_qr_svg_url(sign) -> str:
        return public_url(sign) + "qr.svg"

    @staticmethod
    def resolve_qr_png_url(sign) -> str:
        return public_url(sign) + "qr.png"

    @staticmethod
    def resolve_photos(sign) -> list:
        return list(sign.photos.all())

    @staticmethod
    def resolve_material_name(sign) -> str:
        return material_name(sign)

    @staticmethod
    def resolve_has_unrecognised_material(sign) -> bool:
        return not sign.material

    @staticmethod
    def resolve_discrepancies(sign) -> list:
        return check_sign(sign)


class SignMaterialIn(Schema):
    material: str = Field(
        ...,
        max_length=40,
        description="code of a permanent material (GET /signs/materials), or its Chinese or English name",
    )
    material_note: str = Field("", max_length=200, description="colour, finish, engraving")


class RetireIn(Schema):
    reason: Text
