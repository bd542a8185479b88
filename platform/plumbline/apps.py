from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The platform itself as an app: its management commands and templates."""

    name = "plumbline"
    label = "platform"
    verbose_name = "Platform"
