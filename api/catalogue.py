"""The catalogue for other systems (GET /api/v1/topics, GET /api/v1/channels): what topics and channels
exist, their kinds, names in French and English, allowed and default channels, so that a CRM can build
its own screens. Configuration, no personal data; answered with a strong ETag (api.conditional)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from api.conditional import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    conditional_response,
    representation_etag,
    representation_render,
)
from api.models import Scope
from api.schema import problems
from api.views import ApiView
from preferences.catalog import Catalog, catalog_get
from preferences.domain import (
    CHANNEL_CONTACT_POINT,
    MOBILE_ONLY_CHANNELS,
    PRIOR_OPTIN_CHANNELS,
    QUIET_HOURS_CHANNELS,
    ChannelCode,
    ContactPointKind,
    TopicKind,
    channel_contact_point_kinds,
)


class BilingualTextSerializer(serializers.Serializer):
    fr = serializers.CharField(allow_blank=True)
    en = serializers.CharField(allow_blank=True)


class ChannelOutSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ChannelCode.choices)
    name = BilingualTextSerializer()
    order = serializers.IntegerField(help_text="Display order, smallest first.")
    contact_point_kind = serializers.ChoiceField(
        choices=ContactPointKind.choices, help_text="The verified contact point the channel needs to be usable."
    )
    contact_point_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactPointKind.choices),
        help_text="Every kind of contact point the channel can use, the one it prefers first (messaging: a "
        "messaging account, else a mobile number).",
    )
    mobile_only = serializers.BooleanField(help_text="Only a mobile number will do (not a landline).")
    prior_opt_in = serializers.BooleanField(
        help_text="French law requires prior opt-in for marketing on it (CPCE L34-5; phone since 11 August 2026). "
        "False: marketing is opt-out (postal mail)."
    )
    quiet_hours_apply = serializers.BooleanField(help_text="The customer's quiet hours hold on it.")
    footprint_g_co2e = serializers.FloatField(help_text="Estimated footprint of one message, in grams of CO2e.")
    footprint_source = serializers.CharField(allow_blank=True, help_text="Where the estimate comes from.")


class ChannelListSerializer(serializers.Serializer):
    channels = ChannelOutSerializer(many=True)


class TopicOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=TopicKind.choices)
    name = BilingualTextSerializer()
    description = BilingualTextSerializer()
    order = serializers.IntegerField(help_text="Display order, smallest first.")
    allowed_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ChannelCode.choices), help_text="Channels it may be sent on."
    )
    default_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ChannelCode.choices),
        help_text="Channels on for a customer who never chose (never a prior-opt-in channel for marketing).",
    )
    paper_copy_available = serializers.BooleanField(help_text="Customers may ask for a paper copy by post.")
    has_delivery_mode = serializers.BooleanField(
        help_text="Customers choose `first` or `all` channels for it (critical and service topics)."
    )
    messages_per_month = serializers.FloatField(help_text="Expected messages a month (for the footprint estimate).")


class TopicListSerializer(serializers.Serializer):
    topics = TopicOutSerializer(many=True)


def channels_representation(catalog: Catalog) -> dict[str, Any]:
    return {
        "channels": [
            {
                "code": channel.code,
                "name": {"fr": channel.name_fr, "en": channel.name_en},
                "order": channel.order,
                "contact_point_kind": CHANNEL_CONTACT_POINT[channel.code],
                "contact_point_kinds": list(channel_contact_point_kinds(channel.code)),
                "mobile_only": channel.code in MOBILE_ONLY_CHANNELS,
                "prior_opt_in": channel.code in PRIOR_OPTIN_CHANNELS,
                "quiet_hours_apply": channel.code in QUIET_HOURS_CHANNELS,
                "footprint_g_co2e": float(channel.footprint_g_co2e),
                "footprint_source": channel.footprint_source,
            }
            for channel in catalog.channels
        ]
    }


def topics_representation(catalog: Catalog) -> dict[str, Any]:
    order = [channel.code for channel in catalog.channels]

    def in_channel_order(codes: list[str]) -> list[str]:
        return [code for code in order if code in set(codes or [])]

    return {
        "topics": [
            {
                "code": topic.code,
                "kind": topic.kind,
                "name": {"fr": topic.name_fr, "en": topic.name_en},
                "description": {"fr": topic.description_fr, "en": topic.description_en},
                "order": topic.order,
                "allowed_channels": in_channel_order(topic.allowed_channels),
                "default_channels": in_channel_order(topic.default_channels),
                "paper_copy_available": topic.paper_copy_available,
                "has_delivery_mode": topic.has_delivery_mode,
                "messages_per_month": float(topic.messages_per_month),
            }
            for topic in catalog.topics
        ]
    }


CATALOGUE_DESCRIPTION = (
    "Configuration that supervisors edit, in display order. The ETag is strong and changes with any edit: send it "
    "back in If-None-Match to be answered 304 Not Modified, with no body, while nothing changed."
)


class ChannelListView(ApiView):
    required_scopes = {"GET": Scope.CUSTOMERS_READ}

    @extend_schema(
        operation_id="channels_list",
        summary="The channels: codes, names in French and English, what each needs and its legal regime",
        description=CATALOGUE_DESCRIPTION,
        parameters=[IF_NONE_MATCH],
        responses={200: ChannelListSerializer, **NOT_MODIFIED, **problems()},
    )
    def get(self, request):
        body = channels_representation(catalog_get())
        content = representation_render(body)
        return conditional_response(request, content, etag=representation_etag(content))


class TopicListView(ApiView):
    required_scopes = {"GET": Scope.CUSTOMERS_READ}

    @extend_schema(
        operation_id="topics_list",
        summary="The topics: codes, kinds, names in French and English, allowed and default channels",
        description=CATALOGUE_DESCRIPTION,
        parameters=[IF_NONE_MATCH],
        responses={200: TopicListSerializer, **NOT_MODIFIED, **problems()},
    )
    def get(self, request):
        body = topics_representation(catalog_get())
        content = representation_render(body)
        return conditional_response(request, content, etag=representation_etag(content))
