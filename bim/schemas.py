"""Request and response shapes of the BIM API (used by bim/api.py only)."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from plumbline.core.limits import GlobalId

from .models import WARNINGS_KEPT, warning_message


class WarningOut(Schema):
    code: str
    message: str
    global_id: str = ""
    ifc_class: str = ""


class VersionOut(Schema):
    id: int
    model: str = Field(..., alias="model.name")
    discipline: str = Field(..., alias="model.discipline")
    number: int
    status: str
    phase: str
    progress_done: int
    progress_total: int
    failure_reason: str = Field(..., description="why it failed, in the reader's language")
    failure_code: str = Field(..., description="why it failed, stable: see bim/ifc/failures.py")
    schema_name: str = Field(..., alias="schema")
    sha256: str
    size: int
    original_name: str
    uploaded_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    seconds: dict[str, Any]
    warning_count: int
    warnings: list[WarningOut] = Field(..., description=f"the first {WARNINGS_KEPT}, in the reader's language")

    @staticmethod
    def resolve_warnings(version) -> list[dict]:
        return [
            {
                "code": w.get("code", ""),
                "message": warning_message(w),
                "global_id": w.get("global_id", ""),
                "ifc_class": w.get("ifc_class", ""),
            }
            for w in (version.warnings or [])[:WARNINGS_KEPT]
        ]

    @staticmethod
    def resolve_failure_reason(obj) -> str:
        return obj.failure_message()


class ModelOut(Schema):
    id: int
    name: str
    discipline: str
    versions: list[VersionOut]
    is_failed: bool  # every version failed: nothing to read (a junk upload); the contractor may retire it
    retired_at: datetime | None

    @staticmethod
    def resolve_versions(model) -> list:
        return list(model.versions.all())

    @staticmethod
    def resolve_is_failed(model) -> bool:
        return model.is_failed


class UploadOut(VersionOut):
    is_new: bool


class StoreyOut(Schema):
    global_id: str
    name: str
    elevation: float | None


class ElementOut(Schema):
    global_id: str
    ifc_class: str
    predefined_type: str
    name: str
    type_name: str
    storey: str | None = Field(None, alias="storey.global_id")
    storey_name: str | None = Field(None, alias="storey.name")
    materials: list[dict[str, Any]]
    has_footprint: bool

    @staticmethod
    def resolve_has_footprint(element) -> bool:
        return bool(element.footprint)


class ElementDetailOut(ElementOut):
    space: str | None = Field(None, alias="space.global_id")
    assembly_global_id: str
    psets: dict[str, Any]
    qsets: dict[str, Any]
    footprint_wkt: str = Field(..., alias="footprint")
    is_footprint_approximate: bool
    z_min: float | None
    z_max: float | None


class MovedOut(Schema):
    """How far an element moved, in metres: its outline's centroid in plan, its bottom in height."""

    dx: float
    dy: float
    dz: float | None


class GrownOut(Schema):
    """New over old: 1.5 is half as large again."""

    area: float | None
    height: float | None


class ChangedOut(Schema):
    global_id: str
    fields: dict[str, Any]
    moved: MovedOut | None = None
    grown: GrownOut | None = None


class ElementFilters(Schema):
    ifc_class: str | None = None
    storey: str | None = None
    material: str | None = None
    name: str | None = None
    pset: str | None = None
    prop: str | None = None
    value: str | None = None


class DiffOut(Schema):
    version_id: int
    previous_version_id: int | None
    added: list[str]
    removed: list[str]
    changed: list[ChangedOut]
    proposed_remaps: list[dict]
    accepted_remaps: list[dict]
    counts: dict


class RemapIn(Schema):
    old_global_id: GlobalId
    new_global_id: GlobalId


class IdsFileOut(Schema):
    id: int
    name: str
    specifications: int
    sha256: str
    uploaded_at: datetime


class IdsRunIn(Schema):
    ids_id: int


class IdsRunOut(Schema):
    id: int
    version_id: int
    ids_id: int = Field(..., alias="ids_file_id")
    status: str
    summary: list[dict]
    failure_reason: str
    failure_code: str
    requested_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_failure_reason(obj) -> str:
        return obj.failure_message()


class IdsFailureOut(Schema):
    global_id: str
    ifc_class: str
    name: str
    specification: str
    requirement: str
    reason: str
