from django.contrib import admin

from plumbline.core.admin_readonly import ReadOnlyAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are created and revoked by their owners through the API; admins only look."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = [f for f in list_display if f != "user"] + ["user", "token_hash"]
