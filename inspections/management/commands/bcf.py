"""`plumbline bcf export CODE -o FILE [--bcf-version 2.1|3.0]` and `plumbline bcf import CODE FILE`."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from inspections import actions
from inspections.bcf import VERSIONS
from inspections.exchange import export_bcf
from plumbline.core.errors import DomainError
from projects.models import Project


class Command(BaseCommand):
    help = "Exchange findings with other BIM tools as BCF files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser("export")
        export.add_argument("code")
        export.add_argument("-o", "--output", required=True)
        export.add_argument("--bcf-version", choices=VERSIONS, default="2.1")
        imported = sub.add_parser("import")
        imported.add_argument("code")
        imported.add_argument("file")
        imported.add_argument("--user", required=True, help="the inspector the imported findings are recorded by")

    def handle(self, *args, subcommand, code, **o):
        project = Project.objects.filter(code=code).first()
        if project is None:
            raise CommandError(f"No project {code!r}.")
        if subcommand == "export":
            data = export_bcf(project, version=o["bcf_version"])
            Path(o["output"]).write_bytes(data)
            self.stdout.write(f"Wrote {project.findings.count()} findings to {o['output']} (BCF {o['bcf_version']}).")
            return
        user = get_user_model().objects.filter(username=o["user"]).first()
        if user is None:
            raise CommandError(f"No user {o['user']!r}.")
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            report = actions.import_bcf(project, data=path.read_bytes(), file_name=path.name, actor=user)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(
            f"BCF {report['bcf_version']}: {len(report['created'])} findings created, {len(report['updated'])} updated"
            + (
                f"; GlobalIds not in any current version: {', '.join(report['unknown_global_ids'])}"
                if report["unknown_global_ids"]
                else ""
            )
        )
