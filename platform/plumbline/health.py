"""Health checks: is the database, object storage and the Celery broker usable right now, and
is a worker beating (a worker can hang or die while the broker is fine)."""

from django.conf import settings
from django.db import connection

from storage import StorageError, get_storage


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_storage() -> None:
    get_storage().check()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_DIR / "queue"
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".health"
        probe.write_bytes(b"ok")
        probe.unlink()
        return
    from kombu import Connection

    with Connection(url, connect_timeout=2, transport_options={"socket_timeout": 2}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        _ = conn.default_channel  # the Redis channel pings the server when it opens


class WorkerStale(Exception):
    pass


def check_worker() -> None:
    from django.utils import timezone

    from .heartbeat import last_beat, stale_since

    since = stale_since()
    if since is None:
        return
    last = last_beat()
    if last is None:
        raise WorkerStale("no worker has beaten yet: is `plumbline worker` running?")
    quiet = int((timezone.now() - since).total_seconds())
    raise WorkerStale(f"stale since {timezone.localtime(since).isoformat(timespec='seconds')} ({quiet} s ago)")


CHECKS = {"database": check_database, "storage": check_storage, "broker": check_broker, "worker": check_worker}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except (StorageError, WorkerStale) as exc:
            results[name] = {"status": "failing", "detail": str(exc)}
        except Exception as exc:  # a health check reports every failure, whatever its type
            results[name] = {"status": "failing", "detail": f"{type(exc).__name__}: {exc}"}
        else:
            results[name] = {"status": "ok"}
    return results
