"""The Celery app, configured so that a message is never lost and never acted on twice.

Tasks are acknowledged after they finish (acks_late) and handed back when the worker process
dies (reject_on_worker_lost); each worker takes one message at a time. Redis hands an
unacknowledged message to another worker after the visibility timeout, which is kept above the
longest task's time limit. Tasks are idempotent and are sent only after their transaction commits
(`delay_on_commit` / `transaction.on_commit`).

Ingests, light tasks (thumbnails) and the platform's own tasks have a queue each, which a worker
consumes in turn, so a backlog of one kind never starves the others. Beat (inside the embedded
worker) sends the heartbeat (plumbline.heartbeat), the daily notices of overdue findings and the sweep
that resumes ingests whose task was lost: the filesystem transport deletes a message when it is read, so a killed embedded worker
loses the task it held.
"""

import logging
import os
from contextlib import suppress

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init, worker_ready
from kombu import Queue

from plumbline import heartbeat
from plumbline.broker import TRANSPORT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")

app = Celery("plumbline")

INGEST_QUEUE, LIGHT_QUEUE, PLATFORM_QUEUE = "ingest", "light", "celery"


def configure(app: Celery) -> None:
    from django.conf import settings

    broker_transport = None
    transport_options: dict = {
        "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
        # kombu's default sweep for messages a dead worker left unacknowledged runs about every
        # 100 s (interval 10 x throttle 10); sweep every interval instead.
        "unacked_restore_interval": settings.CELERY_RESTORE_INTERVAL,
        "unacked_restore_throttle": 1,
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
    }
    # beat keeps its schedule here on every broker: on Redis a missing folder killed beat at start,
    # and with it every heartbeat of an idle worker (/healthz said stale while all was well)
    with suppress(OSError):  # a read-only web container does not run beat
        settings.CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for sub in ("queue", "processed"):
            (settings.CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
        (settings.CELERY_BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
        broker_transport = TRANSPORT  # kombu's, writing message files whole (plumbline.broker)
        transport_options = {
            # kombu's default is `control` in the working directory (it ended up in git)
            "control_folder": str(settings.CELERY_BROKER_DIR / "control"),
            # kombu's default of 1 s is waited after every task when prefetch is 1: one task a second
            "polling_interval": settings.CELERY_POLLING_INTERVAL,
            "data_folder_in": str(settings.CELERY_BROKER_DIR / "queue"),
            "data_folder_out": str(settings.CELERY_BROKER_DIR / "queue"),
            "processed_folder": str(settings.CELERY_BROKER_DIR / "processed"),
            "store_processed": False,
        }
    app.conf.update(
        broker_url=settings.CELERY_BROKER_URL,
        broker_transport=broker_transport,
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
        task_queues=[Queue(INGEST_QUEUE), Queue(LIGHT_QUEUE), Queue(PLATFORM_QUEUE)],
        task_default_queue=PLATFORM_QUEUE,
        task_routes={
            "bim.*": {"queue": INGEST_QUEUE},
            "inspections.*": {"queue": LIGHT_QUEUE},
        },
        beat_schedule_filename=str(settings.CELERY_BROKER_DIR / "beat-schedule"),
        beat_schedule={
            "worker-heartbeat": {
                "task": "plumbline.worker_heartbeat",
                "schedule": float(settings.CELERY_HEARTBEAT_SECONDS),
                "options": {"expires": float(settings.CELERY_HEARTBEAT_SECONDS)},
            },
            "resume-lost-ingests": {
                "task": "plumbline.resume_lost_ingests",
                "schedule": float(max(5, settings.CELERY_LOST_TASK_SECONDS // 3)),
                "options": {"expires": float(max(5, settings.CELERY_LOST_TASK_SECONDS // 3))},
            },
        },
    )


configure(app)


def _overdue_hour() -> int:
    from django.conf import settings

    return settings.FINDING_OVERDUE_HOUR


app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    # each chain's signed head to object storage, once a day (`plumbline audit anchor` by hand)
    "anchor-audit-chains": {"task": "audit.anchor_chains", "schedule": crontab(hour=3, minute=17)},
    # findings past their due date: a notice to each one's assignee, once a finding a day
    "notify-overdue-findings": {
        "task": "inspections.notify_overdue_findings",
        "schedule": crontab(hour=_overdue_hour(), minute=5),
    },  # quality credit: what happened since the last run scored, every score and tier recomputed
    "recompute-credit": {"task": "supervision.recompute_credit", "schedule": crontab(hour=2, minute=41)},
    # the region dashboards' stored scores for the new day (a stale one is also refreshed on reading)
    "refresh-dashboard-scores": {"task": "supervision.refresh_scores", "schedule": crontab(hour=3, minute=7)},
}
app.autodiscover_tasks(
    [
        "plumbline.core.audit",
        "plumbline.core.notifications",
        "projects",
        "signage",
        "bim",
        "inspections",
        "acceptance",
        "acceptance.materials",
        "insurance",
        "supervision",
        "archive",
    ]
)


@worker_init.connect
def name_the_worker(sender=None, **_kwargs) -> None:
    """Pool processes inherit the worker's name for their heartbeats. A solo or threads pool runs
    tasks in this process, so this process beats while busy; a prefork main process must not
    (it would beat on while its pool hangs)."""
    if sender is not None:
        os.environ["PLUMBLINE_WORKER_NAME"] = sender.hostname
        pool = str(getattr(sender, "pool_cls", "")).lower()
        if "solo" in pool or "thread" in pool:
            heartbeat.start_beating_while_busy()


@worker_process_init.connect
def beat_from_the_pool_process(**_kwargs) -> None:
    heartbeat.start_beating_while_busy()


@task_prerun.connect
def _task_started(task_id=None, task=None, args=None, **_kwargs) -> None:
    heartbeat.task_started(task_id, task.name, args)


@task_postrun.connect
def _task_ended(task_id=None, **_kwargs) -> None:
    heartbeat.task_ended(task_id)


@app.task(name="plumbline.worker_heartbeat", bind=True, acks_late=False, ignore_result=True)
def worker_heartbeat(self) -> None:
    heartbeat.beat(self.request.hostname)


@app.task(name="plumbline.resume_lost_ingests", acks_late=False, ignore_result=True)
def resume_lost_ingests() -> list[int]:
    """Send again the tasks of ingests without progress for CELERY_LOST_TASK_SECONDS (on the
    embedded default; BIM_STALLED_MINUTES on Redis, which redelivers by itself) that no live
    worker is working on. The ingest run's ownership keeps a resumed run from racing a slow one."""
    from datetime import timedelta

    from bim.ingest import resume_stalled

    return resume_stalled(timedelta(seconds=settings_lost_task_seconds()), skip=heartbeat.busy_version_ids())


def settings_lost_task_seconds() -> int:
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return settings.CELERY_LOST_TASK_SECONDS
    return settings.BIM_STALLED_MINUTES * 60


@worker_ready.connect
def resume_stalled_ingests(**_kwargs) -> None:
    """A worker that starts sends again the tasks of model versions whose ingest went quiet for
    BIM_STALLED_MINUTES (a lost message). `plumbline resume_ingests` does the same from cron."""
    from datetime import timedelta

    from django.conf import settings

    from bim.ingest import resume_stalled

    try:
        heartbeat.beat(os.environ.get("PLUMBLINE_WORKER_NAME"), doing={"event": "started"})
        resume_stalled(timedelta(minutes=settings.BIM_STALLED_MINUTES))
    except Exception:  # the database may be down as the worker starts: the next start or cron retries
        logging.getLogger(__name__).exception("could not look for stalled ingests")
