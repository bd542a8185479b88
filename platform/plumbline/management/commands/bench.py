"""`plumbline bench ...`: bim's benchmarks (ingest, scaling) and the apps' above it, in one
command; the site mounts them because only it may import every app.

`plumbline bench acceptance`: generating lots for models of growing size and computing the
acceptance tree, one JSON line per size (seconds and queries of each step)."""

import json

from django.core.management.base import CommandError

from acceptance.bench import SIZES, bench_acceptance
from bim.management.commands.bench import Command as BimBench


class Command(BimBench):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        acceptance = self.subcommands.add_parser(
            "acceptance",
            help="generate lots for models of growing size and compute the tree (one JSON line per size; nothing is kept)",
        )
        acceptance.add_argument("--sizes", default=",".join(map(str, SIZES)), help="element counts, comma-separated")
        acceptance.add_argument("--storeys", type=int, default=50, help="storeys the elements are spread over")

    def handle(self, *args, subcommand, **options):
        if subcommand != "acceptance":
            return super().handle(*args, subcommand=subcommand, **options)
        try:
            sizes = [int(s) for s in options["sizes"].split(",") if s.strip()]
        except ValueError:
            raise CommandError("--sizes takes element counts separated by commas, e.g. 12500,25000,50000.") from None
        if not sizes or min(sizes) < 1 or options["storeys"] < 1:
            raise CommandError("--sizes needs counts of 1 or more, --storeys 1 or more.")
        for line in bench_acceptance(sizes, options["storeys"]):
            self.stdout.write(json.dumps(line))
            self.stdout.flush()
