"""API answers and audience lines are written by orjson, byte for byte as json (DRF's renderer, the
API's encoder) writes them; json writes what orjson would write differently."""

import json
import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from api.renderers import _ENCODER, UtcJSONEncoder, UtcJSONRenderer, json_text, orjson_bytes
from preferences.domain import SubscriptionStatus

PARIS = ZoneInfo("Europe/Paris")

BODIES = [
    {"customer_id": 1, "external_id": None, "allowed": True, "reasons": [], "channels": []},
    {"external_id": 'CRM "quoted" \\ back', "name": "Éloïse Ñúñez 東京 😀", "tab": "a\tb\nc\r\x00\x1f\x7f"},
    {"line_separators": "\u2028\u2029", "html": "</script><!--", "empty": "", "zero": 0, "negative": -12},
    {"next_allowed_at": datetime(2026, 12, 6, 7, 0, tzinfo=UTC)},
    {"next_allowed_at": datetime(2026, 12, 6, 8, 30, 15, 123456, tzinfo=PARIS)},  # written in UTC
    {"not_before": datetime(2026, 3, 29, 1, 59, 59, tzinfo=timezone(timedelta(hours=-3)))},
    {"naive": datetime(2026, 12, 6, 7, 0)},  # taken as UTC, as the encoder does
    {"day": date(2026, 12, 6), "quiet_from": time(21, 30), "precise": time(8, 0, 0, 1500)},
    {"lazy": gettext_lazy("Unknown topic."), "decimal": Decimal("1.50"), "big": 2**63 - 1},
    {"choice": SubscriptionStatus.PENDING, "uuid": UUID("12345678-1234-5678-1234-567812345678")},
    {"nested": [{"a": [1, [2, [3, {"b": None}]]]}], "bools": [True, False], "tuple": (1, "a")},
    {"footprints": [0.3, 4.0, 12.5, -0.0, 0.00012, 1e16, 123456789.125, 1.7976931348623157e308]},
    {"pages": {1: "one", 2: "two"}},  # keys that are not strings: orjson refuses, json writes them
    {"beyond_64_bits": 2**70, "negative_beyond": -(2**64)},  # orjson refuses: json writes it
    {"lone_surrogate": "\ud800"},  # orjson refuses: json writes it
    ["a list", 1, None],
    "a string",
]


def drf_render(body) -> bytes:
    """What DRF's own JSONRenderer writes with the API's encoder (the answer before orjson)."""
    renderer = JSONRenderer()
    renderer.encoder_class = UtcJSONEncoder
    try:
        return renderer.render(body)
    except UnicodeEncodeError:  # a lone surrogate: api.parsers.ProblemSafeJSONRenderer's \\u escapes
        return UtcJSONRenderer().render(body)


@pytest.mark.parametrize("body", BODIES)
def test_an_answer_is_what_drfs_renderer_writes(body):
    assert UtcJSONRenderer().render(body) == drf_render(body)


@pytest.mark.parametrize("body", BODIES)
def test_an_audience_line_is_what_the_apis_encoder_writes(body):
    assert json_text(body) == _ENCODER.encode(body)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_is_the_same_number_and_the_same_bytes_from_1e_minus_4(number):
    body = {"value": number, "list": [number, -number]}
    ours, drfs = UtcJSONRenderer().render(body), drf_render(body)
    assert json.loads(ours) == json.loads(drfs)
    if number == 0 or abs(number) >= 1e-4:
        assert ours == drfs


def test_a_float_below_1e_minus_4_is_written_in_another_notation():
    assert orjson_bytes({"small": 1e-05}) == b'{"small":0.00001}'  # json: 1e-05
    assert json_text({"small": 1e-05}) == '{"small":0.00001}'


def test_an_indented_answer_is_drfs_own():
    body = {"a": [1, 2]}
    rendered = UtcJSONRenderer().render(body, "application/json; indent=2", {})
    assert rendered == b'{\n  "a": [\n    1,\n    2\n  ]\n}'


def test_nothing_is_rendered_as_nothing():
    assert UtcJSONRenderer().render(None) == b""


def test_a_value_neither_knows_is_refused_as_before():
    with pytest.raises(TypeError):
        UtcJSONRenderer().render({"object": object()})


def test_not_a_number_is_written_null_where_json_refused_it():
    # The one difference, on a value no answer holds: DRF's strict renderer raised (a 500).
    with pytest.raises(ValueError):
        drf_render({"nan": math.nan})
    assert UtcJSONRenderer().render({"nan": math.nan, "inf": math.inf}) == b'{"nan":null,"inf":null}'
