"""Conditional GET (RFC 9110 §13.1.2): a strong ETag computed from the representation itself, and
`If-None-Match` answered 304 Not Modified. One helper for every readable resource (the catalogue, the
preference documents), so that they compare tags the same way.

The tag hashes the body as it is rendered, so it changes whenever anything in the answer changes:
a customer's choices, the catalogue it is read through (a topic added, a channel allowed), or what
the caller's scopes let it see. A resource with a version puts it first (`"7.3f9a…"`), so that
If-Match can still name the version a change starts from (api.views)."""

import hashlib
import json
import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.response import Response

from api.renderers import UtcJSONEncoder

# One entity tag, strong or weak; If-None-Match carries a comma-separated list of them, or `*`.
ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"')
HASH_LENGTH = 20  # hex digits of SHA-256: 80 bits, plenty to tell two representations apart

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag (or ETags, comma-separated) you hold: 304 Not Modified, with no body, when the "
    "representation has not changed since. `*` matches any representation.",
)
NOT_MODIFIED = {304: OpenApiResponse(description="Not Modified: the representation matches If-None-Match.")}


def representation_etag(body: Any, *, version: int | None = None) -> str:
    """A strong entity tag for this body: a hash of it, after its version when it has one."""
    rendered = json.dumps(body, cls=UtcJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(rendered.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_LENGTH]
    return f'"{version}.{digest}"' if version is not None else f'"{digest}"'


def if_none_match_matches(request, etag: str) -> bool:
    """Whether If-None-Match names this tag (weak comparison, as RFC 9110 §13.1.2 says), or is `*`.
    A header that holds no entity tag matches nothing: the full answer is sent."""
    header = request.headers.get("If-None-Match", "").strip()
    if not header:
        return False
    if header == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == opaque for tag in ENTITY_TAG.findall(header))


def conditional_response(request, body: Any, *, etag: str, status: int = 200) -> Response:
    """The answer to a GET: 304 with only the tag when the caller holds this representation already,
    else the body with its tag."""
    if status == 200 and request.method in ("GET", "HEAD") and if_none_match_matches(request, etag):
        response = Response(status=304)
    else:
        response = Response(body, status=status)
    response["ETag"] = etag
    return response
