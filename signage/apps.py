from django.apps import AppConfig


class SignageConfig(AppConfig):
    name = "signage"
    label = "signage"
    verbose_name = "Permanent signs"

    def ready(self):
        from .materials import accepted_materials

        accepted_materials()  # a configured extra repeating a built-in code fails at start
