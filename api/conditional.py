"""Conditional GET (RFC 9110 §13.1.2): a strong ETag computed from the representation itself, and
`If-None-Match` answered 304 Not Modified. One helper for every readable resource (the catalogue, the
preference documents), so that they compare tags the same way.

The tag hashes the body as it is rendered, so it changes whenever anything in the answer changes:
a customer's choices, the catalogue it is read through (a topic added, a channel allowed), or what
the caller's scopes let it see. A resource with a version puts it first (`"7.3f9a…"`), so that
If-Match can still name the version a change starts from (api.views)."""

import hashlib
import re
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.renderers import UtcJSONRenderer

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


_RENDERER = UtcJSONRenderer()


def representation_render(body: Any) -> bytes:
    """The body as the API sends it (api.renderers): rendered once, hashed for the tag and sent as is."""
    return _RENDERER.render(body)


def representation_etag(content: bytes, *, version: int | None = None) -> str:
    """A strong entity tag for these rendered bytes: a hash of them, after the version when there is one.
    The representations are built in a fixed order, so the same data always renders to the same bytes."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    return f'"{version}.{digest}"' if version is not None else f'"{digest}"'


def if_none_match_matches(request, etag: str) -> bool:
    """Whether If-None-Match names this tag (weak comparison, as RFC 9110 §13.1.2 says), or is `*`.
    A header that holds no entity tag matches nothing: the full answer is sent."""
    header = request.META.get("HTTP_IF_NONE_MATCH", "").strip()  # not request.headers: it copies every header
    if not header:
        return False
    if header == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == opaque for tag in ENTITY_TAG.findall(header))


def conditional_response(request, content: bytes, *, etag: str, status: int = 200) -> HttpResponse:
    """The answer to a GET: 304 with only the tag when the caller holds this representation already,
    else the rendered body with its tag (a plain HttpResponse: DRF would render it a second time)."""
    if status == 200 and request.method in ("GET", "HEAD") and if_none_match_matches(request, etag):
        response = HttpResponse(status=304)
        del response["Content-Type"]  # no body, nothing to type (as DRF's empty Response)
    else:
        response = HttpResponse(content, status=status, content_type=_RENDERER.media_type)
    response["ETag"] = etag
    return response
