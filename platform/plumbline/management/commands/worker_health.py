"""`plumbline worker_health`: exit 0 while this machine's Celery worker beats, 1 when its last beat
is older than CELERY_WORKER_STALE_SECONDS or it never beat. A container healthcheck: it asks the
heartbeat store (plumbline.heartbeat), not the broker, so a worker whose pool hangs (which still
answers `celery inspect ping`) is unhealthy too."""

import socket
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline import heartbeat


class Command(BaseCommand):
    help = "Exit 1 when this host's worker has not beaten for CELERY_WORKER_STALE_SECONDS (a healthcheck)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker", default="", help="the worker's name, e.g. celery@host (default: any worker on this host)"
        )
        parser.add_argument(
            "--any", dest="any_worker", action="store_true", help="healthy while any worker anywhere beats"
        )
        parser.add_argument(
            "--max-age",
            type=int,
            default=settings.CELERY_WORKER_STALE_SECONDS,
            help="seconds a beat stays fresh (default: CELERY_WORKER_STALE_SECONDS)",
        )

    def handle(self, *args, worker, any_worker, max_age, **options):
        host = socket.gethostname()
        beats = [
            b
            for b in heartbeat.store().all()
            if any_worker or (b.name == worker if worker else b.name.rpartition("@")[2] == host)
        ]
        who = _("any worker") if any_worker else worker or _("the worker on %(host)s") % {"host": host}
        last = max(beats, key=lambda b: b.beaten_at, default=None)
        if last is None:
            self.stderr.write(_("%(who)s has never beaten.") % {"who": who})
            sys.exit(1)
        age = int((timezone.now() - last.beaten_at).total_seconds())
        if age > max_age:
            self.stderr.write(
                _("%(who)s last beat %(age)d s ago (more than %(max)d s): stuck or gone.")
                % {"who": last.name, "age": age, "max": max_age}
            )
            sys.exit(1)
        self.stdout.write(_("%(who)s beat %(age)d s ago.") % {"who": last.name, "age": age})
