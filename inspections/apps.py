from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    label = "inspections"
    verbose_name = "Inspections"

    def ready(self):
        from bim.signals import version_ready

        from .tasks import on_version_ready

        version_ready.connect(on_version_ready, dispatch_uid="inspections.map_unmapped_global_ids")
