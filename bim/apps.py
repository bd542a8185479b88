from django.apps import AppConfig


class BimConfig(AppConfig):
    name = "bim"
    label = "bim"
    verbose_name = "BIM"
