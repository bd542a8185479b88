"""The `plumbline` command: Django's manage.py, plus `plumbline worker` for a Celery worker."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")
    if len(argv) > 1 and argv[1] == "worker":
        import django

        django.setup()
        from plumbline.celery import app

        extra = argv[2:]
        defaults = ["--loglevel=INFO"]
        if not any(a.startswith(("-c", "--concurrency")) for a in extra):
            defaults.append("--concurrency=1")
        app.worker_main(["worker", *defaults, *extra])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
