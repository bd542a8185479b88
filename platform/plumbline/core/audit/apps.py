from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "plumbline.core.audit"
    label = "audit"
    verbose_name = "Audit trail"
