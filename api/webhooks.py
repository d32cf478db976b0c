"""/api/v1/webhook-endpoints (scope webhooks:manage): a client registers and manages its own endpoints,
reads their delivery log and replays deliveries. Another client's endpoint is a 404."""

from datetime import UTC

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response

from api.fields import OffsetDateTimeField, QueryIntegerField, StrictBooleanField, StrictCharField
from api.models import ApiClient, Scope
from api.schema import location_header, problems
from api.serializers import MAX_ID, DistinctListField, NoBodySerializer, StrictSerializer, TopicCodeItemField
from api.views import ApiView
from outbox.events import EventType
from webhooks.endpoints import (
    EndpointDisabled,
    WebhookError,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
)
from webhooks.models import DeliveryAttempt, DeliveryStatus, DisabledReason, WebhookDelivery, WebhookEndpoint
from webhooks.replay import deliveries_replay_range, delivery_replay

MANAGE = {method: Scope.WEBHOOKS_MANAGE for method in ("GET", "POST", "PATCH", "DELETE")}
ATTEMPTS_SHOWN = 5


# --- Access helpers (one condition per line) ---------------------------------------------------------


def webhook_endpoint_get_for_api_client(*, client: ApiClient, endpoint_id: int) -> WebhookEndpoint:
    if endpoint_id > MAX_ID:
        raise NotFound()
    endpoint = WebhookEndpoint.objects.filter(
        pk=endpoint_id,
        owner=client,
    ).first()
    if endpoint is None:
        raise NotFound(_("No such endpoint among this client's."))
    return endpoint


def webhook_delivery_get_for_endpoint(*, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    if delivery_id > MAX_ID:
        raise NotFound()
    delivery = WebhookDelivery.objects.filter(
        pk=delivery_id,
        endpoint=endpoint,
    ).select_related("endpoint", "event").first()
    if delivery is None:
        raise NotFound(_("No such delivery for this endpoint."))
    return delivery


# --- Serializers -------------------------------------------------------------------------------------


TOPICS_HELP = (
    "Topic codes (GET /api/v1/topics): only events about these topics are sent, and events about no topic in "
    "particular (a change of language, an erasure, a ping). A change of preferences is about topics when every key "
    "it changed is a topic's; a contact request is about its topic. Empty or absent: every topic."
)


def topics_field(**kwargs) -> serializers.ListField:
    return DistinctListField(child=TopicCodeItemField(), max_length=100, help_text=TOPICS_HELP, **kwargs)


class EndpointInSerializer(StrictSerializer):
    url = StrictCharField(max_length=2000, help_text="https:// URL of a public address.")
    event_types = DistinctListField(child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=len(EventType.values))
    topics = topics_field(required=False, default=list)
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class EndpointChangeSerializer(StrictSerializer):
    url = StrictCharField(max_length=2000, required=False)
    event_types = DistinctListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=len(EventType.values), required=False
    )
    topics = topics_field(required=False)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    enabled = StrictBooleanField(required=False, help_text="Enabling an endpoint clears why it was disabled.")


class EndpointOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = StrictCharField()
    event_types = serializers.ListField(child=StrictCharField())
    topics = serializers.ListField(child=StrictCharField(), help_text="Empty: every topic.")
    description = StrictCharField()
    enabled = StrictBooleanField(source="is_enabled")
    disabled_reason = serializers.ChoiceField(
        choices=[("", "enabled"), *DisabledReason.choices],
        help_text="Why it was disabled, as a code: gone (the receiver answered 410 Gone), owner (disabled through "
        "this API), supervisor (disabled in the admin); empty while enabled.",
    )
    disabled_reason_text = StrictCharField(help_text="The same in words, in the language asked (Accept-Language).")
    disabled_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    created_at = serializers.DateTimeField(default_timezone=UTC)


class EndpointCreatedSerializer(EndpointOutSerializer):
    secret = StrictCharField(help_text="`whsec_…`: shown only in this answer. Verify signatures with it.")


class EndpointListSerializer(serializers.Serializer):
    webhook_endpoints = EndpointOutSerializer(many=True)


class AttemptOutSerializer(serializers.Serializer):
    attempted_at = serializers.DateTimeField(default_timezone=UTC)
    status_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField(allow_null=True)
    error = StrictCharField()


ROUND = "in the current round of attempts (since the delivery was made or last replayed)"


class DeliveryOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    webhook_id = StrictCharField(help_text="The `webhook-id` header: the same on every attempt and replay.")
    event_id = serializers.IntegerField()
    event_type = StrictCharField(source="event.type")
    event_created_at = serializers.DateTimeField(default_timezone=UTC, source="event.created_at")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField(help_text=f"Attempts {ROUND}.")
    next_attempt_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True, help_text=f"The receiver's status at the last attempt {ROUND}.")
    last_error = StrictCharField(
        source="last_error_text",
        help_text=f"What went wrong at the last attempt {ROUND}, in the language asked when the portal decided it.",
    )
    last_latency_ms = serializers.IntegerField(allow_null=True, help_text=f"The last attempt's latency {ROUND}.")
    delivered_at = serializers.DateTimeField(
        default_timezone=UTC, allow_null=True, help_text=f"When it succeeded, {ROUND}."
    )
    dead_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True, help_text=f"When it was dead-lettered, {ROUND}.")
    recent_attempts = AttemptOutSerializer(
        many=True,
        help_text=f"The last {ATTEMPTS_SHOWN} attempts at most, newest first, earlier rounds included: the log keeps "
        "every attempt, replays or not.",
    )


class DeliveryPageSerializer(serializers.Serializer):
    deliveries = DeliveryOutSerializer(many=True)
    next_cursor = serializers.IntegerField(allow_null=True, help_text="Pass it as `before` for the next page.")


class DeliveryQuerySerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    before = QueryIntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Newest first: ids below it.")
    limit = QueryIntegerField(min_value=1, max_value=200, required=False, default=50)


class ReplayRangeSerializer(StrictSerializer):
    since = OffsetDateTimeField(help_text="Events created at or after this time…")
    until = OffsetDateTimeField(help_text="…and before this one.")
    include_succeeded = StrictBooleanField(required=False, default=False)

    def validate(self, data):
        if data["until"] <= data["since"]:
            raise ValidationError({"until": _("The end of the range must come after its start.")})
        return data


class ReplayRangeResultSerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="Deliveries queued again (or made for events the endpoint missed).")


class EndpointDisabledConflict(APIException):
    """409: a ping or a replay of a disabled endpoint; the request is valid, the endpoint's state forbids it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "endpoint_disabled"


def _service_call(function, **kwargs):
    try:
        return function(**kwargs)
    except EndpointDisabled as error:
        raise EndpointDisabledConflict(" ".join(error.messages)) from None
    except WebhookError as error:
        raise ValidationError(error.message_dict) from None


# --- Views -------------------------------------------------------------------------------------------


class WebhookEndpointListCreateView(ApiView):
    required_scopes = MANAGE

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="This client's webhook endpoints",
        responses={200: EndpointListSerializer, **problems()},
    )
    def get(self, request):
        endpoints = WebhookEndpoint.objects.filter(owner=request.user).order_by("pk")
        return Response(EndpointListSerializer({"webhook_endpoints": endpoints}).data)

    @extend_schema(
        operation_id="webhook_endpoint_create",
        summary="Register an endpoint; the answer holds its signing secret, shown only this once",
        description="Deliveries are signed as Standard Webhooks says (`webhook-id`, `webhook-timestamp`, "
        "`webhook-signature`). Only https:// URLs of public addresses are accepted.",
        request=EndpointInSerializer,
        responses={201: EndpointCreatedSerializer, **problems(400, 415)},
        parameters=[location_header(201, description="The endpoint's address: `/api/v1/webhook-endpoints/{id}`.")],
        examples=[
            OpenApiExample(
                "A CRM listening to preference changes",
                value={"url": "https://crm.example.com/hooks/preferences", "event_types": ["customer.preferences_changed"]},
                request_only=True,
            ),
            OpenApiExample(
                "A mailer that only cares about its newsletter and offers",
                value={
                    "url": "https://mailer.example.com/hooks/consent",
                    "event_types": ["customer.preferences_changed", "customer.erased"],
                    "topics": ["newsletter", "offers"],
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = EndpointInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = _service_call(webhook_endpoint_create, owner=request.user, **serializer.validated_data)
        endpoint.secret = secret  # on this answer only; never stored in clear
        response = Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:webhook-endpoint-detail", kwargs={"endpoint_id": endpoint.pk})
        return response


class WebhookEndpointDetailView(ApiView):
    required_scopes = MANAGE

    @extend_schema(operation_id="webhook_endpoint_read", summary="One endpoint", responses={200: EndpointOutSerializer, **problems(404)})
    def get(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        return Response(EndpointOutSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoint_change",
        summary="Change an endpoint's URL, event types, topics or description, or enable/disable it",
        request=EndpointChangeSerializer,
        responses={200: EndpointOutSerializer, **problems(400, 404, 415)},
    )
    def patch(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        serializer = EndpointChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "enabled" in data:
            data["is_enabled"] = data.pop("enabled")
        endpoint = _service_call(webhook_endpoint_update, endpoint=endpoint, **data)
        return Response(EndpointOutSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoint_delete",
        summary="Delete an endpoint and its delivery log; the answer is the endpoint as it was",
        responses={200: EndpointOutSerializer, **problems(404)},
    )
    def delete(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        body = EndpointOutSerializer(endpoint).data
        webhook_endpoint_delete(endpoint=endpoint)
        return Response(body)


class WebhookDeliveryListView(ApiView):
    required_scopes = MANAGE
    query_serializers = {"GET": DeliveryQuerySerializer}

    @extend_schema(
        operation_id="webhook_deliveries_list",
        summary="An endpoint's deliveries, newest first, with their last attempts",
        parameters=[DeliveryQuerySerializer],
        responses={200: DeliveryPageSerializer, **problems(400, 404)},
    )
    def get(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        query = DeliveryQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-pk")
        if "status" in data:
            deliveries = deliveries.filter(status=data["status"])
        if "before" in data:
            deliveries = deliveries.filter(pk__lt=data["before"])
        page = list(
            deliveries.prefetch_related(
                Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("-attempted_at", "-pk"), to_attr="all_attempts")
            )[: data["limit"] + 1]
        )
        more = len(page) > data["limit"]
        page = page[: data["limit"]]
        for delivery in page:
            delivery.recent_attempts = delivery.all_attempts[:ATTEMPTS_SHOWN]
        body = {"deliveries": page, "next_cursor": page[-1].pk if more else None}
        return Response(DeliveryPageSerializer(body).data)


class WebhookDeliveryReplayView(ApiView):
    required_scopes = MANAGE

    @extend_schema(
        operation_id="webhook_delivery_replay",
        summary="Send one delivery again, with the same webhook-id and a fresh retry window",
        description="Whatever its status (a succeeded delivery too), the delivery starts a new round of attempts: "
        "the answer is that round as it stands, `pending` with `attempts: 0` and no `delivered_at`, `dead_at` or "
        "`last_*` yet (unless a quick worker already tried). Earlier attempts are not forgotten: they stay in "
        "`recent_attempts` and the delivery log. A disabled endpoint is a 409 (enable it first).",
        request=None,
        responses={200: DeliveryOutSerializer, **problems(400, 404, 409)},
    )
    def post(self, request, endpoint_id: int, delivery_id: int):
        NoBodySerializer(data=request.data or {}).is_valid(raise_exception=True)
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        delivery = webhook_delivery_get_for_endpoint(endpoint=endpoint, delivery_id=delivery_id)
        delivery = _service_call(delivery_replay, delivery=delivery)
        delivery.recent_attempts = list(delivery.attempt_log.all()[:ATTEMPTS_SHOWN])
        return Response(DeliveryOutSerializer(delivery).data)


class WebhookReplayRangeView(ApiView):
    required_scopes = MANAGE

    @extend_schema(
        operation_id="webhook_deliveries_replay_range",
        summary="Replay the failed and dead deliveries of a time range (and the events missed while disabled)",
        description="A disabled endpoint is a 409 (enable it first).",
        request=ReplayRangeSerializer,
        responses={200: ReplayRangeResultSerializer, **problems(400, 404, 409, 415)},
    )
    def post(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        serializer = ReplayRangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        replayed = _service_call(deliveries_replay_range, endpoint=endpoint, **serializer.validated_data)
        return Response({"replayed": replayed})
