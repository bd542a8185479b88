"""The archive check, run by a worker: it takes the check's id, returns at once when the check
has finished, and leaves a readable error on the row when it cannot run."""

from celery import shared_task
from django.db import OperationalError

from storage import StorageUnavailable

from . import actions
from .models import ArchiveCheck


@shared_task(
    name="archive.check_archive",
    acks_late=True,
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=5,
    max_retries=3,
)
def check_archive(check_id: int) -> None:
    check = ArchiveCheck.objects.filter(pk=check_id).first()
    if check is None or not check.is_running:
        return
    try:
        actions.run_archive_check(check_id)
    except (StorageUnavailable, OperationalError):
        raise
    except Exception as exc:  # noqa: BLE001 - the page says why instead of spinning forever
        actions.fail_archive_check(check_id, f"{type(exc).__name__}: {exc}")
        raise
