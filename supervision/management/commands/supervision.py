"""`plumbline supervision redraw PERIOD`: recompute a draw from its published seed and pool and
print the result (the same every time, and the same as the stored one, or exit status 1);
`plumbline supervision recompute-credit`: what the beat task does, by hand."""

import json

from django.core.management.base import BaseCommand, CommandError

from plumbline.core.errors import NotFound
from projects.models import Organisation
from supervision import actions, queries
from supervision.draw import run_draw


class Command(BaseCommand):
    help = "The housing department's draws and credit."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        redraw = sub.add_parser("redraw", help="recompute a period's draw from its seed and pool and print it")
        redraw.add_argument("period")
        redraw.add_argument("--department", help="credit code of the department, when several drew the period")
        sub.add_parser("recompute-credit", help="score new events and recompute every organisation's tier")

    def handle(self, *args, subcommand, **options):
        if subcommand == "recompute-credit":
            self.stdout.write(json.dumps(actions.recompute_credit()))
            return
        department = None
        if options["department"]:
            department = Organisation.objects.filter(credit_code=options["department"].upper()).first()
            if department is None:
                raise CommandError(f"No department with credit code {options['department']}.")
        try:
            draw = queries.get_draw_of_period(options["period"], department=department)
        except NotFound as exc:
            raise CommandError(exc.detail) from None
        result = run_draw(
            seed=draw.seed, period=draw.period, pool=draw.pool, inspectors_per_project=draw.inspectors_per_project
        )
        self.stdout.write(
            json.dumps(
                {"period": draw.period, "seed": draw.seed, "algorithm": draw.algorithm, "result": result},
                ensure_ascii=False,
                sort_keys=True,
            )
        )
        if result != draw.result:
            self.stderr.write("The recomputed result differs from the published one.")
            raise SystemExit(1)
