"""Running the tasks that actions send here and now, instead of on a worker.

Written over Celery's current app (the site's, once `plumbline` is imported), so the kernel needs
no Celery app of its own and imports nothing of the site.
"""

from contextlib import contextmanager

from celery import current_app


@contextmanager
def tasks_in_this_process():
    """Run tasks sent inside the block here and now (demo loading, `plumbline ingest --inline`)."""
    app = current_app._get_current_object()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
