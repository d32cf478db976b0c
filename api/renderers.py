"""Every time in an API answer is UTC, written with `Z` (RFC 3339), whatever produced it. Answers are
written by orjson, with the bytes DRF's json renderer would write (a tenth of a read went to json)."""

from datetime import datetime

import orjson
from rest_framework.utils.encoders import JSONEncoder

from api.parsers import ProblemSafeJSONRenderer
from common.times import utc_text

_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class UtcJSONEncoder(JSONEncoder):
    """DRF's encoder writes an aware time in its own offset (`+01:00` for a time in Paris); this one
    writes it in UTC with `Z` (common.times.utc_text, which the webhooks use too)."""

    def default(self, obj):
        if isinstance(obj, datetime):
            return utc_text(obj)
        return super().default(obj)


_ENCODER = UtcJSONEncoder(ensure_ascii=False, separators=(",", ":"))


def orjson_bytes(body) -> bytes | None:
    """`body` written by orjson with the bytes the API's encoder would write (compact, UTF-8, times in
    UTC with `Z`), or None for what orjson refuses: an integer beyond 64 bits, a lone surrogate, a key
    that is not a string. Times, decimals and what else orjson does not know go through the encoder's
    `default`. One difference, in form only: a float below 1e-4 is written as the same number in
    another notation (`0.00001` for json's `1e-05`). tests/api/test_renderers.py compares the two."""
    try:
        return orjson.dumps(body, default=_ENCODER.default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None


def json_text(body) -> str:
    """`body` as the API's encoder writes it, by orjson where it writes the same (an audience file's line)."""
    content = orjson_bytes(body)
    return content.decode() if content is not None else _ENCODER.encode(body)


class UtcJSONRenderer(ProblemSafeJSONRenderer):
    """The API's renderer: times in UTC, and never a 500 for a string JSON cannot encode."""

    encoder_class = UtcJSONEncoder

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # DRF reads an indent from `Accept: application/json; indent=4` or the context: then DRF writes it.
        indented = (accepted_media_type and "indent" in accepted_media_type) or (renderer_context or {}).get("indent")
        if data is None or indented:
            return super().render(data, accepted_media_type, renderer_context)
        content = orjson_bytes(data)
        if content is None:
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2" in content and (b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content):
            # As DRF: the line and paragraph separators escaped, so the answer is also valid JavaScript.
            content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return content
