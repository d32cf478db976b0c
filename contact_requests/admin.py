"""Configuration in the admin: supervisors set the service levels and the team's opening hours and
urgent number; requests are read-only there."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from contact_requests.models import (
    ContactRequest,
    ContactRequestConversation,
    OpeningPeriod,
    ServiceLevel,
    SupportTeam,
)


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ("name", "preferred_channel", "response_hours", "is_active")
    list_filter = ("is_active",)


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


@admin.register(SupportTeam)
class SupportTeamAdmin(admin.ModelAdmin):
    """One row (created by a migration): the hours scheduling and deadlines keep to, the urgent number."""

    list_display = ("__str__", "urgent_phone", "time_zone", "closed_on_public_holidays")
    inlines = [OpeningPeriodInline]

    def has_add_permission(self, request):
        return not SupportTeam.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ContactRequestConversationInline(admin.StackedInline):
    """The chatbot's conversation handed over with the request: read-only, written once by the hand-off."""

    model = ContactRequestConversation
    can_delete = False
    extra = 0
    max_num = 0
    fields = ("bot_name", "summary", "transcript_turns", "created_at")
    readonly_fields = fields

    @admin.display(description=_("transcript"))
    def transcript_turns(self, obj):
        turns = obj.transcript or []
        return format_html_join(
            "", "<p><strong>{}</strong> ({}) : {}</p>",
            ((turn.get("speaker", ""), turn.get("time", ""), turn.get("text", "")) for turn in turns),
        ) or "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change through the portal, the console or the API (services record events)."""

    list_display = ("pk", "customer", "status", "preferred_channel", "due_at", "assigned_to", "created_at")
    list_filter = ("status", "preferred_channel", "created_by_type")
    list_select_related = ("customer__user", "assigned_to")
    raw_id_fields = ("customer",)
    inlines = [ContactRequestConversationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
