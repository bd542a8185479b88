"""`plumbline audit verify [--project CODE]`: recompute hash chains and compare them with their
anchors, naming the first broken event; `plumbline audit anchor`: write each chain's signed head
to object storage (the daily beat task does the same)."""

from django.core.management.base import BaseCommand, CommandError

from plumbline.core.audit.log import anchor_chains, chain_of, list_chains, verify_chain
from plumbline.core.audit.models import AuditEvent
from storage import StorageUnavailable


class Command(BaseCommand):
    help = "Audit trail tools."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="recompute the hash chains and report the first broken event")
        verify.add_argument("--project", help="project code (default: every chain)")
        sub.add_parser("anchor", help="write each chain's signed head to object storage")

    def handle(self, *args, subcommand, project=None, **options):
        try:
            if subcommand == "anchor":
                return self.anchor()
            return self.verify(project)
        except StorageUnavailable as exc:
            raise CommandError(f"The anchors could not be read or written: {exc}") from None

    def anchor(self):
        results = anchor_chains()
        for result in results:
            if result.status == "broken":
                self.stdout.write(f"{result.chain}: BROKEN, not anchored ({result.detail})")
            elif result.status == "empty":
                self.stdout.write(f"{result.chain}: no events, nothing to anchor")
            else:
                self.stdout.write(f"{result.chain}: {result.status} at event #{result.sequence}")
        broken = sum(r.status == "broken" for r in results)
        if broken:
            raise CommandError(f"{broken} of {len(results)} audit chains are broken and were not anchored.")
        self.stdout.write(self.style.SUCCESS(f"All {len(results)} audit chains are anchored."))

    def verify(self, project):
        if project:
            # the project model the events point at, without the kernel importing the projects app
            Project = AuditEvent._meta.get_field("project").related_model
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
                self.stdout.write(f"{chain}: intact ({report.events} events, {report.anchors} anchors)")
            else:
                broken += 1
                self.stdout.write(f"{chain}: BROKEN at event #{report.first_broken}: {report.reason}")
        if broken:
            raise CommandError(f"{broken} of {len(chains)} audit chains are broken.")
        self.stdout.write(self.style.SUCCESS(f"All {len(chains)} audit chains are intact."))
