from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Browse and filter; nobody adds, changes or deletes a row here."""

    list_display = ("at", "actor_name", "action", "what", "patient_id", "address", "path")
    list_filter = ("action", "what", "at")
    search_fields = ("actor_name", "=patient_id", "path")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
