"""Load the demo data once: each app's demo.py in the order plumbline.demo.DEMOS names, then print the logins."""

from django.core.management.base import BaseCommand

from plumbline import demo


class Command(BaseCommand):
    help = "Create the demo project and one user per persona (does nothing if already loaded)."

    def handle(self, *args, **options):
        created = demo.load()
        self.stdout.write("Demo data loaded." if created else "Demo data already present.")
        self.stdout.write(
            f"Sign in at http://127.0.0.1:8000/login/ with any of these (password for all: {demo.PASSWORD}):"
        )
        for username, description in demo.LOGINS:
            self.stdout.write(f"  {username:<22} {description}")
