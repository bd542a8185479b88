from django.apps import AppConfig


class AcceptanceConfig(AppConfig):
    name = "acceptance"
    label = "acceptance"
    verbose_name = "Acceptance (GB 50300)"
