"""Recording permanent signs and their photos; each action audited."""

import datetime
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plumbline.audit.log import record_event
from plumbline.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from plumbline.uploads import JPEG, PNG, store_upload
from projects.actions import validate_site_location
from projects.models import Project
from projects.queries import authorize

from .models import PermanentSign, SignPhoto, SignStatus
from .queries import sign_content

PHOTO_TYPES = {JPEG, PNG}


def record_sign(
    project: Project,
    *,
    building: str,
    material: str,
    width_mm: int,
    height_mm: int,
    thickness_mm: int,
    location_text: str,
    coordinates: dict | None = None,
    installed_on: datetime.date | None = None,
    actor,
) -> PermanentSign:
    """Record a building's sign, its content generated from the register as it stands now."""
    authorize(actor, project, "sign.manage")  # the right first; checked again on the locked row
    building = (building or "").strip()
    if not building:
        raise InvalidInput("Name the building the sign is on (e.g. 1#).", field="building")
    if not (material or "").strip():
        raise InvalidInput("Give the sign's material.", field="material")
    if min(width_mm, height_mm, thickness_mm) <= 0:
        raise InvalidInput("The sign's size must be given in whole millimetres above zero.", field="width_mm")
    if coordinates is not None:
        if coordinates.get("type") != "Point":
            raise InvalidInput("The sign's coordinates must be a GeoJSON Point.", field="coordinates")
        validate_site_location(coordinates)
    if installed_on and installed_on > timezone.localdate():
        raise InvalidInput("The installation date cannot be in the future.", field="installed_on")
    try:
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project.pk)
            authorize(actor, project, "sign.manage")
            if PermanentSign.objects.filter(project=project, building=building, status=SignStatus.ACTIVE).exists():
                raise Conflict(f"Building {building} already has an active sign: retire it first.", code="sign_exists")
            sign = PermanentSign.objects.create(
                project=project,
                building=building,
                content=sign_content(project, building),
                material=material.strip(),
                width_mm=width_mm,
                height_mm=height_mm,
                thickness_mm=thickness_mm,
                location_text=location_text or "",
                coordinates=coordinates,
                installed_on=installed_on,
            )
            record_event(
                "sign.recorded",
                actor=actor,
                project=project,
                target=sign,
                changes={
                    "building": [None, building],
                    "material": [None, sign.material],
                    "content": [None, sign.content],
                },
            )
    except IntegrityError:
        raise Conflict(
            f"Building {building} already has an active sign: retire it first.", code="sign_exists"
        ) from None
    return sign


def retire_sign(project: Project, *, sign_id: int, reason: str, actor) -> PermanentSign:
    authorize(actor, project, "sign.manage")  # the right first, then the input
    if not (reason or "").strip():
        raise InvalidInput("Say why the sign is retired (e.g. replaced after a leader change).", field="reason")
    with transaction.atomic():
        sign = PermanentSign.objects.select_for_update().filter(project=project, pk=sign_id).first()
        if sign is None:
            raise NotFound(f"No sign {sign_id} in project {project.code}.")
        if sign.status == SignStatus.RETIRED:
            raise InvalidTransition("This sign is already retired.", allowed=[])
        sign.status = SignStatus.RETIRED
        sign.save(update_fields=["status"])
        record_event(
            "sign.retired",
            actor=actor,
            project=project,
            target=sign,
            changes={"status": [SignStatus.ACTIVE, SignStatus.RETIRED], "reason": [None, reason.strip()]},
        )
    return sign


def add_sign_photo(
    project: Project, *, sign_id: int, stream: BinaryIO, size: int | None = None, original_name: str = "", actor
) -> SignPhoto:
    authorize(actor, project, "sign.manage")
    sign = PermanentSign.objects.filter(project=project, pk=sign_id).first()
    if sign is None:
        raise NotFound(f"No sign {sign_id} in project {project.code}.")
    stored = store_upload(stream, allowed=PHOTO_TYPES, max_bytes=settings.LETTER_MAX_BYTES, what="The photo", size=size)
    with transaction.atomic():
        existing = SignPhoto.objects.filter(sign=sign, sha256=stored.sha256).first()
        if existing is not None:
            return existing
        photo = SignPhoto(sign=sign)
        photo.set_stored(stored, original_name=original_name, uploaded_by=actor)
        photo.save()
        record_event(
            "sign.photo_added",
            actor=actor,
            project=project,
            target=photo,
            changes={"sign": [None, sign.pk], "sha256": [None, stored.sha256]},
        )
    return photo
