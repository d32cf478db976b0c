"""Supervisors manage API clients and their keys in the admin. A new key is shown once, then only its prefix.

A key's hash is in no admin page, and no admin URL may filter on it (`?key_hash__startswith=…` would
let anyone who lists keys guess a hash one character at a time)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from api.models import ApiClient, ApiKey, Scope, Send
from api.services import api_client_revoke, api_key_create, api_key_revoke

HIDDEN_FIELD = "key_hash"


class KeyHashHiddenMixin:
    """Refuse any changelist lookup that reaches a key's hash (Django allows lookups on any local field)."""

    def lookup_allowed(self, lookup, value, request=None):
        if HIDDEN_FIELD in lookup.split("__"):
            return False
        return super().lookup_allowed(lookup, value, request)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = ApiClient
        fields = ("name", "scopes", "expires_at", "rate_limit_per_minute")


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ("prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # keys are made by the "create a key" action, which shows the key once


@admin.register(ApiClient)
class ApiClientAdmin(KeyHashHiddenMixin, admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "scope_list", "expires_at", "revoked_at", "last_used")
    search_fields = ("name",)
    inlines = [ApiKeyInline]
    actions = ["create_key", "revoke_clients"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_used_at=Max("keys__last_used_at"))

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes or [])

    @admin.display(description=_("last use"), ordering="last_used_at")
    def last_used(self, obj: ApiClient):
        return obj.last_used_at

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            self._key_show(request, obj)

    @admin.action(description=_("Create a new key (at most two active per client)"), permissions=["change"])
    def create_key(self, request, queryset):
        for client in queryset:
            self._key_show(request, client)

    @admin.action(description=_("Revoke the selected clients (every key stops working)"), permissions=["change"])
    def revoke_clients(self, request, queryset):
        for client in queryset:
            api_client_revoke(client=client)

    def _key_show(self, request, client: ApiClient) -> None:
        from django.core.exceptions import ValidationError

        try:
            _api_key, key = api_key_create(client=client)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return
        self.message_user(
            request,
            _("New key for %(client)s, shown only this once: %(key)s") % {"client": client.name, "key": key},
            level=messages.WARNING,
        )


@admin.register(ApiKey)
class ApiKeyAdmin(KeyHashHiddenMixin, admin.ModelAdmin):
    list_display = ("prefix", "client", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("client",)
    fields = ("prefix", "client", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "client", "created_at", "revoked_at", "last_used_at")
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    list_display = ("customer", "topic", "channel", "sent_at", "client", "ai_generated")
    list_filter = ("channel", "client")
    list_select_related = ("customer", "topic", "client")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
