"""/api/v1/webhook-endpoints/{id}/test and …/secret-rotation (scope webhooks:manage): a client sends a
signed test event to its own endpoint, and rotates its signing secret without downtime."""

from datetime import UTC, timedelta

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.fields import StrictCharField, StrictIntegerField
from api.schema import location_header, problems
from api.serializers import NoBodySerializer, StrictSerializer
from api.views import ApiView
from api.webhooks import (
    ATTEMPTS_SHOWN,
    MANAGE,
    DeliveryOutSerializer,
    _service_call,
    webhook_endpoint_get_for_api_client,
)
from webhooks.models import WebhookDelivery
from webhooks.rotation import MAX_GRACE_PERIOD, webhook_endpoint_ping, webhook_endpoint_secret_rotate

MAX_GRACE_HOURS = MAX_GRACE_PERIOD // timedelta(hours=1)


class SecretRotationSerializer(StrictSerializer):
    grace_period_hours = StrictIntegerField(
        min_value=0,
        max_value=MAX_GRACE_HOURS,
        required=False,
        default=24,
        help_text="How long the current secret keeps signing beside the new one (every delivery then carries "
        "both signatures). 0 revokes it at once, for a secret that leaked.",
    )


class SecretRotatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    secret = StrictCharField(help_text="The new `whsec_…`: shown only in this answer.")
    previous_secret_expires_at = serializers.DateTimeField(
        default_timezone=UTC, allow_null=True, help_text="Until when the replaced secret also signs; null: not at all."
    )


class WebhookEndpointTestView(ApiView):
    required_scopes = MANAGE

    @extend_schema(
        operation_id="webhook_endpoint_test",
        summary="Send a signed test event (`ping`) to the endpoint, as any delivery is sent",
        description='The body is `{"type": "ping", "timestamp", "data": {"endpoint_id", "test": true}}`, '
        "signed with every secret in force. 202: queued; the answer is the delivery as it stands (already "
        "`succeeded` or retried when a worker was quick), and `Location` is the endpoint's delivery log, where "
        "the receiver's answer appears. A failed ping is retried like any delivery. A disabled endpoint is a 409 "
        "(enable it first).",
        request=None,
        responses={202: DeliveryOutSerializer, **problems(400, 404, 409)},
        parameters=[
            location_header(
                202,
                description="The endpoint's delivery log, `/api/v1/webhook-endpoints/{id}/deliveries` (newest first), "
                "where this delivery shows with its attempts and the receiver's answers: no delivery has an address of "
                "its own. Find it there by the body's `id` (`?before=<id + 1>&limit=1` lists it alone).",
            )
        ],
    )
    def post(self, request, endpoint_id: int):
        NoBodySerializer(data=request.data or {}).is_valid(raise_exception=True)
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        delivery = _service_call(webhook_endpoint_ping, endpoint=endpoint)
        # The attempt may already have run (a quick worker, or in-process Celery): read what it left.
        delivery = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        delivery.recent_attempts = list(delivery.attempt_log.all()[:ATTEMPTS_SHOWN])
        response = Response(DeliveryOutSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api:webhook-deliveries", kwargs={"endpoint_id": endpoint.pk})
        return response


class WebhookSecretRotationView(ApiView):
    required_scopes = MANAGE

    @extend_schema(
        operation_id="webhook_endpoint_secret_rotate",
        summary="Give the endpoint a new signing secret; the old one keeps signing for a grace period",
        description="During the grace period every delivery's `webhook-signature` holds two signatures, "
        "space-separated (`v1,<new> v1,<old>`), as Standard Webhooks allows: a receiver verifying with either "
        "secret accepts it, so it can switch to the new one at its own pace. A rotation during a grace period "
        "drops the oldest secret at once.",
        request=SecretRotationSerializer,
        responses={200: SecretRotatedSerializer, **problems(400, 404, 415)},
        examples=[OpenApiExample("A day to switch", value={"grace_period_hours": 24}, request_only=True)],
    )
    def post(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_api_client(client=request.user, endpoint_id=endpoint_id)
        serializer = SecretRotationSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        grace = timedelta(hours=serializer.validated_data["grace_period_hours"])
        endpoint, secret = _service_call(webhook_endpoint_secret_rotate, endpoint=endpoint, grace_period=grace)
        body = {"id": endpoint.pk, "secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}
        return Response(SecretRotatedSerializer(body).data)
