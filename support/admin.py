"""Admin of the support console's configuration: the reason codes staff pick from."""

from django.contrib import admin

from support.models import ReasonCode


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label_fr", "label_en", "is_active", "order")
    list_filter = ("is_active",)

    def has_delete_permission(self, request, obj=None):
        return False  # consent events refer to codes: deactivate one instead
