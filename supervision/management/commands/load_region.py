"""`plumbline load_region --projects N`: a region of N realistic projects to measure the region
dashboard with (supervision/region.py); its auditor is `zh_auditor`."""

import json

from django.core.management.base import BaseCommand, CommandError

from supervision.region import load_region


class Command(BaseCommand):
    help = "Generate a region of N projects with parties, letters, signs, findings, acceptance trees, material batches, policies and claims (for measuring)."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True)
        parser.add_argument("--findings-per-project", type=int, default=50)
        parser.add_argument(
            "--findings", type=int, help="findings in the database in all, spread over the added projects"
        )
        parser.add_argument("--seed", type=int, default=19)

    def handle(self, *args, **options):
        if options["projects"] < 1 or options["findings_per_project"] < 0:
            raise CommandError("--projects needs 1 or more, --findings-per-project 0 or more.")
        added = load_region(
            projects=options["projects"],
            findings_per_project=options["findings_per_project"],
            findings=options["findings"],
            seed=options["seed"],
            log=lambda line: self.stderr.write(line),
        )
        self.stdout.write(json.dumps(added))
