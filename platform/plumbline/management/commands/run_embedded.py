"""Start the embedded platform: gunicorn on 127.0.0.1:8000 and one Celery worker; Ctrl-C stops both.

The worker is supervised: when it exits, or stops beating (plumbline.heartbeat) for
CELERY_WORKER_STALE_SECONDS, it is stopped and started again; the web server goes on serving.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Run the web server and one Celery worker together (the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.BIND, help="host:port (default: the BIND setting)")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, bind, web_workers, **options):
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="plumbline.settings", BIND=bind)  # SITE_URL follows it unless set
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "plumbline.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--timeout",
                "300",
                "--access-logfile",
                "-",
            ],
            env=env,
        )
        children = {"web": web, "worker": start_worker(env)}
        started = {"worker": time.monotonic()}
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Plumbline is starting on http://%(bind)s/ (API docs http://%(bind)s/api/v1/docs, "
                    "health http://%(bind)s/healthz). Data in %(data)s. Ctrl-C stops it."
                )
                % {"bind": bind, "data": settings.DATA_DIR}
            )
        )

        def stop(*_):
            if children["web"].poll() is None:
                children["web"].terminate()
            if children["worker"].poll() is None:
                os.killpg(children["worker"].pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            for proc in children.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        try:
            while True:
                if web.poll() is not None:
                    self.stderr.write(f"The web process stopped (exit {web.returncode}); stopping.")
                    raise KeyboardInterrupt
                reason = worker_trouble(children["worker"], started["worker"])
                if reason:
                    self.stderr.write(f"The worker {reason}; starting it again.")
                    stop_process_group(children["worker"])
                    time.sleep(1)  # a worker failing at start is not restarted in a tight loop
                    children["worker"], started["worker"] = start_worker(env), time.monotonic()
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()


def start_worker(env: dict) -> subprocess.Popen:
    # its own process group: a restart ends the worker's children (beat, a pool) with it
    return subprocess.Popen([sys.executable, "-m", "plumbline.cli", "worker"], env=env, start_new_session=True)


def stop_process_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def worker_trouble(proc: subprocess.Popen, started: float) -> str:
    """Why the worker must be started again ("" when it is fine): it exited, or it has been
    running longer than the stale time yet no worker beat within it."""
    if proc.poll() is not None:
        return f"stopped (exit {proc.returncode})"
    if time.monotonic() - started < settings.CELERY_WORKER_STALE_SECONDS or int(time.monotonic() * 2) % 10:
        return ""  # a new worker gets the stale time to beat; the heartbeat is read every 5 s
    from django.db import close_old_connections
    from django.utils import timezone

    from plumbline.heartbeat import last_beat

    try:
        close_old_connections()
        last = last_beat()
    except Exception:  # the database is down: a new worker would not help
        return ""
    if last is None or (timezone.now() - last.beaten_at).total_seconds() > settings.CELERY_WORKER_STALE_SECONDS:
        return f"has not beaten for {settings.CELERY_WORKER_STALE_SECONDS} s"
    return ""
