"""How the API describes itself in OpenAPI: the key schemes and the problem answers of each operation."""

from django.conf import settings
from django.utils import translation
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api.fields import PYTHON_WHITESPACE, StrictCharField
from api.idempotency import NOT_KEPT
from api.problems import PROBLEM_CONTENT_TYPE
from api.serializers import MAX_BATCH


class EnglishSchemaGenerator(SchemaGenerator):
    """The schema in English whatever the request's language (Accept-Language, the site's cookie, `?lang=`):
    its summaries and descriptions are written in English only, so translated words (enum labels, model
    help texts) would make it half French under the site's default language."""

    def get_schema(self, request=None, public=False):
        with translation.override("en"):
            return super().get_schema(request=request, public=public)


class ApiAutoSchema(AutoSchema):
    """An operation is described by its extend_schema(description=…) only: drf-spectacular would otherwise
    take the view's (or its base class's) docstring, which is written for the project's developers."""

    def get_description(self) -> str:
        return ""


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = StrictCharField()
    title = StrictCharField()
    status = serializers.IntegerField()
    detail = StrictCharField()
    instance = StrictCharField(required=False)
    errors = serializers.DictField(required=False, help_text="Validation errors by field.")
    current_version = serializers.IntegerField(required=False, help_text="With 412: the version now.")
    retry_after = serializers.IntegerField(required=False, help_text="With 429: seconds to wait.")
    reachable_channels = serializers.ListField(
        child=StrictCharField(),
        required=False,
        help_text="With 422 channel_unreachable: the request channels the customer can be reached on.",
    )
    missing_scope = StrictCharField(required=False, help_text="With 403: the scope the key lacks, e.g. `events:read`.")
    unknown_fields = serializers.ListField(
        child=StrictCharField(),
        required=False,
        help_text="With 400 unknown_field: each field or parameter refused, by its path (`customers.1.emial`).",
    )
    max_body_bytes = serializers.IntegerField(required=False, help_text="With 413: the largest body taken, in bytes.")


PROBLEM_DESCRIPTIONS = {
    400: "The body or a parameter is not valid (see `errors`).",
    401: "No API key, or a key that is unknown, expired or revoked.",
    403: "The key lacks the scope this operation needs.",
    404: "No such object (or not one this client may see).",
    406: "The Accept header asks for a format other than JSON.",
    409: "The request conflicts with the current state (see detail), e.g. an export still being prepared.",
    410: "Gone for good (see detail).",
    412: "If-Match names an older version: read the document again.",
    413: f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    415: "The body is not JSON.",
    422: "The request is well formed but cannot be kept, e.g. the customer cannot be reached on the channel "
    "asked for (see detail and `reachable_channels`).",
    428: "If-Match is missing.",
    429: "Rate limit reached: wait for the number of seconds in Retry-After (also `t` in the RateLimit header).",
    503: "The database cannot be reached for a moment (a restart, a failover): nothing was changed; send the same "
    "request again after the number of seconds in Retry-After.",
}


def problems(*codes: int, descriptions: dict[int, str] | None = None, keyless: bool = False) -> dict:
    """Error answers for extend_schema: always 503 (every operation reads the database), 401, 403, 406 and
    429 (an operation that takes a key), 413 with 415 (an operation with a body). `keyless`: an operation that
    takes no key, is not throttled and chooses its own format (a signed link), so none of those four unless
    named. `descriptions` replaces the usual words of some statuses, for an operation where they mean
    something else (the 403 of a signed link is no scope's)."""
    every = set(codes) | {503} | (set() if keyless else {401, 403, 406, 429})
    if 415 in every:  # an operation with a body: it may be too large
        every.add(413)
    words = {**PROBLEM_DESCRIPTIONS, **(descriptions or {})}
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=words[code])
        for code in sorted(every)
    }


def location_header(*codes: int, description: str) -> OpenApiParameter:
    """The `Location` header of an operation's answers with these statuses, for extend_schema(parameters=…):
    a path on this server (`/api/v1/…`), as every answer that gives one writes it."""
    return OpenApiParameter(
        "Location", str, OpenApiParameter.HEADER, required=True, response=list(codes), description=description
    )


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "BearerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"}


class HeaderKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.HeaderApiKeyAuthentication"
    name = "HeaderKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


# drf-spectacular does not carry a list serializer's min_length/max_length into the schema: the
# batch bodies say it here, so that clients (and fuzzers) know an empty or oversized batch is invalid.
BATCH_ARRAYS = {"CustomerBatchUpsert": "customers", "SendBatch": "sends", "ChangeBatch": "items"}


def batch_limits_postprocess(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for component, prop in BATCH_ARRAYS.items():
        array = schemas.get(component, {}).get("properties", {}).get(prop)
        if array is not None:
            array.update({"minItems": 1, "maxItems": MAX_BATCH})
    return result


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A new unique value (e.g. a UUID) per request, so that a retry is safe: the same key and "
    "body within 24 h answer the first answer again (`Idempotent-Replayed: true`) and change nothing; the "
    "same key with another request is a 422; while the first still runs, a 409 with Retry-After. Per client.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
IDEMPOTENCY_PROBLEMS = {
    "409": "A request with this Idempotency-Key is still running (or another conflict: see detail).",
    "422": "This Idempotency-Key was used for another request.",
}


IDEMPOTENT_REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the answer kept for the request's Idempotency-Key, sent again: the "
        "request was not run a second time. Absent from an answer to a request that ran.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
# Answers never kept for a retry: refused before the key is taken (no or a bad key, a missing scope, an
# Accept not served, a body too large) or saying "try again" (api.idempotency.NOT_KEPT).
NEVER_REPLAYED = {"401", "403", "406", "413"} | {str(code) for code in NOT_KEPT}
IDEMPOTENCY_RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "With the 409 of an Idempotency-Key whose first request still runs: seconds to wait before "
        "sending it again. Absent from other conflicts.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def idempotency_key_postprocess(result, generator, request, public):
    """Every POST takes an Idempotency-Key header (api.idempotency) and may answer 409 (with Retry-After) and
    422; the answers a retry may get again say so (Idempotent-Replayed)."""
    for operations in result.get("paths", {}).values():
        operation = operations.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
        for code, description in IDEMPOTENCY_PROBLEMS.items():
            operation.setdefault("responses", {}).setdefault(
                code,
                {
                    "description": description,
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            )
        for status, response in operation["responses"].items():
            headers = response.setdefault("headers", {})
            if status == "409":
                headers.update(IDEMPOTENCY_RETRY_AFTER_HEADER)
            if status not in NEVER_REPLAYED and not status.startswith("5"):
                headers.update(IDEMPOTENT_REPLAYED_HEADER)
    return result


# Every answer to a known client carries its rate-limit state (api.throttling); an answer to a request
# without a valid key has no budget to tell, so the headers are documented but not required.
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": 'The client\'s budget (IETF draft "RateLimit header fields for HTTP"): '
        '`"client";q=<requests>;w=<seconds>`.',
        "schema": {"type": "string", "pattern": r'^"client";q=\d+;w=\d+$'},
    },
    "RateLimit": {
        "description": 'What is left of it: `"client";r=<remaining requests>;t=<seconds until the budget is whole>`. '
        "`r=0` means the next request will be 429 until then.",
        "schema": {"type": "string", "pattern": r'^"client";r=\d+;t=\d+$'},
    },
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request (the same as `t` in RateLimit).",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
WWW_AUTHENTICATE_HEADER = {"WWW-Authenticate": {
    "description": 'The challenge of a missing or refused key (RFC 9110): `Bearer realm="api"`.',
    "required": True, "schema": {"type": "string", "pattern": "^Bearer"},
}}
UNAVAILABLE_RETRY_AFTER_HEADER = {"Retry-After": {
    "description": "Seconds to wait before sending the same request again.",
    "required": True, "schema": {"type": "integer", "minimum": 1},
}}
ETAG_HEADER = {
    "ETag": {
        "description": "A strong entity tag of this answer: send it in If-None-Match to be answered 304.",
        "schema": {"type": "string"},
    }
}


# Every answer of an operation the schema marks deprecated (RFC 9745 and RFC 8288).
DEPRECATION_HEADERS = {
    "Deprecation": {
        "description": "This operation is deprecated, since this date (`@<seconds since 1970>`, RFC 9745).",
        "schema": {"type": "string", "pattern": r"^@-?\d+$"},
    },
    "Link": {
        "description": 'Where the same operation lives now: `<path>; rel="successor-version"`.',
        "schema": {"type": "string"},
    },
}


# The answers that hold a customer's preference document (a read, an upsert, a change, a contact point
# added, changed or removed) carry its ETag (api.views.document_response): the If-Match of the next change.
DOCUMENT_COMPONENTS = ("#/components/schemas/PreferenceDocumentOut", "#/components/schemas/PreferencesChangeOut")
DOCUMENT_ETAG_HEADER = {
    "ETag": {
        "description": 'The document\'s strong entity tag, `"<version>.<hash>"`: send it (or `"<version>"`) in '
        "If-Match with the next change of this customer.",
        "schema": {"type": "string"},
    }
}


# The same answers (and the 304 of a read) say whose document it is: the customer's address under our id,
# whichever path named the customer (api.views.document_response).
DOCUMENT_LOCATION_HEADERS = {
    "Location": {
        "description": "The customer's canonical address, under our id: `/api/v1/customers/{customer_id}`, also "
        "when the request named the customer by your id (`/customers/by-external-id/{external_id}`, an upsert's "
        "`external_id`) or added a contact point. Keep it to call the customer by our id.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Content-Location": {
        "description": "The same address: the body is the representation of the customer there, as it stands "
        "after this request (RFC 9110 §8.7), whichever path asked.",
        "required": True,
        "schema": {"type": "string"},
    },
}


def _holds_document(response: dict) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") in DOCUMENT_COMPONENTS


def response_headers_postprocess(result, generator, request, public):
    """The rate-limit headers on every answer of an operation that takes a key (and Retry-After on a 429),
    the deprecation headers on every answer of a deprecated operation, the ETag on the answers of operations that take If-None-Match (api.conditional)
    and on every answer that holds a customer's document, with its Location and Content-Location (and on
    the 304 that stands for such an answer)."""
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            conditional = any(p.get("name") == "If-None-Match" for p in operation.get("parameters", []))
            document = any(status.startswith("2") and _holds_document(response)
                           for status, response in operation["responses"].items())
            keyed = bool(operation.get("security"))  # a signed link (auth=[]) has no client, so no budget
            for status, response in operation["responses"].items():
                headers = response.setdefault("headers", {})
                if keyed:
                    headers.update(RATE_LIMIT_HEADERS)
                if status == "429":
                    headers.update(RETRY_AFTER_HEADER)
                if status == "503":
                    headers.update(UNAVAILABLE_RETRY_AFTER_HEADER)
                if status == "401":
                    headers.update(WWW_AUTHENTICATE_HEADER)
                if operation.get("deprecated"):
                    headers.update(DEPRECATION_HEADERS)
                if conditional and status in ("200", "304"):
                    headers.update(ETAG_HEADER)
                elif status.startswith("2") and _holds_document(response):
                    headers.update(DOCUMENT_ETAG_HEADER)
                if document and (status == "304" or status.startswith("2") and _holds_document(response)):
                    headers.update(DOCUMENT_LOCATION_HEADERS)
    return result


# --- Strict input, stated in the schema ------------------------------------------------------------
# Every rule the serializers enforce on a value alone is said here too, so that a schema-driven client
# (or fuzzer) never sends a "valid" request that is refused: unknown fields (additionalProperties),
# exactly one of two fields (oneOf), non-blank strings without NUL (minLength and pattern), phone
# numbers (pattern), configured topics (enum).

# DRF refuses a string that is empty once trimmed, or that holds a NUL character.
NON_BLANK_PATTERN = rf"^[^\x00]*[^\x00{PYTHON_WHITESPACE}][^\x00]*$"
# For a field that may be blank: drf-spectacular then says oneOf [this, an empty string], so this one
# must not match the empty string too (oneOf means exactly one).
NON_EMPTY_NO_NUL_PATTERN = r"^[^\x00]+$"


class StrictSerializerExtension(OpenApiSerializerExtension):
    target_class = "api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        for name, field in self.target.fields.items():
            if isinstance(field, serializers.DictField) and not field.allow_empty and name in schema["properties"]:
                schema["properties"][name]["minProperties"] = 1
        one_of = getattr(self.target, "exactly_one_of", ())
        if one_of:
            schema["oneOf"] = [{"required": [name]} for name in one_of]
        return schema


class BoundedDictFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.BoundedDictField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["maxProperties"] = self.target.max_keys
        return schema


class DistinctListFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.DistinctListField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        schema["uniqueItems"] = True
        return schema


class StrictCharFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.fields.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        field = self.target
        codes = _topic_codes(field) if getattr(field, "schema_enum", False) else []
        if codes:
            schema["enum"] = codes
        elif getattr(field, "regex_pattern", None):
            schema["pattern"] = field.regex_pattern  # blank, when allowed, is the oneOf's other branch
        elif field.allow_blank:
            schema["pattern"] = NON_EMPTY_NO_NUL_PATTERN
        else:
            schema["pattern"] = NON_BLANK_PATTERN
        if not field.allow_blank and "enum" not in schema:
            schema["minLength"] = max(schema.get("minLength", 0), 1)
        return schema


def _topic_codes(field) -> list[str]:
    """The topics configured when the schema is served; none when the database cannot be read (the
    schema is then generated by a system check before migrations, say)."""
    from django.db import DatabaseError

    try:
        return sorted(field.choices_now())
    except DatabaseError:
        return []
