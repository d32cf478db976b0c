"""Admin of the support console's configuration: the reason codes staff pick from."""

from django.contrib import admin

from support.models import ReasonCode


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label_fr", "label_en", "is_active", "order")
    list_filter = ("is_active",)

    def get_readonly_fields(self, request, obj=None):
        # Consent events keep the code, and the ledger shows its label through it: renamed, past
        # overrides would show a bare code. Fixed once created (a new code, and this one deactivated).
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # consent events refer to codes: deactivate one instead
