"""Thumbnails of finding photos, made after the upload commits; the daily notices of overdue findings."""

import io

from celery import shared_task
from django.db import OperationalError

from storage import StorageUnavailable, get_storage

from . import actions
from .models import FindingPhoto

THUMBNAIL_PX = 320


@shared_task(
    name="inspections.make_thumbnail",
    acks_late=True,
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=5,
    max_retries=5,
)
def make_thumbnail(photo_id: int) -> None:
    from PIL import Image, UnidentifiedImageError

    photo = FindingPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail_key:
        return
    storage = get_storage()
    try:
        with storage.open(photo.file_key) as handle:
            image = Image.open(io.BytesIO(handle.read()))
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
    except (UnidentifiedImageError, OSError):
        return  # HEIC has no decoder here: the original stands in for its thumbnail
    stored = storage.put(io.BytesIO(out.getvalue()), content_type="image/jpeg")
    actions.record_thumbnail(photo_id, stored.key)


@shared_task(
    name="inspections.notify_overdue_findings", acks_late=True, autoretry_for=(OperationalError,), max_retries=3
)
def notify_overdue_findings() -> int:
    """Daily (beat): a notice for each finding past its due date, once a day however often it runs."""
    return actions.notify_overdue_findings()
