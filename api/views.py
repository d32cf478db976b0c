"""The base of every API view (ApiView: key, scopes, strict input, problem details, UTC, no caching)
and the customer endpoints (upsert, read, change). Each view parses and validates,
finds the object through an access helper, calls one service, answers."""

import re
from datetime import UTC
from types import SimpleNamespace

from django.http import HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from api import document_out, idempotency
from api import serializers as s
from api.access import document_get_for_api_client
from api.conditional import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    conditional_response,
    representation_etag,
    representation_render,
)
from api.models import ApiClient, Scope
from api.parsers import StrictJSONParser
from api.permissions import client_sees_personal_data
from api.problems import PreconditionFailed, PreconditionRequired, UnknownFields, api_language_activate
from api.renderers import UtcJSONRenderer
from api.representations import confirmation_representation, document_representation
from api.schema import problems
from api.throttling import rate_limit_headers_add
from common.request_origin import request_origin
from preferences.changes import PreferencesChanged, preferences_change
from preferences.customers import customer_upsert
from preferences.document import PreferenceDocument
from preferences.documents_pg import preference_document_build
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext, CustomerErased, StaleVersion
from preferences.models import Customer
from preferences.state import PreferenceError


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation without its `?format=` override: on the API that is an unknown query parameter
    like any other (400, ApiView.query_parameters_check), where DRF answered 404 for a format it lacked."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


class ApiView(APIView):
    """Every API view: authenticated by key, one scope per method (see api.permissions.HasScope),
    strict input (api.parsers, api.serializers.StrictSerializer), problem details in English unless
    Accept-Language asks otherwise."""

    required_scopes: dict[str, str] = {}
    # The serializer of each method's query string: any other query parameter, or one given twice, is
    # a 400 that names it. A method not listed takes no query parameter at all. None: not checked (a view not yet
    # converted; its query serializer should then subclass StrictSerializer).
    query_serializers: dict[str, type[serializers.Serializer]] | None = {}
    parser_classes = [StrictJSONParser]
    content_negotiation_class = StrictContentNegotiation
    # Times go out in UTC with `Z`: plain data through the encoder, serializer fields through the time
    # zone in force while the view runs (the site's own is Europe/Paris, for pages).
    renderer_classes = [UtcJSONRenderer]

    def dispatch(self, request, *args, **kwargs):
        with timezone.override(UTC):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        api_language_activate(request)
        self.idempotency = None
        super().initial(request, *args, **kwargs)
        self.query_parameters_check(request)
        if request.method == "POST" and idempotency.HEADER in request.META and request.user is not None:
            self.idempotency = idempotency_begin(request)

    def query_parameters_check(self, request) -> None:
        if self.query_serializers is None or not hasattr(self, request.method.lower()):
            return  # a method the view does not answer is a 405, whatever its query string
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        serializer_class = self.query_serializers.get(method)
        known = set(serializer_class().fields) if serializer_class is not None else set()
        unknown = [name for name in request.query_params if name not in known]
        if unknown:
            raise UnknownFields(unknown)
        # Which of two values was meant is not known (a QueryDict keeps the last): not guessed.
        repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
        if repeated:
            message = _("This parameter is given more than once: give it once.")
            raise ValidationError({name: [message] for name in repeated})

    def perform_content_negotiation(self, request, force=False):
        # What nearly every client sends (no Accept, */* or JSON) is answered by the one renderer without
        # parsing Accept: a tenth of a read. Anything else goes through DRF's negotiation (406 included).
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if accept in _PLAIN_ACCEPTS and len(self.renderer_classes) == 1:
            renderer = self.renderer_classes[0]()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force=force)

    def handle_exception(self, exc):
        if isinstance(exc, IdempotentReplay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers hold personal data, and a key sent as X-Api-Key is not an Authorization header:
        # a shared cache could keep them. No cache stores any answer (tests/security/test_headers.py).
        never_cache_headers_add(response)
        rate_limit_headers_add(request, response)  # on every answer, 429 and problems too
        owned, self.idempotency = getattr(self, "idempotency", None), None
        if owned is not None:
            if hasattr(response, "render"):
                response.render()  # the bytes a retry will get (an HttpResponse holds them already)
            idempotency.idempotent_request_finish(owned, response)
        return response


_PLAIN_ACCEPTS = frozenset({"*/*", "application/json"})
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache_headers_add(response) -> None:
    """Django's add_never_cache_headers, written directly on an answer that has no caching headers yet
    (every API answer but a few): the same two headers, without parsing and rebuilding Cache-Control."""
    if "Cache-Control" in response or "Expires" in response:
        add_never_cache_headers(response)
        return
    response["Expires"] = http_date()
    response["Cache-Control"] = _NEVER_CACHE


class IdempotentReplay(Exception):  # noqa: N818 - not an error: the way out of initial() with a kept answer
    """Raised in ApiView.initial() to answer a retry with the answer kept for its Idempotency-Key."""

    def __init__(self, row):
        super().__init__(row.key)
        self.response = HttpResponse(row.body, status=row.status_code, content_type=row.content_type)
        for name, value in row.headers.items():
            self.response[name] = value
        self.response["Idempotent-Replayed"] = "true"


def idempotency_begin(request) -> idempotency.Owned:
    """Take the request's Idempotency-Key, or raise what a retry gets (a kept answer, 409 or 422)."""
    key = idempotency.idempotency_key_parse(request.META[idempotency.HEADER])
    fingerprint = idempotency.request_fingerprint(
        method=request.method, path=request.path, query=request.META.get("QUERY_STRING", ""), body=request.body
    )
    outcome = idempotency.idempotent_request_begin(client=request.user, key=key, fingerprint=fingerprint)
    if isinstance(outcome, idempotency.Replay):
        raise IdempotentReplay(outcome.row)
    return outcome


def change_context(request, *, evidence: str = "") -> ChangeContext:
    """The API client as the actor of a change, with where the request came from."""
    return ChangeContext(
        actor_type=ActorType.API_CLIENT,
        source=Source.API,
        actor_id=str(request.user.pk),
        evidence=evidence,
        **request_origin(request),
    )


def personal_data_allowed(request) -> bool:
    """Whether the answer may carry personal values (addresses, names, free-text reasons)."""
    return isinstance(request.user, ApiClient) and client_sees_personal_data(request.user)


def document_response(
    request, document: PreferenceDocument, *, status_code: int = 200, extra: dict | None = None
) -> HttpResponse:
    """The document with its ETag (If-None-Match answered 304); `extra` adds keys beside it (a change's
    confirmations) without changing the tag, which is always the tag of the document alone."""
    customer = document.customer
    content, etag = document_content(document, personal=personal_data_allowed(request), extra=extra)
    response = conditional_response(request, content, etag=etag, status=status_code)
    # The customer's own address whichever path asked (by external id, an upsert, a contact point): Location,
    # as clients have read it, and Content-Location, which says in HTTP's words that the body is the
    # representation of the resource there (RFC 9110 §8.7; a 304 repeats it, §15.4.5).
    response["Location"] = response["Content-Location"] = customer_location(customer.pk)
    return response


def document_content(document: PreferenceDocument, *, personal: bool, extra: dict | None = None) -> tuple[bytes, str]:
    """The bytes sent for a document, with `extra` keys beside it (a change's confirmations), and its ETag,
    which is always the tag of the document alone (this module's answers and api.fast_path's)."""
    body = document_representation(document, personal=personal)
    content = representation_render(body)
    etag = representation_etag(content, version=document.customer.version)
    if extra:
        content = representation_render({**body, **extra})
    return content, etag


def customer_location(customer_id: int) -> str:
    """The customer's URL: `reverse` of api:customer-detail, done once per process and script prefix (the
    site's path under its domain, which Django sets per request from SCRIPT_NAME): it cost a tenth of a read."""
    prefix = get_script_prefix()
    template = _customer_url_templates.get(prefix)
    if template is None:
        sample = reverse("api:customer-detail", kwargs={"customer_id": _SAMPLE_ID})
        template = sample.replace(str(_SAMPLE_ID), "{}")
        if len(_customer_url_templates) < _PREFIXES_KEPT:  # a deployment has one or two
            _customer_url_templates[prefix] = template
    return template.format(customer_id)


_SAMPLE_ID = 987654321
_PREFIXES_KEPT = 8
_customer_url_templates: dict[str, str] = {}


def _upsert(request, data: dict):
    try:
        return customer_upsert(context=change_context(request), **data)
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
            200: document_out.PreferenceDocumentOutSerializer,
            201: document_out.PreferenceDocumentOutSerializer,
            **problems(400, 415),
        },
        examples=[UPSERT_EXAMPLE],
    )
    def post(self, request):
        serializer = s.CustomerUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer, created = _upsert(request, serializer.validated_data)
        return document_response(request, preference_document_build(customer), status_code=201 if created else 200)


# One entity tag (RFC 9110 §8.8.3): what the server can compare. Anything else is a 400.
ETAG_PATTERN = r'^(W/)?"[\x21\x23-\x7e]*"$'
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": ETAG_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag you read, e.g. "7.3f9a0c…", or just its version, "7". Needed for every change: 428 '
    "when missing or `*` (which names no version), 412 when it names another version, 400 when it is not one "
    "entity tag. Only the version is "
    "compared (a change of the catalogue alone does not make yours stale), so the same tag made weak "
    '(`W/"7.3f9a0c…"`, as a compressing proxy may pass it on) names the same version.',
)


class CustomerDetailView(ApiView):
    required_scopes = {"GET": Scope.CUSTOMERS_READ, "PATCH": Scope.CUSTOMERS_WRITE}

    @extend_schema(
        operation_id="customer_read",
        summary="A customer's whole preference document, with its version (first in the ETag)",
        description='The ETag is strong and changes whenever the answer would: `"<version>.<hash>"`. Send it '
        "back in If-None-Match to be answered 304 Not Modified, with no body, while nothing changed; send it (or "
        'just `"<version>"`) in If-Match to change the document.',
        parameters=[IF_NONE_MATCH],
        responses={200: document_out.PreferenceDocumentOutSerializer, **NOT_MODIFIED, **problems(404)},
    )
    def get(self, request, customer_id: int):
        return document_response(request, document_get_for_api_client(client=request.user, customer_id=customer_id))

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
        responses={200: document_out.PreferencesChangeOutSerializer, **problems(400, 404, 412, 415, 428)},
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
            expected_version, malformed = if_match_version(request), None
        except ValidationError as error:
            expected_version, malformed = None, error
        try:
            data, invalid = s.PreferencesChangeSerializer.validated(request.data), None
        except ValidationError as error:
            data, invalid = None, error
        if expected_version is None or invalid is not None:
            # An unknown customer is 404 before anything is said about the request (RFC 9110 §13.2.1);
            # only this path pays the query that tells.
            document_get_for_api_client(client=request.user, customer_id=customer_id)
            if malformed is not None:
                raise malformed
            if expected_version is None:
                raise PreconditionRequired()
            raise invalid
        changed = customer_preferences_change(
            request, customer_id, changes=data["changes"], expected_version=expected_version
        )
        return document_response(request, changed.document, extra=change_extra(changed))


def customer_preferences_change(
    request, customer_id: int, *, changes: dict, expected_version: int
) -> PreferencesChanged:
    """A validated change through the service, its refusals as the API's errors (404, 412, 400), raised
    before anything is written (this view's, and api.fast_path's for the ordinary change)."""
    try:
        # The service finds (and locks) the customer: unknown and erased customers are 404 here.
        return preferences_change(
            customer_id=customer_id,
            changes=changes,
            context=change_context(request),
            expected_version=expected_version,
        )
    except (Customer.DoesNotExist, CustomerErased):
        raise NotFound() from None
    except StaleVersion as stale:
        raise PreconditionFailed(current_version=stale.current_version) from None
    except PreferenceError as error:
        raise ValidationError(error.message_dict) from None


def change_extra(changed: PreferencesChanged) -> dict:
    """What a change's answer says beside the document: the confirmations of the opt-ins it left pending."""
    return {"confirmations": [confirmation_representation(item) for item in changed.confirmations]}


def if_match_version(request) -> int | None:
    """The version named by If-Match, None without one (or `*`, which names none); a tag that names no
    version can never match (412); a header that is not one entity tag is a 400."""
    header = request.META.get("HTTP_IF_MATCH", "").strip()  # not request.headers: it copies every header
    if not header or header == "*":
        return None
    if not re.match(ETAG_PATTERN, header):
        raise ValidationError({"If-Match": [_('Send one entity tag, as read in the ETag header, e.g. "7".')]})
    # Our tags are "<version>.<hash>" (api.conditional); "<version>" alone names the same version. The
    # hash is not compared: a change of the catalogue alone does not make a client's change stale. So
    # this is a comparison of versions, not RFC 9110's strong comparison of tags, and a tag a proxy
    # weakened (W/, e.g. nginx when it compresses) still names its version: accepted on purpose.
    value = header.removeprefix("W/").strip('"').split(".", 1)[0]
    return int(value) if value.isdigit() and len(value) < 10 else -1
