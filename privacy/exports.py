"""Everything we hold about a customer, as one JSON document and as one CSV table.

The CSV is "long": one row per value (section, item, field, value), so that every section of the
JSON fits in one file any spreadsheet opens.
"""

import csv
import io
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

EXPORT_FORMAT = "portal-data-export/1"


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def export_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for field, value in data["customer"].items():
        writer.writerow(["customer", "", field, _cell(value)])
    for key, value in data["preferences"].items():
        writer.writerow(["preferences", "", key, _cell(value)])
    for section in ("contact_points", "consent_events", "contact_requests"):
        for row in data[section]:
            item = row.get("id", "")
            for field, value in row.items():
                if field != "id":
                    writer.writerow([section, item, field, _cell(value)])
    return out.getvalue()
