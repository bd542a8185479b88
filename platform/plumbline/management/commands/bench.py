"""`plumbline bench`: the BIM benchmarks (`ingest`, `scaling`, bim's command) and `dashboard`,
the region dashboard against /healthz (supervision/bench.py). The site holds the command because
it alone sees both apps."""

import json

from django.core.management.base import CommandError

from bim.management.commands.bench import Command as BimBench
from supervision.bench import bench_dashboard


class Command(BimBench):
    help = "Benchmarks measured against a baseline in the same run (ingest, scaling, dashboard)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = next(a for a in parser._subparsers._group_actions if a.dest == "subcommand")
        dashboard = sub.add_parser("dashboard", help="the region dashboard against GET /healthz (loads the region)")
        dashboard.add_argument("--projects", type=int, default=2000)
        dashboard.add_argument("--findings-per-project", type=int, default=50)
        dashboard.add_argument("--repeat", type=int, default=5, help="requests of each; the median is kept")

    def handle(self, *args, subcommand, **options):
        if subcommand != "dashboard":
            return super().handle(*args, subcommand=subcommand, **options)
        if options["projects"] < 1 or options["repeat"] < 1:
            raise CommandError("--projects and --repeat need 1 or more.")
        result = bench_dashboard(
            projects=options["projects"],
            findings_per_project=options["findings_per_project"],
            repeat=options["repeat"],
            log=lambda line: self.stderr.write(line),
        )
        self.stdout.write(json.dumps(result))
