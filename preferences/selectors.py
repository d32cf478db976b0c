"""Reads. Each selector owns its queries and returns what the caller needs in a bounded number."""

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from preferences.domain import (
    CHANNEL_CONTACT_POINT,
    DEFAULT_CHANNEL_RANKING,
    MOBILE_ONLY_CHANNELS,
    ContactPointKind,
    PhoneType,
    SubscriptionStatus,
    TopicKind,
)
from preferences.models import Channel, ConsentEvent, ContactPoint, Customer, Notice, Subscription, Topic
from preferences.state import CUSTOMER_FIELDS, time_to_state

CATALOG_CACHE_KEY = "preferences:catalog:v1"
# Other processes see a supervisor's edit within this time even without a shared cache.
CATALOG_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Catalog:
    """Channels and topics: configuration, small and read on every request, so cached."""

    channels: list[Channel]
    topics: list[Topic]

    @property
    def channels_by_code(self) -> dict[str, Channel]:
        return {channel.code: channel for channel in self.channels}

    @property
    def topics_by_code(self) -> dict[str, Topic]:
        return {topic.code: topic for topic in self.topics}


def catalog_get() -> Catalog:
    catalog = cache.get(CATALOG_CACHE_KEY)
    if catalog is None:
        catalog = Catalog(channels=list(Channel.objects.all()), topics=list(Topic.objects.all()))
        cache.set(CATALOG_CACHE_KEY, catalog, CATALOG_CACHE_SECONDS)
    return catalog


def catalog_invalidate() -> None:
    cache.delete(CATALOG_CACHE_KEY)


@dataclass
class PreferenceDocument:
    """Everything a customer chose, with the catalogue needed to read it."""

    customer: Customer
    contact_points: list[ContactPoint]
    subscriptions: dict[tuple[str, str], str]
    catalog: Catalog
    _usable: set[str] | None = field(default=None, repr=False)

    # --- Effective values (stored choice, or the default).
    def subscription_status(self, topic: Topic, channel: str) -> str:
        stored = self.subscriptions.get((topic.code, channel))
        if stored is not None:
            return stored
        if self.customer.marketing_objection and topic.kind == TopicKind.MARKETING:
            return SubscriptionStatus.OUT
        return SubscriptionStatus.IN if channel in topic.default_channels else SubscriptionStatus.OUT

    def topic_setting(self, topic: Topic, name: str) -> Any:
        stored = (self.customer.topic_settings or {}).get(topic.code, {}).get(name)
        if stored is not None:
            return stored
        if name == "ai_level":
            return self.customer.ai_default
        if name == "delivery_mode":
            return "first" if topic.has_delivery_mode else None
        if name == "paper_copy":
            return False
        return None

    def ranking(self) -> list[str]:
        stored = [code for code in (self.customer.channel_ranking or []) if code in DEFAULT_CHANNEL_RANKING]
        return stored + [code for code in DEFAULT_CHANNEL_RANKING if code not in stored]

    def usable_channels(self) -> set[str]:
        """Channels the customer can be reached on: each needs a usable contact point."""
        if self._usable is None:
            usable: set[str] = set()
            for channel, kind in CHANNEL_CONTACT_POINT.items():
                for point in self.contact_points:
                    if point.kind != kind or not point.is_usable:
                        continue
                    if channel in MOBILE_ONLY_CHANNELS and point.phone_type != PhoneType.MOBILE:
                        continue
                    usable.add(channel)
            self._usable = usable
        return self._usable

    def contact_point_for(self, channel: str) -> ContactPoint | None:
        kind = CHANNEL_CONTACT_POINT[channel]
        for point in self.contact_points:
            if point.kind == kind and point.is_usable:
                if channel in MOBILE_ONLY_CHANNELS and point.phone_type != PhoneType.MOBILE:
                    continue
                return point
        return None

    # --- The flat stored state (see preferences.state).
    def state(self) -> dict[str, Any]:
        customer = self.customer
        state: dict[str, Any] = {}
        for name in CUSTOMER_FIELDS:
            value = getattr(customer, name)
            if name in ("quiet_hours_start", "quiet_hours_end"):
                value = time_to_state(value)
            state[f"customer.{name}"] = value
        for topic_code, settings in (customer.topic_settings or {}).items():
            for name, value in settings.items():
                if value is not None:
                    state[f"topic.{topic_code}.{name}"] = value
        for (topic_code, channel), status in self.subscriptions.items():
            state[f"subscription.{topic_code}.{channel}"] = status
        for point in self.contact_points:
            state[f"contact_point.{point.pk}"] = contact_point_state(point)
        return state


def contact_point_state(point: ContactPoint) -> dict[str, Any]:
    return {
        "kind": point.kind,
        "value": point.value,
        "phone_type": point.phone_type,
        "verified": point.verified_at is not None,
    }


def preference_document_build(customer: Customer) -> PreferenceDocument:
    """The document of an already loaded customer: two more queries (subscriptions, contact points)."""
    subscriptions = {
        (topic_code, channel): status
        for topic_code, channel, status in Subscription.objects.filter(customer_id=customer.pk).values_list(
            "topic__code", "channel", "status"
        )
    }
    contact_points = list(ContactPoint.objects.filter(customer_id=customer.pk))
    return PreferenceDocument(
        customer=customer, contact_points=contact_points, subscriptions=subscriptions, catalog=catalog_get()
    )


def preference_document_get(*, customer_id: int) -> PreferenceDocument:
    """A customer's whole preference document in three queries (the catalogue is cached)."""
    customer = Customer.objects.select_related("user").get(pk=customer_id)
    return preference_document_build(customer)


def customer_get_for_user(*, user) -> Customer | None:
    """The customer record of a signed-in person, or None (staff have none)."""
    if not user.is_authenticated:
        return None
    return Customer.objects.filter(user=user, erased_at__isnull=True).first()


def consent_events_for_customer(*, customer_id: int) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(customer_id=customer_id).order_by("-id")


def notice_versions_current() -> dict[str, int | None]:
    """The version in force of each notice, recorded with every consent event."""
    versions: dict[str, int | None] = {kind: None for kind in Notice.Kind.values}
    for kind, version in Notice.objects.order_by("kind", "-version").values_list("kind", "version"):
        if versions.get(kind) is None:
            versions[kind] = version
    return versions


def notice_current(*, kind: str) -> Notice | None:
    return Notice.objects.filter(kind=kind).order_by("-version").first()


def contact_points_of_kind(document: PreferenceDocument, kind: ContactPointKind) -> list[ContactPoint]:
    return [point for point in document.contact_points if point.kind == kind]
