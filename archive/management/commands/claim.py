"""`plumbline claim evidence CODE CLAIM -o FILE`: a claim's subrogation evidence pack as a ZIP."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from archive.evidence import stream_claim_evidence
from plumbline.core.errors import NotFound
from projects.models import Project


class Command(BaseCommand):
    help = "Write a claim's subrogation evidence pack (checked by `plumbline archive verify`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        evidence = sub.add_parser("evidence", help="write the claim's evidence pack to a ZIP file")
        evidence.add_argument("code", help="project code")
        evidence.add_argument("claim", type=int, help="claim id")
        evidence.add_argument("-o", "--output", required=True, help="ZIP file to write")

    def handle(self, *args, subcommand, code, claim, output, **options):
        project = Project.objects.filter(code=code).first()
        if project is None:
            raise CommandError(_("No project %(code)s.") % {"code": repr(code)})
        output = Path(output)
        partial = output.with_name(output.name + ".partial")
        size = 0
        try:
            with open(partial, "wb") as out:
                for chunk in stream_claim_evidence(project, claim, user=None):
                    out.write(chunk)
                    size += len(chunk)
            os.replace(partial, output)
        except NotFound as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(exc.detail) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote the evidence pack of claim %(claim)s to %(output)s (%(size)s bytes).")
                % {"claim": claim, "output": output, "size": f"{size:,}"}
            )
        )
