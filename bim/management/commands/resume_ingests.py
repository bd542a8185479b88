"""`plumbline resume_ingests [--stalled-minutes N]`: send again the tasks of model versions whose
ingest has not moved on for N minutes (default BIM_STALLED_MINUTES), for cron."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from bim.ingest import resume_stalled


class Command(BaseCommand):
    help = "Resume model ingests whose task was lost (no progress for a while)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--stalled-minutes", type=int, default=None, help="quiet time that counts as lost")

    def handle(self, *args, stalled_minutes=None, **options):
        minutes = stalled_minutes if stalled_minutes is not None else settings.BIM_STALLED_MINUTES
        if minutes < 1:
            self.stderr.write("--stalled-minutes must be 1 or more.")
            raise SystemExit(2)
        resumed = resume_stalled(timedelta(minutes=minutes))
        self.stdout.write(f"resumed {len(resumed)} ingest(s): {', '.join(map(str, resumed)) or '-'}")
