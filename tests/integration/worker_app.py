"""The platform's Celery app with one extra task for the redelivery tests.

`celery -A tests.integration.worker_app worker` runs the real app, with its real settings; the
task below is idempotent the way every Plumbline task must be: it returns early when its effect
is already there, and makes its effect with an atomic create.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")
django.setup()

from plumbline.celery import app  # noqa: E402


@app.task(name="tests.record_once", bind=True)
def record_once(self, folder: str, key: str, seconds: float) -> str:
    folder_path = Path(folder)
    with open(folder_path / f"{key}.attempts", "a") as log:
        log.write(f"{os.getpid()}\n")
    effect = folder_path / f"{key}.effect"
    if effect.exists():
        return "already done"
    time.sleep(seconds)
    try:
        fd = os.open(effect, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return "already done"
    os.write(fd, b"done\n")
    os.close(fd)
    return "done"
