"""API views: parse and validate, find the object through an access helper, call one service, answer."""

import re
from datetime import UTC, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.access import document_get_for_api_client
from api.models import Scope
from api.parsers import StrictJSONParser
from api.permissions import client_has_scope
from api.problems import PreconditionFailed, PreconditionRequired, UnknownFields, api_language_activate
from api.renderers import UtcJSONRenderer
from api.representations import (
    confirmation_representation,
    document_representation,
    etag_for,
    event_representation,
    plan_representation,
)
from api.schema import problems
from api.selectors import (
    customers_active,
    marketing_sends_get,
    send_get_for_client,
)
from api.services import SendReport, sends_record
from common.request_origin import request_origin
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.contact_plan import contact_plan_decide
from preferences.customers import customer_upsert
from preferences.customers_import import BatchError, customers_import
from preferences.document import PreferenceDocument
from preferences.documents_pg import preference_document_build, preference_documents_active
from preferences.domain import ActorType, Source, TopicKind
from preferences.feed import FeedFilters, FeedPosition, consent_events_page, feed_end
from preferences.ledger import ChangeContext, CustomerErased, StaleVersion
from preferences.models import Customer
from preferences.state import PreferenceError


class ApiView(APIView):
    """Every API view: authenticated by key, one scope per method (see api.permissions.HasScope),
    strict input (api.parsers, api.serializers.StrictSerializer), problem details in English unless
    Accept-Language asks otherwise."""

    required_scopes: dict[str, str] = {}
    # The serializer of each method's query string: any other query parameter is a 400 that names
    # it. A method not listed takes no query parameter at all. None: not checked (a view not yet
    # converted; its query serializer should then subclass StrictSerializer).
    query_serializers: dict[str, type[serializers.Serializer]] | None = {}
    parser_classes = [StrictJSONParser]
    # Times go out in UTC with `Z`: plain data through the encoder, serializer fields through the time
    # zone in force while the view runs (the site's own is Europe/Paris, for pages).
    renderer_classes = [UtcJSONRenderer]

    def dispatch(self, request, *args, **kwargs):
        with timezone.override(UTC):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        api_language_activate(request)
        super().initial(request, *args, **kwargs)
        self.query_parameters_check(request)

    def query_parameters_check(self, request) -> None:
        if self.query_serializers is None or not hasattr(self, request.method.lower()):
            return  # a method the view does not answer is a 405, whatever its query string
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        serializer_class = self.query_serializers.get(method)
        known = set(serializer_class().fields) if serializer_class is not None else set()
        unknown = [name for name in request.query_params if name not in known]
        if unknown:
            raise UnknownFields(unknown)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers hold personal data, and a key sent as X-Api-Key is not an Authorization header:
        # a shared cache could keep them. No cache stores any answer (tests/security/test_headers.py).
        add_never_cache_headers(response)
        return response


def _context(request) -> ChangeContext:
    return ChangeContext(
        actor_type=ActorType.API_CLIENT, source=Source.API, actor_id=str(request.user.pk), **request_origin(request)
    )


def _personal(request) -> bool:
    return client_has_scope(request, Scope.CONTACT_POINTS_READ)


def _document_response(request, document: PreferenceDocument, *, status_code: int = 200) -> Response:
    customer = document.customer
    response = Response(document_representation(document, personal=_personal(request)), status=status_code)
    response["ETag"] = etag_for(customer.version)
    response["Location"] = reverse("api:customer-detail", kwargs={"customer_id": customer.pk})
    return response


def _upsert(request, data: dict):
    try:
        return customer_upsert(context=_context(request), **data)
    except PreferenceError as error:
        raise ValidationError(error.message_dict) from None


# --- Customers ------------------------------------------------------------------------------------

UPSERT_EXAMPLE = OpenApiExample(
    "A customer from the CRM",
    value={"external_id": "CRM-000123", "email": "camille@example.com", "email_verified": True, "language": "fr"},
    request_only=True,
)


class CustomerUpsertView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_WRITE}

    @extend_schema(
        operation_id="customer_upsert",
        summary="Create or update a customer by external_id",
        description="Contact points are added (or marked verified), never removed. Every change is a ledger event "
        "with this client as actor and `api` as source. 201 when created, 200 when it existed.",
        request=s.CustomerUpsertSerializer,
        responses={
            200: s.PreferenceDocumentOutSerializer,
            201: s.PreferenceDocumentOutSerializer,
            **problems(400, 415),
        },
        examples=[UPSERT_EXAMPLE],
    )
    def post(self, request):
        serializer = s.CustomerUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer, created = _upsert(request, serializer.validated_data)
        return _document_response(request, preference_document_build(customer), status_code=201 if created else 200)


class CustomerBatchUpsertView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_WRITE}

    @extend_schema(
        operation_id="customers_upsert_batch",
        summary="Create or update up to 1,000 customers at once (all or nothing)",
        request=s.CustomerBatchUpsertSerializer,
        responses={200: s.CustomerBatchResultSerializer, **problems(400, 415)},
    )
    def post(self, request):
        serializer = s.CustomerBatchUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            customers = customers_import(context=_context(request), items=serializer.validated_data["customers"])
        except BatchError as error:
            raise ValidationError({"customers": error.errors}) from None
        results = [
            {"id": customer.pk, "external_id": customer.external_id, "created": created, "version": customer.version}
            for customer, created in customers
        ]
        return Response({"customers": results})


# One entity tag (RFC 9110 §8.8.3): what the server can compare. Anything else is a 400.
ETAG_PATTERN = r'^(W/)?"[\x21\x23-\x7e]*"$'
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": ETAG_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version you read, e.g. "7". Needed for every change: 428 when missing, 412 when it '
    "names another version, 400 when it is not one entity tag.",
)


class CustomerDetailView(ApiView):
    required_scopes = {"GET": Scope.CUSTOMERS_READ, "PATCH": Scope.CUSTOMERS_WRITE}

    @extend_schema(
        operation_id="customer_read",
        summary="A customer's whole preference document, with its version (also the ETag)",
        responses={200: s.PreferenceDocumentOutSerializer, **problems(404)},
    )
    def get(self, request, customer_id: int):
        return _document_response(request, document_get_for_api_client(client=request.user, customer_id=customer_id))

    @extend_schema(
        operation_id="customer_preferences_change",
        summary="Change preferences (If-Match required)",
        parameters=[IF_MATCH],
        request=s.PreferencesChangeSerializer,
        description="A marketing opt-in made by an API client on a prior-opt-in channel stays `pending` until the "
        "customer confirms it through a link sent to them, by email to their verified address or, without one, by "
        "SMS to their verified mobile number. `confirmations` says, for each subscription this change left pending, "
        "whether that link was sent and how, or why not (`no_verified_contact_point`: nobody can confirm it, so "
        "it stays pending until the customer opts in themselves).",
        responses={200: s.PreferencesChangeOutSerializer, **problems(400, 404, 412, 415, 428)},
        examples=[
            OpenApiExample(
                "Opt in to offers by email, quiet at night",
                value={
                    "changes": {
                        "subscription.offers.email": "in",
                        "customer.quiet_hours_start": "21:00",
                        "customer.quiet_hours_end": "08:00",
                    }
                },
                request_only=True,
            )
        ],
    )
    def patch(self, request, customer_id: int):
        try:
            expected_version, malformed = _if_match_version(request), None
        except ValidationError as error:
            expected_version, malformed = None, error
        serializer = s.PreferencesChangeSerializer(data=request.data)
        if expected_version is None or not serializer.is_valid():
            # An unknown customer is 404 before anything is said about the request (RFC 9110 §13.2.1);
            # only this path pays the query that tells.
            document_get_for_api_client(client=request.user, customer_id=customer_id)
            if malformed is not None:
                raise malformed
            if expected_version is None:
                raise PreconditionRequired()
            serializer.is_valid(raise_exception=True)
        try:
            # The service finds (and locks) the customer: unknown and erased customers are 404 here.
            changed = preferences_change(
                customer_id=customer_id,
                changes=serializer.validated_data["changes"],
                context=_context(request),
                expected_version=expected_version,
            )
        except (Customer.DoesNotExist, CustomerErased):
            raise NotFound() from None
        except StaleVersion as stale:
            raise PreconditionFailed(current_version=stale.current_version) from None
        except PreferenceError as error:
            raise ValidationError(error.message_dict) from None
        response = _document_response(request, changed.document)
        response.data["confirmations"] = [confirmation_representation(item) for item in changed.confirmations]
        return response


def _if_match_version(request) -> int | None:
    """The version named by If-Match, None without one (or `*`, which names none); a tag that names no
    version can never match (412); a header that is not one entity tag is a 400."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    if not re.match(ETAG_PATTERN, header):
        raise ValidationError({"If-Match": [_('Send one entity tag, as read in the ETag header, e.g. "7".')]})
    value = header.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and len(value) < 10 else -1


# --- Contact plans -------------------------------------------------------------------------------


class ContactPlanView(ApiView):
    required_scopes = {"POST": Scope.DECISIONS_READ}

    @extend_schema(
        operation_id="contact_plans_decide",
        summary="May these customers be contacted about a topic, how, and with AI or not?",
        description="For one customer or up to 1,000: allowed or not and why, the channels in the customer's order "
        "(`first` or `all`), paper copy, the AI rule with the disclosure sentence in the customer's language, format "
        "needs, and `next_allowed_at` when only time stands in the way. Addresses need contact_points:read. "
        "Costs the same few queries whatever the batch size.",
        request=s.ContactPlanRequestSerializer,
        responses={200: s.ContactPlanResponseSerializer, **problems(400, 415)},
        examples=[
            OpenApiExample(
                "An AI-drafted offer",
                value={"topic": "offers", "ai_generated": True, "external_ids": ["CRM-000123"]},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = s.ContactPlanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        at = data.get("at") or timezone.now()
        topic = catalog_get().topics_by_code[data["topic"]]
        if "customer_ids" in data:
            wanted = list(dict.fromkeys(data["customer_ids"]))
            documents = {d.customer.pk: d for d in preference_documents_active(ids=wanted)}
        else:
            wanted = list(dict.fromkeys(data["external_ids"]))
            documents = {d.customer.external_id: d for d in preference_documents_active(external_ids=wanted)}
        found = [documents[key] for key in wanted if key in documents]
        sends = (
            marketing_sends_get(customer_ids=[d.customer.pk for d in found], at=at)
            if topic.kind == TopicKind.MARKETING
            else {}
        )
        personal = _personal(request)
        plans = [
            plan_representation(
                contact_plan_decide(
                    document=document,
                    topic=topic,
                    ai_generated=data["ai_generated"],
                    at=at,
                    marketing_sent_at=sends.get(document.customer.pk, ()),
                ),
                external_id=document.customer.external_id,
                personal=personal,
            )
            for document in found
        ]
        unknown = [str(key) for key in wanted if key not in documents]
        # Plain data in the shape of ContactPlanResponseSerializer (the schema), without its fields.
        return Response({"topic": topic.code, "at": at, "plans": plans, "unknown_customers": unknown})


# --- Sends ---------------------------------------------------------------------------------------

# Reports a little ahead of the server's clock are tolerated; further ahead is a mistake.
SEND_CLOCK_SKEW = timedelta(minutes=5)


class SendBatchView(ApiView):
    required_scopes = {"POST": Scope.SENDS_WRITE}

    @extend_schema(
        operation_id="sends_report",
        summary="Report sent messages (up to 1,000), so that the weekly marketing cap counts them",
        request=s.SendBatchSerializer,
        responses={201: s.SendBatchResultSerializer, **problems(400, 415)},
    )
    def post(self, request):
        serializer = s.SendBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["sends"]
        now = timezone.now()
        known = set(
            customers_active().filter(pk__in={item["customer_id"] for item in items}).values_list("pk", flat=True)
        )
        errors = {}
        for index, item in enumerate(items):
            if item["customer_id"] not in known:
                errors[str(index)] = {"customer_id": [_("Unknown customer.")]}
            elif item.get("sent_at") and item["sent_at"] > now + SEND_CLOCK_SKEW:
                errors[str(index)] = {"sent_at": [_("A message cannot have been sent in the future.")]}
        if errors:
            raise ValidationError({"sends": errors})
        topics = catalog_get().topics_by_code
        recorded = sends_record(
            client=request.user,
            reports=[
                SendReport(
                    customer_id=item["customer_id"],
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
            "recorded": len(items) - recorded.duplicates,
            "duplicates": recorded.duplicates,
            "ids": [send.pk for send in recorded.created if send.pk is not None],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class SendDetailView(ApiView):
    required_scopes = {"GET": Scope.SENDS_WRITE}

    @extend_schema(
        operation_id="send_read",
        summary="A send this client reported",
        responses={200: s.SendOutSerializer, **problems(404)},
    )
    def get(self, request, send_id: int):
        send = send_get_for_client(client=request.user, send_id=send_id)
        if send is None:
            raise NotFound()
        return Response(s.SendOutSerializer(send).data)


# --- Change feed ---------------------------------------------------------------------------------


class EventQuerySerializer(s.StrictSerializer):
    after = serializers.RegexField(
        r"^(now|\d{1,19}|\d{1,19}\.\d{1,19})$",
        required=False,
        default="0",
        help_text="Where to start: `0` (or nothing) for the beginning, the `next_cursor` or an event's `cursor` "
        "you were given, or `now` for only what happens from now on.",
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=100)
    customer_id = serializers.IntegerField(min_value=1, max_value=s.MAX_ID, required=False)
    external_id = serializers.CharField(min_length=1, max_length=100, required=False)
    key_prefix = serializers.CharField(
        min_length=1, max_length=120, required=False, help_text="e.g. `subscription.offers.` or `customer.`"
    )
    occurred_after = serializers.DateTimeField(required=False, help_text="Events at or after this time.")
    occurred_before = serializers.DateTimeField(required=False, help_text="Events before this time.")

    def validate_after(self, value: str) -> FeedPosition:
        if value == "now":
            return feed_end()
        position = FeedPosition.parse(value)
        if position is None:
            raise serializers.ValidationError(_("This cursor was not given by this feed."))
        return position


class EventListView(ApiView):
    required_scopes = {"GET": Scope.EVENTS_READ}
    query_serializers = {"GET": EventQuerySerializer}

    @extend_schema(
        operation_id="events_list",
        summary="Ledger events after a cursor, in order, each exactly once",
        description="A reader that follows `next_cursor` sees every committed event exactly once, whatever the "
        "number of transactions committing at once and their order: an event is served only when no "
        "transaction that could still commit an earlier one is open. The order is the feed's own (not the "
        "ids'). Filters narrow a page; the cursor still moves through the whole feed. Personal values "
        "(contact point values, free-text reasons) need contact_points:read.",
        parameters=[EventQuerySerializer],
        responses={200: s.EventPageSerializer, **problems(400)},
    )
    def get(self, request):
        # A plain dict: DRF would read an empty "?after=" from a QueryDict as "not given".
        query = EventQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = FeedFilters(**{name: data[name] for name in FEED_FILTERS if name in data})
        page = consent_events_page(after=data["after"], limit=data["limit"], filters=filters)
        personal = _personal(request)
        # The next page's link keeps the filters as they were given.
        next_query = {"after": str(page.next_position), "limit": data["limit"]}
        next_query |= {name: value for name, value in query.initial_data.items() if name in FEED_FILTERS}
        body = {
            "events": [event_representation(event, personal=personal) for event in page.events],
            "next_cursor": str(page.next_position),
            "has_more": page.has_more,
            "next": f"{reverse('api:event-list')}?{urlencode(next_query)}" if page.has_more else None,
        }
        return Response(body)


FEED_FILTERS = ("customer_id", "external_id", "key_prefix", "occurred_after", "occurred_before")
