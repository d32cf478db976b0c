"""How the API describes itself in OpenAPI: the key schemes and the problem answers of each operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from api.problems import PROBLEM_CONTENT_TYPE
from api.serializers import ProblemSerializer

PROBLEM_DESCRIPTIONS = {
    400: "The body or a parameter is not valid (see `errors`).",
    401: "No API key, or a key that is unknown, expired or revoked.",
    403: "The key lacks the scope this operation needs.",
    404: "No such object (or not one this client may see).",
    406: "The Accept header asks for a format other than JSON.",
    409: "The object is not in a state that allows this yet (e.g. an export still being prepared).",
    412: "If-Match names an older version: read the document again.",
    415: "The body is not JSON.",
    428: "If-Match is missing.",
    429: "Rate limit reached: wait for the number of seconds in Retry-After.",
}


def problems(*codes: int) -> dict:
    """Error answers for extend_schema: always 401, 403, 406 and 429 (every operation is authenticated)."""
    every = sorted(set(codes) | {401, 403, 406, 429})
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=PROBLEM_DESCRIPTIONS[code])
        for code in every
    }


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
BATCH_ARRAYS = {"CustomerBatchUpsert": "customers", "SendBatch": "sends"}


def batch_limits_postprocess(result, generator, request, public):
    from api.serializers import MAX_BATCH

    schemas = result.get("components", {}).get("schemas", {})
    for component, prop in BATCH_ARRAYS.items():
        array = schemas.get(component, {}).get("properties", {}).get(prop)
        if array is not None:
            array.update({"minItems": 1, "maxItems": MAX_BATCH})
    return result
