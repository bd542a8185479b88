"""`plumbline audit verify [--project CODE]`: recompute hash chains and compare them with their
anchors, naming the first broken event; `plumbline audit anchor`: write each chain's signed head
to object storage (the daily beat task does the same)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("The anchors could not be read or written: %(reason)s") % {"reason": exc}) from None

    def anchor(self):
        results = anchor_chains()
        for result in results:
            if result.status == "broken":
                self.stdout.write(
                    _("%(chain)s: BROKEN, not anchored (%(detail)s)") % {"chain": result.chain, "detail": result.detail}
                )
            elif result.status == "empty":
                self.stdout.write(_("%(chain)s: no events, nothing to anchor") % {"chain": result.chain})
            else:
                status = _("anchored") if result.status == "anchored" else _("unchanged")
                self.stdout.write(
                    _("%(chain)s: %(status)s at event #%(sequence)s")
                    % {"chain": result.chain, "status": status, "sequence": result.sequence}
                )
        broken = sum(r.status == "broken" for r in results)
        if broken:
            raise CommandError(
                _("%(broken)d of %(count)d audit chains are broken and were not anchored.")
                % {"broken": broken, "count": len(results)}
            )
        self.stdout.write(self.style.SUCCESS(_("All %(count)d audit chains are anchored.") % {"count": len(results)}))

    def verify(self, project):
        if project:
            # the project model the events point at, without the kernel importing the projects app
            Project = AuditEvent._meta.get_field("project").related_model
            found = Project.objects.filter(code=project).first()
            if found is None:
                raise CommandError(_("No project %(code)s.") % {"code": repr(project)})
            chains = [chain_of(found)]
        else:
            chains = list_chains()
        broken = 0
        for chain in chains:
            report = verify_chain(chain)
            if report.is_intact:
                self.stdout.write(
                    _("%(chain)s: intact (%(events)d events, %(anchors)d anchors)")
                    % {"chain": chain, "events": report.events, "anchors": report.anchors}
                )
            else:
                broken += 1
                self.stdout.write(
                    _("%(chain)s: BROKEN at event #%(sequence)s: %(reason)s")
                    % {"chain": chain, "sequence": report.first_broken, "reason": report.reason}
                )
        if broken:
            raise CommandError(
                _("%(broken)d of %(count)d audit chains are broken.") % {"broken": broken, "count": len(chains)}
            )
        self.stdout.write(self.style.SUCCESS(_("All %(count)d audit chains are intact.") % {"count": len(chains)}))
