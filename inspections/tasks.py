"""Thumbnails of finding photos, made after the upload commits; BCF GlobalIds no model held,
mapped when a model version that holds them is ready."""

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
    from pillow_heif import register_heif_opener

    register_heif_opener()
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
        return  # an image nothing here decodes: the original stands in for its thumbnail
    stored = storage.put(io.BytesIO(out.getvalue()), content_type="image/jpeg")
    actions.record_thumbnail(photo_id, stored.key)


@shared_task(
    name="inspections.map_unmapped_global_ids",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=5,
)
def map_unmapped_global_ids(version_id: int) -> None:
    actions.map_unmapped_global_ids(version_id, actor=None)


def on_version_ready(sender, version_id: int, project_id: int, **kwargs) -> None:
    """bim's version_ready (sent on commit): map the findings' waiting GlobalIds in a task, if
    the project has any (most versions arrive with none waiting: no task, no broker call)."""
    from .models import Finding

    if Finding.objects.filter(project_id=project_id).exclude(unmapped_global_ids=[]).exists():
        map_unmapped_global_ids.delay(version_id)
