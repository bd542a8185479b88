"""`plumbline bench ingest FILE`: one JSON line comparing the ingest with plain ifcopenshell."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bim.bench import bench_ingest


class Command(BaseCommand):
    help = "Benchmarks measured against a baseline in the same run."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        ingest = sub.add_parser("ingest", help="ingest FILE and compare with plain ifcopenshell")
        ingest.add_argument("file")

    def handle(self, *args, subcommand, file, **options):
        path = Path(file).resolve()
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        self.stdout.write(json.dumps(bench_ingest(path), ensure_ascii=False))
