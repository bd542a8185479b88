from django.contrib import admin

from plumbline.core.admin_readonly import ReadOnlyAdmin

from .models import Organisation, Person, Project, ProjectMembership


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "credit_code", "kind", "region_code"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "qualification", "certificate_number"]
    search_fields = ["name", "user__username"]
    exclude = ["id_number"]


class MembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 0
    can_delete = False
    fields = ["person", "organisation", "role", "started_at", "ended_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "region_code", "stage", "design_service_life_years"]
    list_filter = ["stage"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]
