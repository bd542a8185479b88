from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "acceptance.materials"
    label = "materials"
    verbose_name = "Building materials"

    def ready(self):
        from .sampling import rules

        rules()  # a broken MATERIAL_SAMPLING_RULES file fails at start, not on the first batch
