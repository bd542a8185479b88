"""`plumbline bench ingest FILE`: one JSON line comparing the ingest with plain ifcopenshell; on a
file the platform cannot read, one line with `status: failed` and the reason, and exit status 1."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bim.bench import SCALING_SIZES, BenchError, bench_ingest, bench_scaling


class Command(BaseCommand):
    help = "Benchmarks measured against a baseline in the same run."

    def add_arguments(self, parser):
        self.subcommands = sub = parser.add_subparsers(dest="subcommand", required=True)
        ingest = sub.add_parser("ingest", help="ingest FILE and compare with plain ifcopenshell")
        ingest.add_argument("file")
        ingest.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the fastest is kept")
        scaling = sub.add_parser(
            "scaling", help="per-element cost on generated models of growing size (one JSON line per size)"
        )
        scaling.add_argument(
            "--sizes", default=",".join(map(str, SCALING_SIZES)), help="element counts, comma-separated"
        )
        scaling.add_argument("--models-dir", help="keep the generated models here and reuse them")
        scaling.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the fastest is kept")
        scaling.add_argument(
            "--assemblies",
            type=int,
            default=0,
            metavar="PARTS",
            help="group every PARTS walls of the grid into an IfcElementAssembly (0: none)",
        )

    def handle(self, *args, subcommand, **options):
        if options["repeat"] < 1:
            raise CommandError("--repeat needs 1 or more runs.")
        if subcommand == "scaling":
            try:
                sizes = [int(s) for s in options["sizes"].split(",") if s.strip()]
            except ValueError:
                raise CommandError("--sizes takes element counts separated by commas, e.g. 1000,5000,10000.") from None
            if not sizes or min(sizes) < 1:
                raise CommandError("--sizes needs at least one count of 1 or more.")
            if options["assemblies"] < 0:
                raise CommandError("--assemblies takes the parts per assembly: 0 or more.")
            try:
                for line in bench_scaling(sizes, options["models_dir"], options["repeat"], options["assemblies"]):
                    self.stdout.write(json.dumps(line))
                    self.stdout.flush()
            except BenchError as exc:
                raise CommandError(str(exc)) from None
            return
        path = Path(options["file"]).resolve()
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            result = bench_ingest(path, options["repeat"])
        except BenchError as exc:
            result = {"file": path.name, "status": "failed", "reason": str(exc)}
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if result["status"] == "failed":
            raise SystemExit(1)
