from django.contrib import admin

from plumbline.core.admin_readonly import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail has no update or delete path, in code or here."""

    list_display = ["chain", "sequence", "created_at", "action", "actor_name", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["action", "actor_name", "target_id", "request_id"]
