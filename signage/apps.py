from django.apps import AppConfig


class SignageConfig(AppConfig):
    name = "signage"
    label = "signage"
    verbose_name = "Permanent signs"
