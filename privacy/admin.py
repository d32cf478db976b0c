"""Four-eyes approvals of exports and erasures in the admin: a read-only record for supervisors (asked
and decided only in the console, through privacy.approvals, which records each step in the ledger)."""

from django.contrib import admin

from privacy.models import DataRightsApproval


@admin.register(DataRightsApproval)
class DataRightsApprovalAdmin(admin.ModelAdmin):
    """Never added, changed nor deleted here: who asked, who decided, when and why stays as it was."""

    list_display = ("pk", "kind", "status", "customer", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("kind", "status")
    list_select_related = ("customer", "requested_by", "decided_by")
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
