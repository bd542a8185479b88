"""Request and response shapes of the signage API."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from .queries import check_sign, public_url


class SignIn(Schema):
    building: str = Field(..., max_length=50)
    material: str = Field(..., max_length=100)
    width_mm: int = Field(800, ge=1)
    height_mm: int = Field(600, ge=1)
    thickness_mm: int = Field(20, ge=1)
    location_text: str = Field("", max_length=300)
    coordinates: dict[str, Any] | None = None
    installed_on: date | None = None


class SignPhotoOut(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime


class SignOut(Schema):
    id: int
    building: str
    content: dict[str, Any]
    material: str
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
    discrepancies: list[str] = Field(..., description="where the sign differs from the register or is not permanent")

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
    def resolve_discrepancies(sign) -> list[str]:
        return check_sign(sign)


class RetireIn(Schema):
    reason: str
