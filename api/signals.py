"""Keys and clients are cached for authentication (api.selectors.api_key_get): any change to either,
from a service, the admin or a shell, clears their entries at once and again once committed (a request
in between could have cached the old row)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from api.models import ApiClient, ApiKey
from api.selectors import API_KEY_RECENT, api_key_cache_key
from common.memo import shared_forget


def _forget(prefixes: list[str]) -> None:
    for prefix in prefixes:
        API_KEY_RECENT.forget(prefix)
    shared_forget(*(api_key_cache_key(prefix) for prefix in prefixes))


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="api_key_forget")
def api_key_forget(sender, instance: ApiKey, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) == {"last_used_at"}:
        return  # the last use is not read from the cache
    _forget([instance.prefix])


@receiver([post_save, post_delete], sender=ApiClient, dispatch_uid="api_client_forget")
def api_client_forget(sender, instance: ApiClient, **kwargs) -> None:
    _forget(list(ApiKey.objects.filter(client_id=instance.pk).values_list("prefix", flat=True)))
