"""The supervision app: what the housing department (住建部门) does with a region's projects."""

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    label = "supervision"
    verbose_name = "Supervision"

    def ready(self):
        from . import signals  # noqa: F401  (connects the listeners to the lower apps' models)
