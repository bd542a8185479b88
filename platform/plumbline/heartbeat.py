"""Worker heartbeats: how /healthz and the pages tell a worker that is stuck or gone.

A worker beats only where tasks run: an idle worker by running the `plumbline.worker_heartbeat`
task that beat sends every CELERY_HEARTBEAT_SECONDS, a busy one from a thread of the process
running the task (so a long footprint chunk does not look like a hang). A pool that can no longer
start tasks, or a worker that died, stops beating; after CELERY_WORKER_STALE_SECONDS it is stale.
"""

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

#: the tasks this process runs now: {task id: {"task": name, "args": [...]}}
_ACTIVE: dict[str, dict] = {}
_thread: threading.Thread | None = None


def worker_name() -> str:
    return os.environ.get("PLUMBLINE_WORKER_NAME") or f"worker@{os.uname().nodename}"


def beat(name: str | None = None, *, doing: dict | None = None) -> None:
    from .models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name or worker_name(), defaults={"beaten_at": now, "pid": os.getpid(), "doing": doing or {}}
    )
    # workers that went away for good (renamed hosts, old containers) should not pile up
    WorkerHeartbeat.objects.filter(beaten_at__lt=now - timedelta(days=1)).delete()


def task_started(task_id: str, name: str, args) -> None:
    _ACTIVE[task_id] = {"task": name, "args": list(args or [])[:4]}


def task_ended(task_id: str) -> None:
    _ACTIVE.pop(task_id, None)


def start_beating_while_busy() -> None:
    """Start this process's thread that beats while a task runs here (once per process)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    _thread = threading.Thread(target=_beat_while_busy, name="plumbline-heartbeat", daemon=True)
    _thread.start()


def _beat_while_busy() -> None:
    while True:
        time.sleep(settings.CELERY_HEARTBEAT_SECONDS)
        active = list(_ACTIVE.values())
        if not active:
            continue
        try:
            close_old_connections()
            beat(doing=active[0])
        except Exception:  # the database may be down for a moment: the next beat tries again
            logger.warning("could not write the worker heartbeat", exc_info=True)


def last_beat():
    """The newest heartbeat of any worker, or None when no worker ever beat."""
    from .models import WorkerHeartbeat

    return WorkerHeartbeat.objects.order_by("-beaten_at").first()


def stale_since():
    """When the workers were last seen, if that is more than CELERY_WORKER_STALE_SECONDS ago
    (or the epoch when no worker ever beat); None while a worker beats or tasks run in-process."""
    from .celery import app

    if app.conf.task_always_eager:
        return None
    last = last_beat()
    if last is None:
        return datetime.min.replace(tzinfo=UTC)
    if timezone.now() - last.beaten_at > timedelta(seconds=settings.CELERY_WORKER_STALE_SECONDS):
        return last.beaten_at
    return None


def busy_version_ids() -> set[int]:
    """Model versions a live worker is working on now (not to be resumed as lost)."""
    from .models import WorkerHeartbeat

    fresh = timezone.now() - timedelta(seconds=settings.CELERY_WORKER_STALE_SECONDS)
    ids = set()
    for doing in WorkerHeartbeat.objects.filter(beaten_at__gte=fresh).values_list("doing", flat=True):
        if doing and doing.get("task") in ("bim.ingest_model_version", "bim.compute_footprints") and doing.get("args"):
            ids.add(int(doing["args"][0]))
    return ids


def worker_status(request):
    """Template context: `worker_stall` is when the workers were last seen if they are stale
    (evaluated only by templates that show it)."""

    def stall():
        try:
            return stale_since()
        except Exception:  # a page never fails for want of this hint
            return None

    return {"worker_stall": stall}
