"""The API's strict scalar fields: each takes only what the schema says (a string as a string, an
integer as a number, a moment with its offset), where DRF's own fields would coerce (0 into "0",
"7" into 7, "yes" into true) and turn a client's mistake into a value it did not mean."""

import re
from datetime import UTC

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# DRF trims with str.strip(), whose whitespace is wider than a regex's \s in JavaScript (it also holds
# the information separators U+001C..U+001F and U+0085): the class is spelled out so that every
# validator and the schema read it the same way.
PYTHON_WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class StrictBooleanField(serializers.BooleanField):
    """true or false only: DRF's BooleanField would also take 0, "yes" or "on", which the schema forbids."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    """A string and only a string: DRF's CharField would turn 0 into "0", which the schema forbids."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON number with no fraction: DRF's IntegerField would also take the string "7" (and true is
    no integer either), which the schema forbids."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


_QUERY_INTEGER = re.compile(r"-?[0-9]+")


class QueryIntegerField(serializers.IntegerField):
    """An integer in a query string, in ASCII digits and nothing else: DRF's IntegerField would also
    take "1.0", " 1" or "١" (an Arabic-Indic one), which no client means to send."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _QUERY_INTEGER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


# RFC 3339's date-time, as the schema's `format: date-time` says: a date, a time and an offset.
_DATE_TIME_WITH_OFFSET = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})")


class OffsetDateTimeField(serializers.DateTimeField):
    """A moment sent with its offset (`2026-03-11T08:00:00+01:00`, or `Z`). Without one
    (`2026-03-11T08:00:00`, a date alone) it is refused, not read as UTC: a client on Paris time would
    be an hour off without knowing it. Answered in UTC."""

    default_error_messages = {
        "offset": _("Enter a date and time with its time zone, such as 2026-09-01T00:00:00Z."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _DATE_TIME_WITH_OFFSET.fullmatch(value):
            self.fail("offset")
        return super().to_internal_value(value)


class ExternalIdField(StrictCharField):
    """A customer's id in the caller's system, exactly as sent: with blanks around it, it is refused,
    not trimmed (two ids that differ only by blanks would otherwise name one customer, and the id sent
    back would not be the one given)."""

    regex_pattern = rf"^[^\x00{PYTHON_WHITESPACE}]([^\x00]*[^\x00{PYTHON_WHITESPACE}])?$"

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value != value.strip():
            raise serializers.ValidationError(_("Send the id exactly as your system holds it, without blanks around it."))
        return value


class ReasonField(StrictCharField):
    """Why someone acts on a customer's behalf: words, not only blanks or punctuation (the service's
    rule, preferences.ledger.reason_given). The schema asks for an ASCII letter or digit; the server
    takes a letter or digit of any script."""

    regex_pattern = r"^[^\x00]*[0-9A-Za-z][^\x00]*$"


