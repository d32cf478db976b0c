"""Reading and writing JSON bodies so that hostile input is a 400 or 413 problem, never a 500.

DRF's JSONParser reads the whole stream whatever its size, lets `RecursionError` out of `json.loads`
on deep nesting, and hands lone surrogates ("\\ud800", valid JSON, not valid Unicode) to the views,
whose 400 answers then echo them to a renderer that cannot encode them. This parser refuses all
three before any serializer sees the data; the renderer is the safety net for anything echoed back.
"""

import json
import math
import re

from django.conf import settings
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.json import strict_constant

from api.problems import PayloadTooLarge

# No body this API takes nests deeper than 4 levels (a batch item, a `changes` value): 32 leaves
# room and keeps recursion (here, in serializers, in the renderer) far from Python's limit.
MAX_JSON_DEPTH = 32
# A \uD800–\uDFFF escape in the raw text: only then can a string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _is_lone_surrogate_free(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_shape_check(data, *, check_strings: bool) -> None:
    """Refuse nesting beyond MAX_JSON_DEPTH, and (when asked) any key or string with a lone surrogate."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = ((None, item) for item in value)
        else:
            if check_strings and isinstance(value, str) and not _is_lone_surrogate_free(value):
                raise ParseError(_("The body holds a string that is not valid Unicode (a lone surrogate)."))
            continue
        if depth > MAX_JSON_DEPTH:
            raise ParseError(_("The body nests more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH})
        for key, item in items:
            if check_strings and key is not None and not _is_lone_surrogate_free(key):
                raise ParseError(_("The body holds a string that is not valid Unicode (a lone surrogate)."))
            if isinstance(item, dict | list) or (check_strings and isinstance(item, str)):
                stack.append((item, depth + 1))


def _object_without_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object as a dict, refusing a key given twice: which one was meant is not known (Python
    would keep the last, other readers the first), so it is not guessed."""
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _value in pairs if key in seen or seen.add(key))
        message = _("The body gives the key “%(key)s” twice in one object: send it once.")
        raise ParseError(message % {"key": Truncator(repeated).chars(80)})
    return body


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, refused when a float cannot hold it (1e400 would
    be infinity, which no field takes and JSON cannot write back)."""
    value = float(text)
    if not math.isfinite(value):
        message = _("The body holds a number too large to be read: %(number)s.")
        raise ParseError(message % {"number": Truncator(text).chars(40)})
    return value


class StrictJSONParser(JSONParser):
    """JSON bodies of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 beyond), UTF-8, not nested deeper
    than MAX_JSON_DEPTH, with no lone surrogate, no key repeated in an object and no number beyond a
    float's range: anything else is a 400 problem."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(limit=limit)
        try:
            text = raw.decode("utf-8")  # RFC 8259: JSON exchanged between systems is UTF-8
        except UnicodeDecodeError:
            raise ParseError(_("The body is not valid UTF-8.")) from None
        try:
            data = json.loads(
                text,
                parse_constant=strict_constant if self.strict else None,
                parse_float=_finite_float,
                object_pairs_hook=_object_without_repeated_keys,
            )
        except RecursionError:
            raise ParseError(
                _("The body nests more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
            ) from None
        except ValueError as error:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
        has_surrogate_escape = _SURROGATE_ESCAPE.search(raw) is not None
        # Cheap first: a body with fewer brackets than the limit cannot nest beyond it.
        if has_surrogate_escape or raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH:
            json_shape_check(data, check_strings=has_surrogate_escape)
        return data


class ProblemSafeJSONRenderer(JSONRenderer):
    """DRF's renderer, falling back to \\u escapes when a string cannot be encoded as UTF-8 (a lone
    surrogate that reached an answer some other way than a body): an answer, never a 500."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return json.dumps(data, cls=self.encoder_class, ensure_ascii=True, allow_nan=not self.strict, separators=(",", ":")
            ).encode()
