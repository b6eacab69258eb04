from django.contrib import admin

from masters.models import Master, MasterExemption
from masters.services import master_admin_save


class MasterExemptionInline(admin.TabularInline):
    model = MasterExemption
    extra = 0
    # Decisions are recorded through the service, with their audit row; shown here, not edited.
    readonly_fields = ["granted", "reason", "decided_by", "decided_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Master)
class MasterAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "title", "organization", "region", "status", "certificate_number"]
    list_filter = ["status", "track", "tier", "title"]
    search_fields = ["name", "name_pinyin", "name_initials", "specialty", "certificate_number"]
    list_select_related = ["organization", "region"]
    autocomplete_fields = ["user", "organization", "region"]
    filter_horizontal = ["techniques"]
    # State and certificate change only through workflow.transition() (masters.services).
    readonly_fields = ["status", "certificate_number", "certified_at", "submitted_at", "name_pinyin", "name_initials"]
    inlines = [MasterExemptionInline]

    # A master comes from an application and its review, and holds certificates and apprentices:
    # the administration neither makes one out of nothing nor deletes one.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # changed_data names the techniques too when their list changed (saved just after, by Django).
    def save_model(self, request, obj, form, change):
        master_admin_save(master=obj, changed=list(form.changed_data), actor=request.user)
