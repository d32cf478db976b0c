"""Everything we hold about a customer, as one JSON document and as one CSV table.

The CSV is "long": one row per value (section, item, field, value), so that every section of the
JSON fits in one file any spreadsheet opens.
"""

import io
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from common.csv_safe import csv_writer

EXPORT_FORMAT = "portal-data-export/1"
# The lists of rows privacy collects itself (privacy.selectors.customer_data_collect), in this order.
OWN_SECTIONS = ("contact_points", "consent_events", "contact_requests")
# Sections kept by apps built on privacy, which privacy must not import: each registers, in its
# AppConfig.ready(), a name and a function of a customer id that returns the section's rows (one
# query). They follow privacy's own sections, in the order registered.
EXPORT_SECTIONS: dict[str, Callable[..., list[dict[str, Any]]]] = {}


def export_section_register(name: str, collect: Callable[..., list[dict[str, Any]]]) -> None:
    """Add a section to every export: collect(customer_id=...) returns its rows, each with an "id"."""
    EXPORT_SECTIONS[name] = collect


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _cell(value: Any) -> Any:
    """One value as the text of a cell, written as in the JSON file but without JSON's own quotes: a
    date is `2026-03-01T10:00:00Z`, not `"2026-03-01T10:00:00Z"` (which the csv module would quote
    again, so that the spreadsheet showed the quotes). Lists and objects are JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return value
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return DjangoJSONEncoder().default(value)  # dates, times, decimals, UUIDs: their JSON text


def export_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)  # cells that a spreadsheet would run as formulas are neutralised
    writer.writerow(["section", "item", "field", "value"])
    for field, value in data["customer"].items():
        writer.writerow(["customer", "", field, _cell(value)])
    for key, value in data["preferences"].items():
        writer.writerow(["preferences", "", key, _cell(value)])
    for section in (*OWN_SECTIONS, *EXPORT_SECTIONS):
        for row in data.get(section, ()):
            item = row.get("id", "")
            for field, value in row.items():
                if field != "id":
                    writer.writerow([section, item, field, _cell(value)])
    return out.getvalue()
