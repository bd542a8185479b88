"""Health checks: is the database, object storage and the Celery broker usable right now."""

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


CHECKS = {"database": check_database, "storage": check_storage, "broker": check_broker}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except StorageError as exc:
            results[name] = {"status": "failing", "detail": str(exc)}
        except Exception as exc:  # a health check reports every failure, whatever its type
            results[name] = {"status": "failing", "detail": f"{type(exc).__name__}: {exc}"}
        else:
            results[name] = {"status": "ok"}
    return results
