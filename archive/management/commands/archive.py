"""`plumbline archive export CODE -o FILE` and `plumbline archive verify FILE [--offline]`."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from archive.export import stream_archive
from archive.verify import verify_archive
from projects.models import Project


class Command(BaseCommand):
    help = "Export a project's quality liability archive as a ZIP, or verify one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser(
            "export", help="write the project's archive to a ZIP file (for the operator: ID numbers in full)"
        )
        export.add_argument("code", help="project code")
        export.add_argument("-o", "--output", required=True, help="ZIP file to write")
        verify = sub.add_parser(
            "verify", help="check every file of an archive against its manifest, and its audit trail event by event"
        )
        verify.add_argument("file")
        verify.add_argument(
            "--offline",
            action="store_true",
            help="an archive of another platform: check the audit trail's order, links and head, "
            "not its keyed hashes (they need the chain key of the platform that exported it)",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "export":
            return self.export(options["code"], Path(options["output"]))
        return self.verify(Path(options["file"]), keyed=not options["offline"])

    def export(self, code: str, output: Path) -> None:
        project = Project.objects.filter(code=code).first()
        if project is None:
            raise CommandError(_("No project %(code)s.") % {"code": repr(code)})
        partial = output.with_name(output.name + ".partial")
        size = 0
        try:
            with open(partial, "wb") as out:
                for chunk in stream_archive(project, user=None):
                    out.write(chunk)
                    size += len(chunk)
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote the archive of %(code)s to %(output)s (%(size)s bytes).")
                % {"code": code, "output": output, "size": f"{size:,}"}
            )
        )

    def verify(self, path: Path, *, keyed: bool) -> None:
        if not path.exists():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        report = verify_archive(path, keyed=keyed)
        if not report.is_valid:
            raise CommandError(_("The archive is NOT intact: %(problem)s.") % {"problem": report.problem})
        if report.events is None:
            self.stdout.write(
                self.style.SUCCESS(
                    _("The archive is intact: %(count)d files match the manifest.") % {"count": report.files}
                )
            )
            return
        if report.is_keyed:
            trail = _(
                "its audit trail's %(events)d events follow each other up to the head the manifest names, "
                "and their keyed hashes match this platform's chain key"
            )
        else:
            trail = _(
                "its audit trail's %(events)d events follow each other up to the head the manifest names "
                "(their keyed hashes were not checked: that needs the exporting platform's chain key)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("The archive is intact: %(count)d files match the manifest; %(trail)s.")
                % {"count": report.files, "trail": trail % {"events": report.events}}
            )
        )
