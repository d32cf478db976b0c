"""The contact-plan endpoint (POST /api/v1/contact-plans): its input and answer serializers and its
view; the deciding is the core's (preferences.plans)."""

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from api.fields import OffsetDateTimeField, StrictBooleanField, StrictCharField, StrictIntegerField
from api.models import Scope
from api.representations import plan_representation
from api.schema import problems
from api.selectors import marketing_sends_column, marketing_sends_get
from api.serializers import MAX_BATCH, MAX_ID, PLAN_HORIZON, StrictSerializer, TopicCodeField
from api.views import ApiView, personal_data_allowed
from preferences.catalog import catalog_get
from preferences.domain import AiLevel, AssistanceMode, ChannelCode, DeliveryMode
from preferences.plans import contact_plans_decide


class ContactPlanRequestSerializer(StrictSerializer):
    exactly_one_of = ("customer_ids", "external_ids")

    topic = TopicCodeField()
    ai_generated = StrictBooleanField(required=False, default=False)
    at = OffsetDateTimeField(required=False, help_text="When the message would go; now when absent.")
    customer_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=False,
        min_length=1,
        max_length=MAX_BATCH,
    )
    external_ids = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, allow_empty=False, min_length=1, max_length=MAX_BATCH
    )

    def validate_at(self, value):
        if abs(value - timezone.now()) > PLAN_HORIZON:
            raise serializers.ValidationError(_("Ask about a moment within a year of now."))
        return value

    def validate(self, attrs: dict) -> dict:
        if ("customer_ids" in attrs) == ("external_ids" in attrs):
            raise serializers.ValidationError(_("Give either customer_ids or external_ids (up to 1,000)."))
        return attrs


class PlannedChannelOutSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ChannelCode.choices)
    contact_point_id = serializers.IntegerField(allow_null=True)
    address = StrictCharField(required=False, help_text="Only with the contact_points:read scope.")


class DeferredChannelOutSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ChannelCode.choices)
    not_before = serializers.DateTimeField(default_timezone=UTC)
    reason = StrictCharField()


class AiRuleOutSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=AiLevel.choices)
    allowed = serializers.BooleanField(help_text="Whether AI-generated content may be sent at all.")
    requires_human_review = serializers.BooleanField()
    disclosure_required = serializers.BooleanField(help_text="Always true: AI use is always disclosed.")
    disclosure_text = StrictCharField(
        allow_null=True,
        help_text="The sentence to print in an AI-assisted message, in the customer's language. Given whatever "
        "`ai_generated` says (it is the customer's rule): a message written by people prints none.",
    )


class ContactPlanOutSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    external_id = StrictCharField(allow_null=True)
    language = StrictCharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(
        child=StrictCharField(),
        help_text="opted_out, pending_confirmation, no_verified_contact_point, quiet_hours, legal_call_window, "
        "frequency_cap, marketing_objection, marketing_paused (the customer paused marketing: next_allowed_at "
        "is the end of the pause when nothing else stands in the way), ai_not_allowed, no_allowed_time (no moment ever fits the customer's "
        "settings, e.g. quiet hours that cover the whole legal calling window: not a matter of time, so no "
        "next_allowed_at)",
    )
    delivery_mode = serializers.ChoiceField(choices=DeliveryMode.choices)
    channels = PlannedChannelOutSerializer(many=True, help_text="In the customer's order; first or all of them.")
    deferred = DeferredChannelOutSerializer(many=True, help_text="Chosen channels that may only be used later.")
    paper_copy = serializers.BooleanField()
    paper_copy_address = PlannedChannelOutSerializer(allow_null=True)
    ai = AiRuleOutSerializer()
    format_needs = serializers.ListField(child=serializers.ChoiceField(choices=["large_print", "plain_text_email", "easy_read"]))
    next_allowed_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True, help_text="When only time stands in the way.")
    assistance_mode = serializers.ChoiceField(
        choices=AssistanceMode.choices,
        help_text="human_first: route the customer to a person, not a bot; bot_ok: a chatbot first, a person on request.",
    )


@extend_schema_field(
    {"anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "items": {"type": "string"}}]}
)
class UnknownCustomersField(serializers.ListField):
    """The requested keys that found no customer, as they were given: integers (customer_ids) or strings
    (external_ids)."""


class ContactPlanResponseSerializer(serializers.Serializer):
    topic = StrictCharField()
    at = serializers.DateTimeField(default_timezone=UTC)
    plans = ContactPlanOutSerializer(many=True)
    unknown_customers = UnknownCustomersField(
        help_text="The requested ids or external ids with no (or an erased) customer, as they were given: "
        "integers for `customer_ids`, strings for `external_ids`."
    )


class ContactPlanView(ApiView):
    required_scopes = {"POST": Scope.DECISIONS_READ}

    @extend_schema(
        operation_id="contact_plans_decide",
        summary="May these customers be contacted about a topic, how, and with AI or not?",
        description="For one customer or up to 1,000: allowed or not and why, the channels in the customer's order "
        "(`first` or `all`), paper copy, the AI rule with the disclosure sentence in the customer's language, format "
        "needs, and `next_allowed_at` when only time stands in the way. Addresses need contact_points:read. "
        "Costs the same few queries whatever the batch size.",
        request=ContactPlanRequestSerializer,
        responses={200: ContactPlanResponseSerializer, **problems(400, 415)},
        examples=[
            OpenApiExample(
                "An AI-drafted offer",
                value={"topic": "offers", "ai_generated": True, "external_ids": ["CRM-000123"]},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = ContactPlanRequestSerializer.validated(request.data)
        return Response(contact_plans_answer(data, personal=personal_data_allowed(request)))


def contact_plans_answer(data: dict, *, personal: bool) -> dict:
    """The answer to a validated plan request (this view's, and api.fast_path's for the ordinary one)."""
    at = data.get("at") or timezone.now()
    topic = catalog_get().topics_by_code[data["topic"]]
    answer = contact_plans_decide(
        topic=topic,
        ai_generated=data["ai_generated"],
        at=at,
        customer_ids=data.get("customer_ids", ()),
        external_ids=data.get("external_ids", ()),
        marketing_sends_get=marketing_sends_get,
        marketing_sends_column=marketing_sends_column,
    )
    plans = [plan_representation(item.plan, external_id=item.external_id, personal=personal) for item in answer.plans]
    # Plain data in the shape of ContactPlanResponseSerializer (the schema), without its fields; the unknown
    # keys echoed as the request gave them (integers or strings).
    return {"topic": topic.code, "at": at, "plans": plans, "unknown_customers": list(answer.unknown)}

