from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "plumbline.audit"
    label = "audit"
    verbose_name = "Audit trail"
