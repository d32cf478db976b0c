"""API: unsubscribe links for senders, and inbound SMS from the SMS gateway."""

from datetime import UTC

from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.access import customer_get_by_external_id_for_api_client
from api.fields import StrictCharField
from api.models import Scope
from api.schema import problems
from api.serializers import StrictSerializer, TopicCodeField
from api.views import ApiView
from common.request_origin import request_origin
from links.services import link_url, list_unsubscribe_headers, unsubscribe_link_get_or_create
from links.sms_stop import sms_is_stop, sms_number_clean, sms_stop_apply
from preferences.catalog import catalog_get
from preferences.domain import ActorType, ChannelCode, Source, TopicKind
from preferences.ledger import ChangeContext
from preferences.state import PreferenceError

# --- Unsubscribe links ---------------------------------------------------------------------------


class UnsubscribeLinkQuerySerializer(StrictSerializer):
    topic = TopicCodeField(
        kinds=(TopicKind.MARKETING, TopicKind.SERVICE),
        required=False,
        help_text="A marketing or service topic, with a channel it is sent on; leave out both for every marketing message.",
    )
    channel = serializers.ChoiceField(choices=ChannelCode.choices, required=False)

    def validate(self, data: dict) -> dict:
        if ("topic" in data) != ("channel" in data):
            raise serializers.ValidationError(_("Give both topic and channel, or neither (every marketing message)."))
        if "topic" in data:
            topic = catalog_get().topics_by_code[data["topic"]]
            if topic.kind == TopicKind.CRITICAL:
                raise serializers.ValidationError({"topic": [_("Critical messages cannot be unsubscribed from by a link.")]})
            if data["channel"] not in topic.allowed_channels:
                raise serializers.ValidationError({"channel": [_("This topic is not sent on that channel.")]})
        return data


class UnsubscribeLinkOutSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField(default_timezone=UTC)
    topic = StrictCharField(allow_null=True, help_text="null: every marketing message")
    channel = StrictCharField(allow_null=True)
    list_unsubscribe = StrictCharField(help_text="The value of the List-Unsubscribe header.")
    list_unsubscribe_post = StrictCharField(help_text="The value of the List-Unsubscribe-Post header (RFC 8058).")


UNSUBSCRIBE_LINKS_DESCRIPTION = (
    "Put `list_unsubscribe` and `list_unsubscribe_post` in the message's `List-Unsubscribe` and "
    "`List-Unsubscribe-Post` headers (RFC 8058), and `url` in its footer. The same link is handed out again "
    "while it has at least half its life left. The URL carries no personal data."
)
# When GET /customers/{external_id}/unsubscribe-links was deprecated (RFC 9745: a date, in seconds).
UNSUBSCRIBE_LINKS_DEPRECATED_AT = "@1796601600"  # 2026-12-07


def _links_answer(request, external_id: str) -> Response:
    """The link for the customer the client calls `external_id` (both paths answer it)."""
    # A plain dict: DRF would read an empty "?topic=" from a QueryDict as "not given".
    query = UnsubscribeLinkQuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    customer = customer_get_by_external_id_for_api_client(client=request.user, external_id=external_id)
    data = query.validated_data
    topic = catalog_get().topics_by_code[data["topic"]] if "topic" in data else None
    link = unsubscribe_link_get_or_create(customer=customer, topic=topic, channel=data.get("channel", ""))
    url = link_url(link)
    headers = list_unsubscribe_headers(url)
    body = {
        "url": url,
        "expires_at": link.expires_at,
        "topic": topic.code if topic else None,
        "channel": link.channel or None,
        "list_unsubscribe": headers["List-Unsubscribe"],
        "list_unsubscribe_post": headers["List-Unsubscribe-Post"],
    }
    return Response(UnsubscribeLinkOutSerializer(body).data)


class UnsubscribeLinksView(ApiView):
    """GET /customers/{external_id}/unsubscribe-links: deprecated. Beside /customers/{customer_id}/…, it reads
    any id as the client's own, digits included, so a client that sent our id 5 got the link of the customer
    it calls "5", another person. Its answers say so (Deprecation, Link to the successor) until it is removed."""

    required_scopes = {"GET": Scope.UNSUBSCRIBE_LINKS_READ}
    query_serializers = {"GET": UnsubscribeLinkQuerySerializer}

    @extend_schema(
        operation_id="unsubscribe_links_get",
        summary="Deprecated: use GET /api/v1/customers/by-external-id/{external_id}/unsubscribe-links",
        description=UNSUBSCRIBE_LINKS_DESCRIPTION
        + "\n\nDeprecated: this path reads any id as your own (`external_id`), digits included, where every other "
        "`/customers/{id}/…` path takes ours. The same operation is at "
        "`/api/v1/customers/by-external-id/{external_id}/unsubscribe-links`; answers here carry `Deprecation` "
        "(RFC 9745) and a `Link` to it (`rel=\"successor-version\"`).",
        deprecated=True,
        parameters=[UnsubscribeLinkQuerySerializer],
        responses={200: UnsubscribeLinkOutSerializer, **problems(400, 404)},
    )
    def get(self, request, external_id: str):
        return _links_answer(request, external_id)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        external_id = (self.kwargs or {}).get("external_id")
        if external_id is not None:
            successor = reverse("api:customer-unsubscribe-links-by-external-id", kwargs={"external_id": external_id})
            response["Deprecation"] = UNSUBSCRIBE_LINKS_DEPRECATED_AT
            response["Link"] = f'<{successor}>; rel="successor-version"'
        return response


class UnsubscribeLinksByExternalIdView(ApiView):
    """The same, under /customers/by-external-id/{external_id}/, where every other operation on one customer
    found by the client's own id lives."""

    required_scopes = UnsubscribeLinksView.required_scopes
    query_serializers = UnsubscribeLinksView.query_serializers

    @extend_schema(
        operation_id="unsubscribe_links_get_by_external_id",
        summary="A one-click unsubscribe link and the List-Unsubscribe headers for a message, by your own id",
        description=UNSUBSCRIBE_LINKS_DESCRIPTION,
        parameters=[UnsubscribeLinkQuerySerializer],
        responses={200: UnsubscribeLinkOutSerializer, **problems(400, 404)},
    )
    def get(self, request, external_id: str):
        return _links_answer(request, external_id)


# --- Inbound SMS ---------------------------------------------------------------------------------


class SmsSenderField(StrictCharField):
    """What an SMS gateway gives as the sender: digits, with a + for an international number."""

    regex_pattern = r"^\+?[0-9]{3,20}$"

    def __init__(self, **kwargs):
        super().__init__(max_length=40, **kwargs)
        self.validators.append(RegexValidator(self.regex_pattern, message=_("Send the number as digits, e.g. +33612345678.")))


class InboundSmsSerializer(StrictSerializer):
    text = StrictCharField(max_length=1600, allow_blank=True, trim_whitespace=False)

    def get_fields(self):
        # `from` is a Python keyword: the field is added here rather than declared above.
        fields = super().get_fields()
        fields["from"] = SmsSenderField(help_text="The sender's number, E.164 (+33612345678), or a short code.")
        return fields

    def validate(self, data: dict) -> dict:
        try:
            data["from"] = sms_number_clean(data["from"])
        except PreferenceError:
            # Digits that are no valid phone number (a short code, a number that does not exist) are
            # no customer's verified number: nothing to opt out, the message is ignored.
            data["from"] = None
        return data


class InboundSmsOutSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["opted_out", "ignored"])
    customers = serializers.IntegerField(help_text="How many customers have this verified number (opted_out only).")


class InboundSmsView(ApiView):
    required_scopes = {"POST": Scope.SMS_INBOUND}

    @extend_schema(
        operation_id="sms_inbound",
        summary="An SMS received by the gateway: STOP opts the number out of marketing SMS",
        description="A STOP keyword opts the number out of every marketing topic on SMS for every customer who "
        "verified it, as consent events with source `sms_stop`: STOP, STOP SMS, STOPALL, ARRET/ARRÊT, ARRÊTEZ, "
        "UNSUBSCRIBE, DÉSABONNER, DÉSINSCRIRE, OPT OUT… in any case, with or without accents, punctuation or "
        "emoji, alone or with a few courtesy words around them (`Stop.`, `STOP svp`, `stop please`, `arrêt "
        "merci`); CANCEL, END, QUIT and REVOKE only alone. A sentence that merely holds one (`don't stop the "
        "emails`, `can you stop by tomorrow`) is ignored, as is any other text. Repeating a STOP changes nothing.",
        request=InboundSmsSerializer,
        responses={200: InboundSmsOutSerializer, **problems(400, 415)},
        examples=[OpenApiExample("A STOP reply", value={"from": "+33612345678", "text": "STOP"}, request_only=True)],
    )
    def post(self, request):
        serializer = InboundSmsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["from"] is None or not sms_is_stop(data["text"]):
            return Response({"action": "ignored", "customers": 0})
        context = ChangeContext(
            actor_type=ActorType.SMS_STOP, source=Source.SMS, actor_id=str(request.user.pk), **request_origin(request)
        )
        count = sms_stop_apply(number=data["from"], context=context)
        return Response({"action": "opted_out", "customers": count})

