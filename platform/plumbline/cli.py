"""The `plumbline` command: Django's manage.py, plus `plumbline worker` for a Celery worker.

On the embedded default the worker runs its tasks in its own process (solo pool: no pool child
to hang on a lock when one is killed) and runs beat, which sends the heartbeat and the sweep of
lost ingests. A database that cannot be read ends the command with one line, not a traceback.
"""

import os
import sys


def worker_arguments(extra: list[str], *, broker_url: str) -> list[str]:
    from plumbline.celery import INGEST_QUEUE, LIGHT_QUEUE, PLATFORM_QUEUE

    args = ["--loglevel=INFO"]
    given = " ".join(extra)
    if not any(a.startswith(("-Q", "--queues")) for a in extra):
        args.append(f"--queues={INGEST_QUEUE},{LIGHT_QUEUE},{PLATFORM_QUEUE}")
    if broker_url.startswith("filesystem://"):
        if "--pool" not in given and not any(a.startswith("-P") for a in extra):
            args.append("--pool=solo")
        if "--beat" not in given and not any(a == "-B" for a in extra):
            args.append("--beat")
    elif not any(a.startswith(("-c", "--concurrency")) for a in extra):
        args.append("--concurrency=1")
    return [*args, *extra]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")
    from django.db import DatabaseError, IntegrityError

    try:
        if len(argv) > 1 and argv[1] == "worker":
            import django
            from django.conf import settings

            django.setup()
            from plumbline.celery import app

            app.worker_main(["worker", *worker_arguments(argv[2:], broker_url=settings.CELERY_BROKER_URL)])
            return
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except IntegrityError:
        raise
    except DatabaseError as exc:
        from django.conf import settings

        name = settings.DATABASES["default"]["NAME"]
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(f"plumbline: the database {name} cannot be used ({first}); restore it from a backup.\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
