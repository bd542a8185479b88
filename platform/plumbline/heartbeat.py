"""Worker heartbeats: how /healthz and the pages tell a worker that is stuck or gone.

A worker beats only where tasks run: an idle worker by running the `plumbline.worker_heartbeat`
task that beat sends every CELERY_HEARTBEAT_SECONDS, a busy one from a thread of the process
running the task (so a long footprint chunk does not look like a hang). A pool that can no longer
start tasks, or a worker that died, stops beating; after CELERY_WORKER_STALE_SECONDS it is stale.

Beats are kept in a file per worker under var/ on the embedded default (WORKER_HEARTBEAT_DIR: a
long write transaction of an ingest holds SQLite's one write lock, and a beat waiting for it made a
busy worker look stale) and in the database elsewhere (PostgreSQL takes concurrent writes, and
workers on other machines share no folder).
"""

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

#: the tasks this process runs now: {task id: {"task": name, "args": [...]}}
_ACTIVE: dict[str, dict] = {}
_thread: threading.Thread | None = None
#: a worker that has not beaten for this long went away for good (a renamed host, an old container)
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Beat:
    name: str
    beaten_at: datetime
    pid: int = 0
    doing: dict = field(default_factory=dict)


class FileBeats:
    """One JSON file per worker, written whole (a temporary name, then a rename) so a reader never
    sees half of one."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def write(self, beat: Beat) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{quote(beat.name, safe='')}.json"
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        record = {"name": beat.name, "beaten_at": beat.beaten_at.isoformat(), "pid": beat.pid, "doing": beat.doing}
        partial.write_text(json.dumps(record))
        os.replace(partial, path)
        self.forget(beat.beaten_at - FORGET_AFTER)

    def all(self) -> list[Beat]:
        beats = []
        for path in self.folder.glob("*.json"):
            try:
                record = json.loads(path.read_text())
                beats.append(
                    Beat(record["name"], datetime.fromisoformat(record["beaten_at"]), record["pid"], record["doing"])
                )
            except (OSError, ValueError, KeyError):  # removed meanwhile, or not ours
                continue
        return beats

    def forget(self, before: datetime) -> None:
        for beat in self.all():
            if beat.beaten_at < before:
                (self.folder / f"{quote(beat.name, safe='')}.json").unlink(missing_ok=True)


class DatabaseBeats:
    """A row per worker (plumbline.models.WorkerHeartbeat)."""

    def write(self, beat: Beat) -> None:
        from .models import WorkerHeartbeat

        WorkerHeartbeat.objects.update_or_create(
            name=beat.name, defaults={"beaten_at": beat.beaten_at, "pid": beat.pid, "doing": beat.doing}
        )
        WorkerHeartbeat.objects.filter(beaten_at__lt=beat.beaten_at - FORGET_AFTER).delete()

    def all(self) -> list[Beat]:
        from .models import WorkerHeartbeat

        return [Beat(r.name, r.beaten_at, r.pid, r.doing or {}) for r in WorkerHeartbeat.objects.all()]


def store() -> FileBeats | DatabaseBeats:
    folder = settings.WORKER_HEARTBEAT_DIR
    return FileBeats(folder) if folder else DatabaseBeats()


def worker_name() -> str:
    return os.environ.get("PLUMBLINE_WORKER_NAME") or f"worker@{os.uname().nodename}"


def beat(name: str | None = None, *, doing: dict | None = None) -> None:
    store().write(Beat(name or worker_name(), timezone.now(), os.getpid(), doing or {}))


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


def last_beat() -> Beat | None:
    """The newest heartbeat of any worker, or None when no worker ever beat."""
    return max(store().all(), key=lambda b: b.beaten_at, default=None)


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
    fresh = timezone.now() - timedelta(seconds=settings.CELERY_WORKER_STALE_SECONDS)
    ids = set()
    for doing in (b.doing for b in store().all() if b.beaten_at >= fresh):
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
