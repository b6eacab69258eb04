from django.contrib import admin

from workflow.models import AuditArchive, AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: audit rows are history."""

    list_display = [
        "created_at",
        "actor_label",
        "organization",
        "action",
        "object_repr",
        "from_state",
        "to_state",
        "outcome",
        "ip",
        "seq",
    ]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_label", "object_repr", "reason"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditArchive)
class AuditArchiveAdmin(admin.ModelAdmin):
    """Where the chain continues from after `archive_audit`: read-only, like the rows it stands for."""

    list_display = ["created_at", "first_seq", "last_seq", "row_count", "before", "file_name", "file_sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
