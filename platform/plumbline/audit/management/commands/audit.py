"""`plumbline audit verify [--project CODE]`: recompute hash chains, name the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from plumbline.audit.log import chain_of, list_chains, verify_chain


class Command(BaseCommand):
    help = "Audit trail tools."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="recompute the hash chains and report the first broken event")
        verify.add_argument("--project", help="project code (default: every chain)")

    def handle(self, *args, subcommand, project=None, **options):
        from projects.models import Project

        if project:
            found = Project.objects.filter(code=project).first()
            if found is None:
                raise CommandError(f"No project {project!r}.")
            chains = [chain_of(found)]
        else:
            chains = list_chains()
        broken = 0
        for chain in chains:
            report = verify_chain(chain)
            if report.is_intact:
                self.stdout.write(f"{chain}: intact ({report.events} events)")
            else:
                broken += 1
                self.stdout.write(f"{chain}: BROKEN at event #{report.first_broken}: {report.reason}")
        if broken:
            raise CommandError(f"{broken} of {len(chains)} audit chains are broken.")
        self.stdout.write(self.style.SUCCESS(f"All {len(chains)} audit chains are intact."))
