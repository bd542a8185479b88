"""Admin pages that show domain records without a path around the audited actions."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the API's actions, which check rights and write the audit event."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
