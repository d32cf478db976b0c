"""Times as the API and the webhooks write them: UTC, RFC 3339, with `Z` (`2026-03-11T07:00:00Z`, or
`2026-12-07T02:08:05.127222Z` with its microseconds), as the README promises for every time."""

from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder


def utc_text(value: datetime) -> str:
    """`value` in UTC, written with `Z`, to the microsecond when it has any (what DRF writes for a time in
    UTC). The server keeps no naive times (USE_TZ): one would be UTC."""
    value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.isoformat().removesuffix("+00:00") + "Z"


class UtcDjangoJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but a time is written by utc_text: Django's keeps the time's own offset
    (`+01:00`) and cuts it to the millisecond, so a webhook would not write a time as the API does."""

    def default(self, o):
        if isinstance(o, datetime):
            return utc_text(o)
        return super().default(o)
