"""Supervisors register endpoints (the secret is shown once), read the delivery log with its attempts,
and replay deliveries: selected ones, or every failed and dead one of an endpoint in the last days."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_supervisor
from outbox.events import EventType
from outbox.models import OutboxEvent
from preferences.catalog import catalog_get
from webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_update,
    webhook_topics_clean,
    webhook_url_check,
)
from webhooks.models import (
    DeliveryAttempt,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
    delivery_error_text,
)
from webhooks.replay import deliveries_replay_range, delivery_replay

REPLAY_RANGE = timedelta(days=7)


class SupervisorsOnly:
    """Webhook configuration is for supervisors (and superusers), whatever the model permissions say."""

    def has_module_permission(self, request):
        return is_supervisor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_supervisor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_supervisor(request.user)

    def has_add_permission(self, request, *args):
        return is_supervisor(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_supervisor(request.user)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.MultipleChoiceField(
        label=_("topics"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only events about these topics, and events about no topic. None ticked: every topic."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "topics", "is_enabled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The catalogue as it is now (supervisors edit topics); a topic removed since stays listed.
        codes = [topic.code for topic in catalog_get().topics] + list(self.instance.topics or [])
        names = {topic.code: topic.name for topic in catalog_get().topics}
        self.fields["topics"].choices = [(code, names.get(code, code)) for code in dict.fromkeys(codes)]

    def clean(self):
        data = super().clean()
        # The rules (URL allowed, event types known) are the service's: ask it without saving.
        if data.get("url") and (self.instance.pk is None or data["url"] != self.instance.url):
            try:
                webhook_url_check(data["url"])
            except ValidationError as error:
                self.add_error("url", error.message_dict["url"])
        try:
            data["topics"] = webhook_topics_clean(data.get("topics"))
        except ValidationError as error:
            self.add_error("topics", error.message_dict["topics"])
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SupervisorsOnly, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "owner", "event_type_list", "topic_list", "is_enabled", "disabled_reason", "created_at")
    list_filter = ("is_enabled",)
    list_select_related = ("owner",)
    search_fields = ("url", "description")
    readonly_fields = ("owner", "disabled_reason", "disabled_at", "previous_secret_expires_at", "created_at")
    actions = ["replay_recent_failures", "disable_endpoints"]

    @admin.display(description=_("event types"))
    def event_type_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.event_types or [])

    @admin.display(description=_("topics"))
    def topic_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.topics or []) or str(_("every topic"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(
                endpoint=obj,
                url=data["url"],
                event_types=data["event_types"],
                topics=data["topics"],
                description=data["description"],
                is_enabled=data["is_enabled"],
            )
            return
        endpoint, secret = webhook_endpoint_create(
            url=data["url"],
            event_types=data["event_types"],
            topics=data["topics"],
            description=data["description"],
            created_by=request.user,
        )
        if not data["is_enabled"]:
            webhook_endpoint_disable(endpoint=endpoint, reason=DisabledReason.SUPERVISOR)
        obj.pk = endpoint.pk
        self.message_user(
            request,
            _("Signing secret of %(url)s, shown only this once: %(secret)s") % {"url": endpoint.url, "secret": secret},
            level=messages.WARNING,
        )

    def delete_model(self, request, obj):
        webhook_endpoint_delete(endpoint=obj)

    @admin.action(description=_("Replay failed and dead deliveries of the last 7 days"))
    def replay_recent_failures(self, request, queryset):
        now = timezone.now()
        for endpoint in queryset:
            try:
                count = deliveries_replay_range(endpoint=endpoint, since=now - REPLAY_RANGE, until=now)
            except ValidationError as error:
                self.message_user(request, f"{endpoint.url}: {' '.join(error.messages)}", level=messages.ERROR)
                continue
            self.message_user(request, _("%(url)s: %(count)s deliveries queued again.") % {"url": endpoint.url, "count": count})

    @admin.action(description=_("Disable the selected endpoints"))
    def disable_endpoints(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_disable(endpoint=endpoint, reason=DisabledReason.SUPERVISOR)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "latency_ms", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_supervisor(request.user)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SupervisorsOnly, admin.ModelAdmin):
    list_display = (
        "webhook_id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_latency_ms",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event__type", "endpoint")
    list_select_related = ("endpoint", "event")
    search_fields = ("webhook_id",)
    date_hierarchy = "created_at"
    fields = (
        "webhook_id",
        "endpoint",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error_text",
        "last_latency_ms",
        "delivered_at",
        "dead_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]

    @admin.display(description=_("event type"), ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    @admin.display(description=_("last error"))
    def last_error_text(self, obj: WebhookDelivery) -> str:
        return delivery_error_text(obj.last_error)

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay the selected deliveries (same webhook-id)"))
    def replay(self, request, queryset):
        replayed = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                delivery_replay(delivery=delivery)
                replayed += 1
            except ValidationError as error:
                self.message_user(request, f"{delivery.webhook_id}: {' '.join(error.messages)}", level=messages.ERROR)
        self.message_user(request, _("%(count)s deliveries queued again.") % {"count": replayed})


@admin.register(OutboxEvent)
class OutboxEventAdmin(SupervisorsOnly, admin.ModelAdmin):
    list_display = ("pk", "type", "created_at", "fanned_out_at")
    list_filter = ("type",)
    fields = ("type", "payload", "created_at", "fanned_out_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
