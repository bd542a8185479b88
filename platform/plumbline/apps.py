from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The platform itself as an app: its management commands and templates."""

    name = "plumbline"
    label = "platform"
    verbose_name = "Platform"

    def ready(self):
        from .core import limits

        limits.connect()  # no row is saved with text longer than its column (every app's models)
