"""Human-contact requests through the API: a chatbot's "talk to a human", with the conversation so far.
Create, list, read (to follow it); only a person (a member of staff) can complete one. A client sees the
requests it created, no others."""

from datetime import UTC

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response

from api.access import customer_named_for_api_client
from api.fields import ExternalIdField, OffsetDateTimeField, QueryIntegerField, StrictCharField, StrictIntegerField
from api.models import ApiClient, Scope
from api.schema import location_header, problems
from api.serializers import (
    CUSTOMER_KEYS,
    MAX_ID,
    DistinctListField,
    StrictSerializer,
    TopicCodeField,
    customer_named_once,
)
from api.views import ApiView
from contact_requests.handoff import (
    BOT_NAME_MAX_LENGTH,
    MAX_TURNS,
    SUMMARY_MAX_LENGTH,
    TRANSCRIPT_MAX_CHARACTERS,
    TURN_TEXT_MAX_LENGTH,
    Conversation,
    ConversationTurn,
    contact_request_handoff,
    conversation_errors,
)
from contact_requests.models import (
    ContactRequest,
    ContactRequestStatus,
    ConversationSpeaker,
    CreatedByType,
    PreferredChannel,
    TimeSlot,
)
from contact_requests.services import (
    MAX_ACTIVE_PER_CUSTOMER,
    ContactRequestError,
    ContactRequestLimitReached,
    ContactRequestUnreachable,
    contact_request_create,
)
from preferences.catalog import catalog_get


class OpenRequestLimitReached(APIException):
    """409: the customer already has as many requests in progress as allowed; a state, not bad input."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "open_request_limit"

    def __init__(self, *, customer_id: int, count: int, limit: int):
        # The integrator's words (which customer, the limit, what the client can do), not the customer's page's.
        super().__init__(
            _(
                "Customer %(customer_id)s already has %(count)s requests in progress (open, assigned or scheduled); "
                "the limit is %(limit)s per customer. Create a new one once one of them is closed (completed, "
                "cancelled or marked unreachable), or tell the customer that a person will answer an earlier request."
            )
            % {"customer_id": customer_id, "count": count, "limit": limit}
        )


class ChannelUnreachable(APIException):
    """422: the customer has no usable contact point for the channel asked for (nobody could keep the
    promise); the problem lists the channels that would reach them."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "channel_unreachable"

    def __init__(self, *, channel: str, reachable: list[str]):
        super().__init__(
            _(
                "The customer cannot be reached by “%(channel)s”: they have no usable (verified) contact point "
                "for it. Channels that reach them: %(reachable)s."
            )
            % {"channel": channel, "reachable": ", ".join(reachable) or _("none")}
        )
        self.problem_extra = {"reachable_channels": reachable}


def contact_requests_for_api_client(*, client: ApiClient):
    """The requests this client created (access helper: one condition per line)."""
    return ContactRequest.objects.filter(
        created_by_type=CreatedByType.API_CLIENT,
        created_by_id=str(client.pk),
    ).select_related("topic", "customer")


class ConversationTurnSerializer(StrictSerializer):
    speaker = serializers.ChoiceField(choices=ConversationSpeaker.choices)
    text = StrictCharField(max_length=TURN_TEXT_MAX_LENGTH, trim_whitespace=False)
    time = OffsetDateTimeField(help_text="When it was said (with an offset; answered in UTC).")


class ConversationSerializer(StrictSerializer):
    bot_name = StrictCharField(max_length=BOT_NAME_MAX_LENGTH, help_text="The assistant that talked with the customer.")
    summary = StrictCharField(max_length=SUMMARY_MAX_LENGTH, required=False, allow_blank=True)
    transcript = ConversationTurnSerializer(
        many=True,
        required=False,
        max_length=MAX_TURNS,
        help_text=f"Oldest first, at most {MAX_TURNS} turns and {TRANSCRIPT_MAX_CHARACTERS} characters of text in all.",
    )

    def validate(self, data):
        conversation = conversation_from(data)
        errors = conversation_errors(conversation, now=timezone.now())
        if errors:
            raise ValidationError(errors)
        return conversation


def conversation_from(data: dict) -> Conversation:
    return Conversation(
        bot_name=data["bot_name"],
        summary=data.get("summary", ""),
        transcript=[ConversationTurn(**turn) for turn in data.get("transcript", [])],
    )


class ContactRequestInSerializer(StrictSerializer):
    exactly_one_of = CUSTOMER_KEYS

    customer_id = StrictIntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Our id of the customer.")
    external_id = ExternalIdField(required=False, help_text="Your id of the customer (instead of `customer_id`).")
    reason = StrictCharField(max_length=2000)
    preferred_channel = serializers.ChoiceField(choices=PreferredChannel.choices)
    topic = TopicCodeField(required=False)
    preferred_time_slots = DistinctListField(
        child=serializers.ChoiceField(choices=TimeSlot.choices), required=False, max_length=len(TimeSlot.values)
    )
    language = serializers.ChoiceField(choices=["fr", "en"], required=False)
    contested_decision = StrictCharField(
        max_length=2000, required=False, allow_blank=True, help_text="The automated decision contested (GDPR art. 22)."
    )
    conversation = ConversationSerializer(
        required=False,
        help_text="What the customer already told the chatbot (a transcript, a summary or both): the person who "
        "calls reads it first.",
    )

    def validate(self, attrs: dict) -> dict:
        return customer_named_once(attrs)


class ContactRequestOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    external_id = StrictCharField(
        source="customer.external_id", allow_null=True, help_text="Your id of the customer (null when it has none)."
    )
    topic = StrictCharField(source="topic.code", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ContactRequestStatus.choices)
    preferred_channel = serializers.ChoiceField(choices=PreferredChannel.choices)
    preferred_time_slots = serializers.ListField(child=serializers.ChoiceField(choices=TimeSlot.choices))
    language = StrictCharField()
    due_at = serializers.DateTimeField(default_timezone=UTC)
    scheduled_for = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    created_at = serializers.DateTimeField(default_timezone=UTC)
    closed_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)


class ConversationTurnOutSerializer(serializers.Serializer):
    speaker = serializers.ChoiceField(choices=ConversationSpeaker.choices)
    text = StrictCharField()
    time = serializers.DateTimeField(default_timezone=UTC)


class ConversationOutSerializer(serializers.Serializer):
    bot_name = StrictCharField()
    summary = StrictCharField()
    transcript = ConversationTurnOutSerializer(many=True)


class ContactRequestDetailOutSerializer(ContactRequestOutSerializer):
    conversation = serializers.SerializerMethodField()

    @extend_schema_field(ConversationOutSerializer(allow_null=True))
    def get_conversation(self, contact_request: ContactRequest):
        conversation = getattr(contact_request, "conversation", None)
        return None if conversation is None else ConversationOutSerializer(conversation).data


class ContactRequestPageSerializer(serializers.Serializer):
    contact_requests = ContactRequestOutSerializer(many=True)
    next_cursor = serializers.IntegerField(allow_null=True, help_text="Pass it as `before` for the next page.")


class ContactRequestQuerySerializer(StrictSerializer):
    customer_id = QueryIntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Only this customer's.")
    external_id = ExternalIdField(required=False, help_text="Only this customer's, found by your id.")
    before = QueryIntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Newest first: ids below it.")
    limit = QueryIntegerField(min_value=1, max_value=200, required=False, default=50)


class ContactRequestListCreateView(ApiView):
    required_scopes = {"GET": Scope.CONTACT_REQUESTS_READ, "POST": Scope.CONTACT_REQUESTS_WRITE}
    query_serializers = {"GET": ContactRequestQuerySerializer}

    @extend_schema(
        operation_id="contact_requests_list",
        summary="The human-contact requests this client created, newest first",
        parameters=[ContactRequestQuerySerializer],
        responses={200: ContactRequestPageSerializer, **problems(400)},
    )
    def get(self, request):
        # A plain dict: DRF would read an empty "?after=" from a QueryDict as "not given".
        query = ContactRequestQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        requests = contact_requests_for_api_client(client=request.user).order_by("-pk")
        if "customer_id" in data:
            requests = requests.filter(customer_id=data["customer_id"])
        if "external_id" in data:
            requests = requests.filter(customer__external_id=data["external_id"])
        if "before" in data:
            requests = requests.filter(pk__lt=data["before"])
        page = list(requests[: data["limit"] + 1])
        more = len(page) > data["limit"]
        page = page[: data["limit"]]
        body = {"contact_requests": page, "next_cursor": page[-1].pk if more else None}
        return Response(ContactRequestPageSerializer(body).data)

    @extend_schema(
        operation_id="contact_request_create",
        summary="Ask a person to contact the customer (e.g. a chatbot's “talk to a human”)",
        request=ContactRequestInSerializer,
        description="The customer is named by `customer_id` (our id) or by `external_id` (yours), exactly one of "
        "them: both, or neither, is a 400 naming both; a customer that does not exist (or was erased) is a 404. The "
        "answer gives both ids.\n\n"
        f"A customer has at most {MAX_ACTIVE_PER_CUSTOMER} requests in progress (open, assigned or "
        "scheduled): beyond, 409 until one is closed. A request on a channel for which the customer has no "
        "usable contact point (phone and messaging: a verified number, a mobile for messaging; email and video: "
        "a verified email address) is refused with 422 `channel_unreachable`, listing `reachable_channels`. "
        "`preferred_time_slots` (in the customer's time zone) may only name slots in which the support team works, "
        "as configured; another is refused with 400 naming `preferred_time_slots`. Without slots, a person "
        "contacts the customer at any time the team works.\n\n"
        "A chatbot hands over the `conversation` so far (its `bot_name`, a `summary`, the `transcript` oldest "
        f"first, or both): at most {MAX_TURNS} turns of {TURN_TEXT_MAX_LENGTH} characters, "
        f"{TRANSCRIPT_MAX_CHARACTERS} characters of transcript in all, a summary of {SUMMARY_MAX_LENGTH}; beyond, or "
        "with a turn dated in the future or out of order, 400. The person handling the request sees it in the "
        "console. Follow the request at its address (the answer's `Location`, `GET /api/v1/contact-requests/{id}`) "
        "or with the `contact_request.changed` webhook (sent at each change of status).",
        responses={201: ContactRequestDetailOutSerializer, **problems(400, 404, 409, 415, 422)},
        parameters=[location_header(201, description="The request's address: `/api/v1/contact-requests/{id}`.")],
        examples=[
            OpenApiExample(
                "From a chatbot",
                value={"customer_id": 42, "reason": "Wants to discuss a refused refund.", "preferred_channel": "phone",
                       "preferred_time_slots": ["weekday_morning"], "contested_decision": "Refund refused automatically",
                       "conversation": {
                           "bot_name": "Sam (assistant)",
                           "summary": "Refund of order 1234 refused; the customer wants a person to review it.",
                           "transcript": [
                               {"speaker": "customer", "text": "Why was my refund refused?", "time": "2026-03-02T09:14:05Z"},
                               {"speaker": "bot", "text": "I can put you in touch with an adviser.",
                                "time": "2026-03-02T09:14:07Z"},
                           ],
                       }},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = ContactRequestInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = customer_named_for_api_client(
            client=request.user, customer_id=data.pop("customer_id", None), external_id=data.pop("external_id", None)
        )
        topic = catalog_get().topics_by_code[data.pop("topic")] if "topic" in data else None
        conversation = data.pop("conversation", None)
        fields = {"customer": customer, "topic": topic, "created_by_type": CreatedByType.API_CLIENT,
                  "actor_id": str(request.user.pk), **data}
        try:
            if conversation is None:
                contact_request = contact_request_create(**fields)
            else:
                contact_request = contact_request_handoff(conversation=conversation, **fields)
        except ContactRequestLimitReached as error:
            raise OpenRequestLimitReached(customer_id=customer.pk, count=error.count, limit=error.limit) from None
        except ContactRequestUnreachable as error:
            raise ChannelUnreachable(channel=error.channel, reachable=error.reachable) from None
        except ContactRequestError as error:
            raise ValidationError(error.message_dict) from None
        response = Response(ContactRequestDetailOutSerializer(contact_request).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:contact-request-detail", kwargs={"contact_request_id": contact_request.pk})
        return response


class ContactRequestDetailView(ApiView):
    required_scopes = {"GET": Scope.CONTACT_REQUESTS_READ}

    @extend_schema(
        operation_id="contact_request_read",
        summary="A human-contact request this client created, to follow it",
        responses={200: ContactRequestDetailOutSerializer, **problems(404)},
    )
    def get(self, request, contact_request_id: int):
        if contact_request_id > MAX_ID:
            raise NotFound()
        contact_request = (
            contact_requests_for_api_client(client=request.user)
            .select_related("conversation")
            .filter(pk=contact_request_id)
            .first()
        )
        if contact_request is None:
            raise NotFound(_("No such request among those this client created."))
        return Response(ContactRequestDetailOutSerializer(contact_request).data)
