"""Recording permanent signs and their photos; each action audited."""

import datetime
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from plumbline.core.uploads import JPEG, PNG, store_upload
from projects.actions import ensure_building, validate_site_location
from projects.models import Project
from projects.queries import authorize

from .materials import SignMaterial, describe_accepted, find_material
from .models import PermanentSign, SignPhoto, SignStatus
from .queries import sign_content

PHOTO_TYPES = {JPEG, PNG}


def record_sign(
    project: Project,
    *,
    building: str,
    material: str,
    material_note: str = "",
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
        raise InvalidInput(_("Name the building the sign is on (e.g. 1#)."), field="building")
    chosen = _permanent_material(material, material_note)
    if min(width_mm, height_mm, thickness_mm) <= 0:
        raise InvalidInput(_("The sign's size must be given in whole millimetres above zero."), field="width_mm")
    if coordinates is not None:
        if coordinates.get("type") != "Point":
            raise InvalidInput(_("The sign's coordinates must be a GeoJSON Point."), field="coordinates")
        validate_site_location(coordinates)
    if installed_on and installed_on > timezone.localdate():
        raise InvalidInput(_("The installation date cannot be in the future."), field="installed_on")
    try:
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project.pk)
            authorize(actor, project, "sign.manage")
            if PermanentSign.objects.filter(project=project, building=building, status=SignStatus.ACTIVE).exists():
                raise Conflict(
                    _("Building %(building)s already has an active sign: retire it first.") % {"building": building},
                    code="sign_exists",
                )
            building_record, building_created = ensure_building(project, building)
            sign = PermanentSign.objects.create(
                project=project,
                building=building,
                building_record=building_record,
                content=sign_content(project, building),
                material=chosen.code,
                material_note=(material_note or "").strip(),
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
                    "building_id": [None, building_record.pk],
                    **({"building_created": [None, building]} if building_created else {}),
                    "material": [None, sign.material],
                    "material_note": [None, sign.material_note],
                    "content": [None, sign.content],
                },
            )
    except IntegrityError:
        raise Conflict(
            _("Building %(building)s already has an active sign: retire it first.") % {"building": building},
            code="sign_exists",
        ) from None
    return sign


def _permanent_material(material: str, note: str) -> SignMaterial:
    chosen = find_material(material)
    if chosen is None:
        raise InvalidInput(
            _("%(material)s is not a permanent sign material: choose one of %(accepted)s.")
            % {"material": repr((material or "").strip()), "accepted": describe_accepted()},
            field="material",
            code="material_not_permanent",
        )
    if len((note or "").strip()) > 200:
        raise InvalidInput(_("Keep the note on the material to 200 characters."), field="material_note")
    return chosen


def set_sign_material(project: Project, *, sign_id: int, material: str, material_note: str, actor) -> PermanentSign:
    """Correct the material on record, e.g. of a sign recorded before materials were a list whose
    text named none of them; the content (what the sign shows) is left as it was recorded."""
    with transaction.atomic():
        authorize(actor, project, "sign.manage")
        sign = PermanentSign.objects.select_for_update().filter(project=project, pk=sign_id).first()
        if sign is None:
            raise NotFound(_("No sign %(id)s in project %(code)s.") % {"id": sign_id, "code": project.code})
        chosen = _permanent_material(material, material_note)
        note = (material_note or "").strip()
        changes = {
            field: [old, new]
            for field, old, new in (
                ("material", sign.material, chosen.code),
                ("material_note", sign.material_note, note),
            )
            if old != new
        }
        if not changes:
            return sign
        sign.material, sign.material_note = chosen.code, note
        sign.save(update_fields=["material", "material_note"])
        record_event("sign.material_set", actor=actor, project=project, target=sign, changes=changes)
    return sign


def retire_sign(project: Project, *, sign_id: int, reason: str, actor) -> PermanentSign:
    authorize(actor, project, "sign.manage")  # the right first, then the input
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the sign is retired (e.g. replaced after a leader change)."), field="reason")
    with transaction.atomic():
        sign = PermanentSign.objects.select_for_update().filter(project=project, pk=sign_id).first()
        if sign is None:
            raise NotFound(_("No sign %(id)s in project %(code)s.") % {"id": sign_id, "code": project.code})
        if sign.status == SignStatus.RETIRED:
            raise InvalidTransition(_("This sign is already retired."), allowed=[])
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
        raise NotFound(_("No sign %(id)s in project %(code)s.") % {"id": sign_id, "code": project.code})
    stored = store_upload(
        stream, allowed=PHOTO_TYPES, max_bytes=settings.SIGN_PHOTO_MAX_BYTES, what=_("The photo"), size=size
    )
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
