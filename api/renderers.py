"""Every time in an API answer is UTC, written with `Z` (RFC 3339), whatever produced it."""

from datetime import UTC, datetime

from rest_framework.utils.encoders import JSONEncoder

from api.parsers import ProblemSafeJSONRenderer


class UtcJSONEncoder(JSONEncoder):
    """DRF's encoder writes an aware time in its own offset (`+01:00` for a time in Paris); this one
    turns it into UTC first, so that `…+00:00` becomes `…Z`. The server keeps no naive times (USE_TZ):
    one would be UTC."""

    def default(self, obj):
        if isinstance(obj, datetime):
            obj = obj.astimezone(UTC) if obj.tzinfo is not None else obj.replace(tzinfo=UTC)
        return super().default(obj)


class UtcJSONRenderer(ProblemSafeJSONRenderer):
    """The API's renderer: times in UTC, and never a 500 for a string JSON cannot encode."""

    encoder_class = UtcJSONEncoder
