"""The Celery app, configured so that a message is never lost and never acted on twice.

Tasks are acknowledged after they finish (acks_late) and handed back when the worker process
dies (reject_on_worker_lost); each worker takes one message at a time. Redis hands an
unacknowledged message to another worker after the visibility timeout, which is kept above the
longest task's time limit. Tasks are idempotent and are sent only after their transaction commits
(`delay_on_commit` / `transaction.on_commit`).
"""

import logging
import os
from contextlib import contextmanager

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")

app = Celery("plumbline")


def configure(app: Celery) -> None:
    from django.conf import settings

    transport_options: dict = {
        "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
        # kombu's default sweep for messages a dead worker left unacknowledged runs about every
        # 100 s (interval 10 x throttle 10); sweep every interval instead.
        "unacked_restore_interval": settings.CELERY_RESTORE_INTERVAL,
        "unacked_restore_throttle": 1,
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
    }
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for sub in ("queue", "processed"):
            (settings.CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
        transport_options = {
            "data_folder_in": str(settings.CELERY_BROKER_DIR / "queue"),
            "data_folder_out": str(settings.CELERY_BROKER_DIR / "queue"),
            "processed_folder": str(settings.CELERY_BROKER_DIR / "processed"),
            "store_processed": False,
        }
    app.conf.update(
        broker_url=settings.CELERY_BROKER_URL,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER,
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        task_time_limit=settings.CELERY_TASK_TIME_LIMIT,
        # the soft limit lets a task record why it stopped before the hard limit kills it
        task_soft_time_limit=settings.CELERY_TASK_TIME_LIMIT - max(1, min(30, settings.CELERY_TASK_TIME_LIMIT // 10)),
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=200,
        worker_hijack_root_logger=False,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        timezone=settings.TIME_ZONE,
        enable_utc=True,
    )


configure(app)
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    # each chain's signed head to object storage, once a day (`plumbline audit anchor` by hand)
    "anchor-audit-chains": {"task": "audit.anchor_chains", "schedule": crontab(hour=3, minute=17)},
}
app.autodiscover_tasks(["plumbline.audit", "projects", "signage", "bim", "inspections", "insurance"])


@worker_ready.connect
def resume_stalled_ingests(**_kwargs) -> None:
    """A worker that starts sends again the tasks of model versions whose ingest went quiet for
    BIM_STALLED_MINUTES (a lost message). `plumbline resume_ingests` does the same from cron."""
    from datetime import timedelta

    from django.conf import settings

    from bim.ingest import resume_stalled

    try:
        resume_stalled(timedelta(minutes=settings.BIM_STALLED_MINUTES))
    except Exception:  # the database may be down as the worker starts: the next start or cron retries
        logging.getLogger(__name__).exception("could not look for stalled ingests")


@contextmanager
def tasks_in_this_process():
    """Run tasks sent inside the block here and now (demo loading, `plumbline ingest --inline`)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
