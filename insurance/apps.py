from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "insurance"
    label = "insurance"
    verbose_name = "Insurance"
