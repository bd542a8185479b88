"""Thumbnails of finding photos, made after the upload commits; the daily notices of overdue findings;
findings reports; BCF GlobalIds no model held, mapped when a model version that holds them is ready."""

import io
import logging
from functools import partial

from celery import shared_task
from django.db import OperationalError

from storage import StorageUnavailable, get_storage

from . import actions
from .models import FindingPhoto

THUMBNAIL_PX = 320
logger = logging.getLogger(__name__)


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
    name="inspections.notify_overdue_findings", acks_late=True, autoretry_for=(OperationalError,), max_retries=3
)
def notify_overdue_findings() -> int:
    """Daily (beat): a notice for each finding past its due date, once a day however often it runs."""
    return actions.notify_overdue_findings()


@shared_task(
    name="inspections.build_findings_report",
    acks_late=True,
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=5,
    max_retries=3,
)
def build_findings_report(report_id: int) -> None:
    """Make a findings report's file, with progress on its row; a report made already is left as it is."""
    from django.utils import translation
    from django.utils.translation import gettext

    from . import report

    findings_report = actions.start_findings_report(report_id)
    if findings_report is None:
        return
    with translation.override(findings_report.language):
        try:
            data, count = report.build(
                findings_report, progress=partial(actions.record_report_progress, findings_report.pk)
            )
        except (StorageUnavailable, OperationalError):
            raise  # retried: the database or the object store is back soon
        except Exception as exc:  # any other failure is told to the requester, not lost in a log
            logger.exception("findings report %s failed", report_id)
            actions.fail_findings_report(
                report_id, error=gettext("The report could not be made: %(error)s") % {"error": exc}
            )
            return
    stored = get_storage().put(io.BytesIO(data), content_type=report.CONTENT_TYPES[findings_report.format])
    actions.finish_findings_report(report_id, stored=stored, finding_count=count)


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
