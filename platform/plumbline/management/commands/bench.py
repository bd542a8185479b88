"""`plumbline bench ...`: bim's benchmarks (ingest, scaling) and those of the apps above it, in one
command; the site mounts them because only it may import every app.

`plumbline bench acceptance`: generating lots for models of growing size and computing the
acceptance tree, one JSON line per size (seconds and queries of each step).
`plumbline bench dashboard`: the region dashboard against GET /healthz (supervision/bench.py)."""

import json

from django.core.management.base import CommandError

from acceptance.bench import SIZES, bench_acceptance
from bim.management.commands.bench import Command as BimBench
from supervision.bench import bench_dashboard


class Command(BimBench):
    help = "Benchmarks measured against a baseline in the same run (ingest, scaling, acceptance, dashboard)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        acceptance = self.subcommands.add_parser(
            "acceptance",
            help="generate lots for models of growing size and compute the tree (one JSON line per size; nothing is kept)",
        )
        acceptance.add_argument("--sizes", default=",".join(map(str, SIZES)), help="element counts, comma-separated")
        acceptance.add_argument("--storeys", type=int, default=50, help="storeys the elements are spread over")
        dashboard = self.subcommands.add_parser(
            "dashboard", help="the region dashboard against GET /healthz (loads the region)"
        )
        dashboard.add_argument("--projects", type=int, default=2000)
        dashboard.add_argument("--findings-per-project", type=int, default=50)
        dashboard.add_argument(
            "--findings", type=int, help="findings in the database in all, spread over the projects loaded"
        )
        dashboard.add_argument("--repeat", type=int, default=5, help="requests of each; the median is kept")

    def handle(self, *args, subcommand, **options):
        if subcommand == "acceptance":
            return self._acceptance(options)
        if subcommand == "dashboard":
            return self._dashboard(options)
        return super().handle(*args, subcommand=subcommand, **options)

    def _acceptance(self, options):
        try:
            sizes = [int(s) for s in options["sizes"].split(",") if s.strip()]
        except ValueError:
            raise CommandError("--sizes takes element counts separated by commas, e.g. 12500,25000,50000.") from None
        if not sizes or min(sizes) < 1 or options["storeys"] < 1:
            raise CommandError("--sizes needs counts of 1 or more, --storeys 1 or more.")
        for line in bench_acceptance(sizes, options["storeys"]):
            self.stdout.write(json.dumps(line))
            self.stdout.flush()

    def _dashboard(self, options):
        if options["projects"] < 1 or options["repeat"] < 1 or (options["findings"] or 0) < 0:
            raise CommandError("--projects and --repeat need 1 or more, --findings 0 or more.")
        from plumbline import heartbeat

        result = bench_dashboard(
            projects=options["projects"],
            findings_per_project=options["findings_per_project"],
            findings=options["findings"],
            repeat=options["repeat"],
            before_measuring=lambda: heartbeat.beat("bench"),  # stands in for the worker /healthz asks after
            log=lambda line: self.stderr.write(line),
        )
        health = result["healthz"]
        self.stderr.write(
            f"{result['database']}, {result['projects']} projects, {result['findings']} findings: "
            f"healthz {health['median_ms']} ms ({health['queries']} queries)"
        )
        for name in ("dashboard", "dashboard_by_score", "dashboard_page"):
            r = result[name]
            self.stderr.write(f"  {r['path']}: {r['median_ms']} ms, {r['ratio']}x healthz, {r['queries']} queries")
        self.stdout.write(json.dumps(result))
