"""The audience file's lines are written by orjson, byte for byte as the API's json encoder writes them."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy

from api.audience_files import _encoder, json_line

PARIS = ZoneInfo("Europe/Paris")

BODIES = [
    {"customer_id": 1, "external_id": None, "allowed": True, "reasons": [], "channels": []},
    {"external_id": 'CRM "quoted" \\ back', "name": "Éloïse Ñúñez 東京 😀", "tab": "a\tb\nc\r\x00\x1f\x7f"},
    {"line_separators": "\u2028\u2029", "html": "</script><!--", "empty": "", "zero": 0, "negative": -12},
    {"next_allowed_at": datetime(2026, 12, 6, 7, 0, tzinfo=UTC)},
    {"next_allowed_at": datetime(2026, 12, 6, 8, 30, 15, 123456, tzinfo=PARIS)},  # written in UTC
    {"not_before": datetime(2026, 3, 29, 1, 59, 59, tzinfo=timezone(timedelta(hours=-3)))},
    {"naive": datetime(2026, 12, 6, 7, 0)},  # taken as UTC, as the encoder does
    {"lazy": gettext_lazy("Unknown topic."), "decimal": Decimal("1.50"), "big": 2**63 - 1},
    {"nested": [{"a": [1, [2, [3, {"b": None}]]]}], "bools": [True, False]},
    {"beyond_64_bits": 2**70},  # orjson refuses: json writes it
    {"lone_surrogate": "\ud800"},  # orjson refuses: json writes it
]


@pytest.mark.parametrize("body", BODIES)
def test_a_line_is_what_the_apis_encoder_writes(body):
    assert json_line(body) == _encoder.encode(body)
