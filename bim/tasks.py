"""Celery tasks of the ingest: ids in, idempotent, bounded retries on passing trouble."""

import logging

from celery import shared_task
from django.db import OperationalError

from storage import StorageUnavailable

from . import actions, ingest

logger = logging.getLogger(__name__)
RETRY = {
    "acks_late": True,
    "autoretry_for": (StorageUnavailable, OperationalError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


def _fail_on_surprise(version_id: int, exc: Exception) -> None:
    logger.exception("ingest of version %s failed unexpectedly", version_id)
    actions.fail_ingest(version_id, "unexpected", {"error": f"{type(exc).__name__}: {exc}"})


@shared_task(name="bim.ingest_model_version", **RETRY)
def ingest_model_version(version_id: int) -> None:
    try:
        ingest.run_metadata(version_id)
    except (StorageUnavailable, OperationalError):
        raise
    except Exception as exc:  # anything else would fail again: record why and let the worker go on
        _fail_on_surprise(version_id, exc)


@shared_task(name="bim.compute_footprints", **RETRY)
def compute_footprints(version_id: int, chunk_index: int) -> None:
    try:
        ingest.run_geometry_chunk(version_id, chunk_index)
    except (StorageUnavailable, OperationalError):
        raise
    except Exception as exc:
        _fail_on_surprise(version_id, exc)


@shared_task(name="bim.run_ids_check", **RETRY)
def run_ids_check(run_id: int) -> None:
    try:
        ingest.run_ids_check(run_id)
    except (StorageUnavailable, OperationalError):
        raise
    except Exception as exc:
        logger.exception("IDS run %s failed unexpectedly", run_id)
        actions.fail_ids_run(run_id, "check_unexpected", {"error": f"{type(exc).__name__}: {exc}"})
