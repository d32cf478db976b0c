"""Sends other systems report (POST /api/v1/sends, GET /api/v1/sends/{id}), so that the weekly
marketing cap counts them: serializers and views."""

from datetime import UTC, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from api.fields import ExternalIdField, OffsetDateTimeField, StrictBooleanField, StrictCharField, StrictIntegerField
from api.models import Scope
from api.schema import problems
from api.selectors import customers_active, send_get_for_client
from api.serializers import (
    CUSTOMER_KEYS,
    MAX_BATCH,
    MAX_ID,
    PLAN_HORIZON,
    StrictSerializer,
    TopicCodeField,
    customer_named_once,
)
from api.services import SendReport, sends_record
from api.views import ApiView
from preferences.catalog import catalog_get
from preferences.domain import ChannelCode


class SendInSerializer(StrictSerializer):
    exactly_one_of = CUSTOMER_KEYS

    customer_id = StrictIntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Our id of the customer.")
    external_id = ExternalIdField(required=False, help_text="Your id of the customer (instead of `customer_id`).")
    topic = TopicCodeField()
    channel = serializers.ChoiceField(choices=ChannelCode.choices)
    sent_at = OffsetDateTimeField(required=False, help_text="Now when absent.")
    ai_generated = StrictBooleanField(required=False, default=False)
    message_id = StrictCharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Reporting the same id twice counts once."
    )

    def validate_sent_at(self, value):
        if value < timezone.now() - PLAN_HORIZON:
            raise serializers.ValidationError(_("Report messages sent within the last year."))
        return value

    def validate(self, attrs: dict) -> dict:
        customer_named_once(attrs)
        topic = catalog_get().topics_by_code[attrs["topic"]]
        if attrs["channel"] not in topic.allowed_channels:
            raise serializers.ValidationError({"channel": _("This topic is not sent on that channel.")})
        return attrs


class SendBatchSerializer(StrictSerializer):
    sends = SendInSerializer(many=True, allow_empty=False, min_length=1, max_length=MAX_BATCH)


class SendOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    external_id = StrictCharField(source="customer.external_id", allow_null=True)
    topic = StrictCharField(source="topic.code")
    channel = StrictCharField()
    sent_at = serializers.DateTimeField(default_timezone=UTC)
    ai_generated = StrictBooleanField()
    message_id = StrictCharField()


class SendResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The send's place in `sends`, from 0.")
    id = serializers.IntegerField(
        help_text="The send that counts it: recorded now, or, for a duplicate, the one recorded first with its "
        "`message_id` (GET /api/v1/sends/{id})."
    )
    customer_id = serializers.IntegerField(help_text="The customer the send reports, by our id…")
    external_id = StrictCharField(allow_null=True, help_text="…and by yours (null when the customer has none).")
    status = serializers.ChoiceField(
        choices=["recorded", "duplicate"],
        help_text="`duplicate`: its `message_id` was already reported (before, or earlier in this batch); not counted again.",
    )


class SendBatchResultSerializer(serializers.Serializer):
    recorded = serializers.IntegerField(help_text="Sends recorded by this call.")
    duplicates = serializers.IntegerField(help_text="Message ids you had already reported, not counted again.")
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the sends recorded by this call (`recorded` of them), in the order reported; empty "
        "when every send was a duplicate. `results` gives every send's id, duplicates included.",
    )
    results = SendResultSerializer(many=True, help_text="One per send reported, in the same order.")


def _named(item: dict) -> tuple[str, int | str]:
    """How a send names its customer: ("customer_id", our id) or ("external_id", the client's id)."""
    return ("customer_id", item["customer_id"]) if "customer_id" in item else ("external_id", item["external_id"])


def _customers_named(items: list[dict]) -> dict[tuple[str, int | str], tuple[int, str | None]]:
    """The active customers the sends name, by the way each names them: (our id, the client's id). One query."""
    ids = {item["customer_id"] for item in items if "customer_id" in item}
    external_ids = {item["external_id"] for item in items if "external_id" in item}
    rows = customers_active().filter(Q(pk__in=ids) | Q(external_id__in=external_ids)).values_list("pk", "external_id")
    found = {}
    for pk, external_id in rows:
        if pk in ids:
            found[("customer_id", pk)] = (pk, external_id)
        if external_id in external_ids:
            found[("external_id", external_id)] = (pk, external_id)
    return found


# Reports a little ahead of the server's clock are tolerated; further ahead is a mistake.
SEND_CLOCK_SKEW = timedelta(minutes=5)


class SendBatchView(ApiView):
    required_scopes = {"POST": Scope.SENDS_WRITE}

    @extend_schema(
        operation_id="sends_report",
        summary="Report sent messages (up to 1,000), so that the weekly marketing cap counts them",
        description="Each send names its customer by `customer_id` (our id) or by `external_id` (yours), exactly "
        "one of them: both, or neither, is a 400 naming both. A customer that does not exist (or was erased) is a "
        "400 naming the field at the send's place (`sends.<index>.customer_id` or `sends.<index>.external_id`), and "
        "nothing of the batch is recorded.\n\n"
        "A send whose `message_id` this client already reported (in an earlier call, or earlier in "
        "the same batch) is a duplicate: not counted again, and answered with the id of the send recorded first "
        "with that `message_id`. `results` has one entry per send reported, in order (`index`, `id`, the customer "
        "by both ids, `customer_id` and `external_id`, and `status`: `recorded` or `duplicate`); `ids` lists only the sends this call recorded. 201 even when every send was "
        "a duplicate, so a retry of a whole batch is safe and tells which ids count it.",
        request=SendBatchSerializer,
        responses={201: SendBatchResultSerializer, **problems(400, 415)},
    )
    def post(self, request):
        serializer = SendBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["sends"]
        now = timezone.now()
        known = _customers_named(items)
        errors = {}
        for index, item in enumerate(items):
            if _named(item) not in known:
                errors[str(index)] = {_named(item)[0]: [_("Unknown customer.")]}
            elif item.get("sent_at") and item["sent_at"] > now + SEND_CLOCK_SKEW:
                errors[str(index)] = {"sent_at": [_("A message cannot have been sent in the future.")]}
        if errors:
            raise ValidationError({"sends": errors})
        topics = catalog_get().topics_by_code
        recorded = sends_record(
            client=request.user,
            reports=[
                SendReport(
                    customer_id=known[_named(item)][0],
                    topic_id=topics[item["topic"]].pk,
                    channel=item["channel"],
                    sent_at=item.get("sent_at") or now,
                    ai_generated=item["ai_generated"],
                    message_id=item["message_id"],
                )
                for item in items
            ],
        )
        body = {
            "recorded": len(recorded.created),
            "duplicates": recorded.duplicates,
            "ids": [send.pk for send in recorded.created],
            "results": [
                {
                    "index": index,
                    "id": report.send_id,
                    "customer_id": known[_named(item)][0],
                    "external_id": known[_named(item)][1],
                    "status": "duplicate" if report.duplicate else "recorded",
                }
                for index, (item, report) in enumerate(zip(items, recorded.reports, strict=True))
            ],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class SendDetailView(ApiView):
    required_scopes = {"GET": Scope.SENDS_WRITE}

    @extend_schema(
        operation_id="send_read",
        summary="A send this client reported",
        responses={200: SendOutSerializer, **problems(404)},
    )
    def get(self, request, send_id: int):
        send = send_get_for_client(client=request.user, send_id=send_id)
        if send is None:
            raise NotFound()
        return Response(SendOutSerializer(send).data)
