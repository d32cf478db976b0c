"""The preference document as the API answers it (reads, changes, upserts, lists): output serializers
that describe the answers in the schema. The representation itself is built by api.representations."""

from datetime import UTC

from rest_framework import serializers

from api.fields import StrictCharField
from preferences.domain import AiLevel, AssistanceMode, ChannelCode, ContactPointKind, DeliveryMode, SubscriptionStatus


class ContactPointOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ContactPointKind.choices)
    phone_type = StrictCharField(allow_blank=True)
    verified = serializers.BooleanField()
    value = StrictCharField(required=False, help_text="Only with the contact_points:read scope.")


class SettingsOutSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=["fr", "en"])
    channel_ranking = serializers.ListField(
        child=serializers.ChoiceField(choices=ChannelCode.choices),
        help_text="Every channel, the customer's first choice first. A change may list only the first ones "
        "(`customer.channel_ranking: [\"postal\"]`): the others follow in the default order, and a ranking that "
        "reads the same as the current one changes nothing.",
    )
    ai_default = serializers.ChoiceField(choices=AiLevel.choices)
    assistance_mode = serializers.ChoiceField(choices=AssistanceMode.choices)
    quiet_hours_start = StrictCharField(allow_null=True, help_text="HH:MM, local time")
    quiet_hours_end = StrictCharField(allow_null=True, help_text="HH:MM, local time")
    time_zone = StrictCharField()
    weekly_marketing_cap = serializers.IntegerField(allow_null=True)
    large_print = serializers.BooleanField()
    plain_text_email = serializers.BooleanField()
    easy_read = serializers.BooleanField()
    marketing_objection = serializers.BooleanField()
    marketing_paused_until = serializers.DateTimeField(
        default_timezone=UTC,
        allow_null=True,
        help_text="Marketing paused until then (UTC); null when not paused. A moment already past pauses "
        "nothing: contact plans compare it with the time asked about. Set it with "
        "`customer.marketing_paused_until` (at most about six months ahead, null to resume).",
    )


class TopicSubscriptionOutSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ChannelCode.choices)
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices)


class TopicPreferencesOutSerializer(serializers.Serializer):
    code = StrictCharField()
    kind = StrictCharField()
    delivery_mode = serializers.ChoiceField(choices=DeliveryMode.choices, allow_null=True)
    paper_copy = serializers.BooleanField()
    ai_level = serializers.ChoiceField(choices=AiLevel.choices)
    subscriptions = TopicSubscriptionOutSerializer(many=True)


class PreferenceDocumentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = StrictCharField(allow_null=True)
    version = serializers.IntegerField(help_text="Also first in the ETag; send it back in If-Match to change.")
    first_name = StrictCharField(required=False, help_text="Only with the contact_points:read scope.")
    last_name = StrictCharField(required=False, help_text="Only with the contact_points:read scope.")
    settings = SettingsOutSerializer()
    topics = TopicPreferencesOutSerializer(many=True)
    contact_points = ContactPointOutSerializer(many=True)
    usable_channels = serializers.ListField(child=serializers.ChoiceField(choices=ChannelCode.choices))


class OptinConfirmationOutSerializer(serializers.Serializer):
    topic = StrictCharField()
    channel = serializers.ChoiceField(choices=ChannelCode.choices)
    status = serializers.ChoiceField(choices=[SubscriptionStatus.PENDING], help_text="Pending until confirmed.")
    sent = serializers.BooleanField(help_text="Whether a confirmation link was sent to the customer.")
    via = serializers.ChoiceField(
        choices=[ChannelCode.EMAIL, ChannelCode.SMS], allow_null=True, help_text="How it was sent; null when not sent."
    )
    reason = serializers.ChoiceField(
        choices=["no_verified_contact_point"],
        allow_null=True,
        help_text="Why it was not sent: no_verified_contact_point (no verified email address or mobile number, "
        "so nobody can confirm it). Null when sent.",
    )


class PreferencesChangeOutSerializer(PreferenceDocumentOutSerializer):
    confirmations = OptinConfirmationOutSerializer(
        many=True, help_text="One per subscription this change left pending confirmation (double opt-in)."
    )
