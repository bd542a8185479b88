"""A real worker on Redis and PostgreSQL ingests a model; killed mid-ingest (while writing element
rows, then while computing footprints) the tasks are redelivered and the version ends with
exactly the right rows."""

import io
import os
import signal
import time

import pytest
from django.conf import settings
from django.db import connection

from bim import actions
from bim.ifc.build import grid_model
from bim.models import ModelVersion
from tests.conftest import require_service
from tests.services import children_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WALLS = 1500


@pytest.fixture(scope="module")
def grid_ifc() -> bytes:
    return grid_model(WALLS).to_string().encode()


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_an_ingest_killed_twice_is_redelivered_and_ends_with_exactly_the_right_rows(
    world, grid_ifc, start_worker, redis_url, objects_dir
):
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        require_service("PostgreSQL and Redis", "run with DATABASE_URL and CELERY_BROKER_URL set, as .ci/run does")
    db = connection.settings_dict
    worker = start_worker(
        "ingest,light,celery",
        DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        LOCAL_STORAGE_DIR=objects_dir,
        STORAGE_BACKEND="local",
        BIM_GEOMETRY_CHUNK_SIZE=600,
    )
    version, _ = actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(grid_ifc),
        original_name="grid.ifc",
        model_name="Grid",
        size=len(grid_ifc),
        actor=world["users"]["contractor"],
    )

    def state():
        return ModelVersion.objects.filter(pk=version.pk).values_list("status", "progress_done").get()

    # 1. kill the pool process while element rows are being written
    wait_until(lambda: state()[0] == "parsing" and state()[1] > 0, 60, "the first batch of elements")
    for child in children_of(worker.proc.pid):
        os.kill(child, signal.SIGKILL)
    # 2. and again while footprints are being computed
    wait_until(lambda: state()[0] == "geometry", 120, "the geometry phase")
    for child in children_of(worker.proc.pid):
        os.kill(child, signal.SIGKILL)

    wait_until(lambda: state()[0] in ("ready", "failed"), 180, "the end of the ingest")
    version.refresh_from_db()
    assert version.status == "ready", version.failure_reason
    assert version.elements.count() == WALLS
    assert version.elements.exclude(footprint="").count() == WALLS
    assert version.chunks.filter(is_done=True).count() == version.geometry_chunks == 3
    assert version.counts["elements_with_footprint"] == WALLS


def test_a_worker_that_starts_resumes_an_ingest_whose_message_was_lost(world, start_worker, objects_dir):
    import datetime

    from django.utils import timezone

    from plumbline.celery import app

    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        require_service("PostgreSQL and Redis", "run with DATABASE_URL and CELERY_BROKER_URL set, as .ci/run does")
    data = grid_model(30).to_string().encode()
    version, _ = actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(data),
        original_name="lost.ifc",
        model_name="Lost",
        size=len(data),
        actor=world["users"]["contractor"],
    )
    app.control.purge()  # the broker lost the message (restarted without its queue)
    ModelVersion.objects.filter(pk=version.pk).update(uploaded_at=timezone.now() - datetime.timedelta(hours=2))
    db = connection.settings_dict
    start_worker(
        "ingest,light,celery",
        DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        LOCAL_STORAGE_DIR=objects_dir,
        STORAGE_BACKEND="local",
        BIM_STALLED_MINUTES=60,
    )
    wait_until(
        lambda: ModelVersion.objects.filter(pk=version.pk, status__in=["ready", "failed"]).exists(),
        120,
        "the resumed ingest",
    )
    version.refresh_from_db()
    assert version.status == "ready", version.failure_reason
    assert version.counts["elements_with_footprint"] == 30
