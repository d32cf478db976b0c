"""Configuration in the Django admin: supervisors edit channels' footprints, topics and notices."""

from django.contrib import admin

from preferences.catalog import catalog_invalidate
from preferences.models import Channel, ConsentEvent, Customer, Notice, Topic
from preferences.notices import notice_publish


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "footprint_g_co2e", "order")
    readonly_fields = ("code",)
    fields = ("code", "name_fr", "name_en", "order", "footprint_g_co2e", "footprint_source")

    def has_add_permission(self, request):
        return False  # the set of channels is fixed by the product

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalog_invalidate()


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "name_fr", "name_en", "allowed_channels", "default_channels", "order")
    list_filter = ("kind",)

    def get_readonly_fields(self, request, obj=None):
        # The code names the topic in customers' settings, the ledger's keys, webhook filters and
        # every API client's requests: renaming it would orphan all of them. Fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # customers' choices and the ledger refer to topics

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalog_invalidate()


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "published_at", "published_by")
    list_filter = ("kind",)
    readonly_fields = ("version", "published_at", "published_by")

    def has_change_permission(self, request, obj=None):
        return False  # a published version is never edited: publish a new one

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        published = notice_publish(kind=obj.kind, body_fr=obj.body_fr, body_en=obj.body_en, published_by=request.user)
        obj.pk, obj.version, obj.published_at = published.pk, published.version, published.published_at


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Read-only: customers' choices change through the portal, the console or the API."""

    list_display = ("id", "display_name", "external_id", "language", "version", "created_at")
    search_fields = ("external_id", "first_name", "last_name", "user__email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_id", "occurred_at", "key", "actor_type", "source")
    list_filter = ("source", "actor_type")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


