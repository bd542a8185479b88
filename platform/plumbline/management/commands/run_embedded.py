"""Start the embedded platform: gunicorn on 127.0.0.1:8000 and one Celery worker; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and one Celery worker together (the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, bind, web_workers, **options):
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="plumbline.settings")
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
        worker = subprocess.Popen([sys.executable, "-m", "plumbline.cli", "worker"], env=env)
        children = {"web": web, "worker": worker}
        self.stdout.write(
            self.style.SUCCESS(
                f"Plumbline is starting on http://{bind}/ (API docs http://{bind}/api/v1/docs, "
                f"health http://{bind}/healthz). Data in {settings.DATA_DIR}. Ctrl-C stops it."
            )
        )

        def stop(*_):
            for proc in children.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in children.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        try:
            while True:
                for name, proc in children.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"The {name} process stopped (exit {proc.returncode}); stopping.")
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
