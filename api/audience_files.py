"""An audience's file as the API writes it: each line the contact plan's own representation (the
audiences app is given plan_line at start-up), and the same file as CSV, made from the NDJSON parts
as it is downloaded (one chunk's part in memory at a time)."""

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator

from api.renderers import json_text
from api.representations import plan_representation
from common.csv_safe import csv_writer
from preferences.contact_plan import ContactPlan

FORMATS = ("ndjson", "csv")

CSV_COLUMNS = (
    "customer_id",
    "external_id",
    "language",
    "allowed",
    "reasons",
    "delivery_mode",
    "channels",
    "addresses",
    "deferred",
    "paper_copy",
    "paper_copy_address",
    "ai_level",
    "ai_allowed",
    "ai_requires_human_review",
    "ai_disclosure_text",
    "format_needs",
    "next_allowed_at",
    "assistance_mode",
)


def plan_line(plan: ContactPlan, *, external_id: str | None, personal: bool) -> str:
    """One line of the NDJSON file: what POST /api/v1/contact-plans answers for this customer.

    Written by orjson (a sixth of an audience chunk's time went to json here), with the bytes the API's
    encoder would write (api.renderers.json_text)."""
    return json_text(plan_representation(plan, external_id=external_id, personal=personal))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def csv_row(plan: dict) -> list:
    """A plan as one CSV row: lists joined by spaces, addresses as channel:address."""
    ai = plan["ai"]
    paper = plan["paper_copy_address"]
    return [
        plan["customer_id"],
        plan["external_id"],
        plan["language"],
        _flag(plan["allowed"]),
        " ".join(plan["reasons"]),
        plan["delivery_mode"],
        " ".join(item["channel"] for item in plan["channels"]),
        " ".join(f"{item['channel']}:{item['address']}" for item in plan["channels"] if item.get("address")),
        " ".join(f"{item['channel']}@{item['not_before']}" for item in plan["deferred"]),
        _flag(plan["paper_copy"]),
        (paper or {}).get("address") or "",
        ai["level"],
        _flag(ai["allowed"]),
        _flag(ai["requires_human_review"]),
        ai["disclosure_text"],
        " ".join(plan["format_needs"]),
        plan["next_allowed_at"],
        plan["assistance_mode"],
    ]


def csv_parts(ndjson_parts: Iterable[bytes]) -> Iterator[bytes]:
    """The NDJSON parts (gzip members) as one gzip-compressed CSV file, part by part."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip wrapper
    text = io.StringIO()
    writer = csv_writer(text)
    writer.writerow(CSV_COLUMNS)
    for part in ndjson_parts:
        for line in gzip.decompress(part).splitlines():
            writer.writerow(csv_row(json.loads(line)))
        yield compressor.compress(text.getvalue().encode())
        text.seek(0)
        text.truncate()
    yield compressor.compress(text.getvalue().encode()) + compressor.flush()
