"""Load the demo data once: each app's demo.py in the order plumbline.demo.DEMOS names, then print the logins."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from plumbline import demo


class Command(BaseCommand):
    help = "Create the demo project and one user per persona (does nothing if already loaded)."

    def handle(self, *args, **options):
        created = demo.load()
        self.stdout.write(_("Demo data loaded.") if created else _("Demo data already present."))
        self.stdout.write(
            _("Sign in at %(url)s with any of these (password for all: %(password)s):")
            % {"url": f"{settings.SITE_URL}/login/", "password": demo.PASSWORD}
        )
        for username, description in demo.LOGINS:
            self.stdout.write(f"  {username:<22} {description}")
