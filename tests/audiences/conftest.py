"""Audience fixtures: a varied customer base made through the services, and API helpers."""

import gzip
import json
from datetime import datetime, timedelta

import pytest

from api.models import Send
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.api.conftest import api, make_api, make_api_customer  # noqa: F401  (api, make_api: fixtures)
from tests.moments import recent_iso

URL = "/api/v1/audiences"
PLANS = "/api/v1/contact-plans"
AT = recent_iso("2026-03-10T11:00:00Z")  # a Tuesday, noon in Paris, within the API's year
AT_TIME = datetime.fromisoformat(AT)

# A spread of choices, one per customer in turn: every rule of the plan has customers it refuses.
VARIANTS = [
    {"subscription.offers.email": "in"},
    {"subscription.offers.email": "in", "topic.offers.ai_level": "human_only"},
    {"subscription.offers.sms": "in", "customer.quiet_hours_start": "10:00", "customer.quiet_hours_end": "14:00"},
    {"customer.marketing_objection": True},
    {"subscription.offers.email": "in", "subscription.offers.sms": "in", "customer.weekly_marketing_cap": 1},
    {"subscription.offers.phone": "in", "customer.language": "fr"},
    {},
    {"subscription.offers.email": "in", "topic.billing.delivery_mode": "all", "subscription.billing.sms": "in"},
]


def make_population(count: int, *, start: int = 0) -> list:
    """`count` customers: every third without a verified email, every other with a mobile, varied choices;
    the capped ones with a marketing message reported sent the day before."""
    customers = []
    for number in range(start, start + count):
        fields = {"email_verified": number % 3 != 0, "language": "en" if number % 2 else "fr"}
        if number % 2 == 0:
            fields.update(phone=f"06{number:08d}", phone_verified=True)
        customer = make_api_customer(f"AUD-{number}", email=f"c{number}@example.com", **fields)
        reachable = {"email"} if fields["email_verified"] else set()
        reachable |= {"sms", "phone"} if "phone" in fields else set()
        changes = {
            key: value
            for key, value in VARIANTS[number % len(VARIANTS)].items()
            if not key.startswith("subscription.") or key.rpartition(".")[2] in reachable
        }
        if changes:
            preferences_change(
                customer_id=customer.pk,
                changes=changes,
                context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
            )
        customers.append(customer)
    return customers


def report_sends(client, customers) -> None:
    offers = catalog_get().topics_by_code["offers"]
    for customer in customers:
        Send.objects.create(
            client=client, customer=customer, topic=offers, channel="email", sent_at=AT_TIME - timedelta(days=1)
        )


def single_plans(caller, customers, topic: str, ai_generated: bool = True) -> list[dict]:
    """The single contact plans of these customers at AT (POST /api/v1/contact-plans), by customer id."""
    body = {"topic": topic, "ai_generated": ai_generated, "at": AT, "customer_ids": [c.pk for c in customers]}
    response = caller.post(PLANS, body)
    assert response.status_code == 200, response.content
    return sorted(response.json()["plans"], key=lambda plan: plan["customer_id"])


def audience_queued(caller, capture):
    """An offers audience of every customer at AT, created with no worker taking its chunks (the test runs
    them): `capture` is django_capture_on_commit_callbacks."""
    with capture(execute=False):
        return caller.post(URL, {"topic": "offers", "at": AT, "include": "all"})


def file_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(data).splitlines()]


def download(caller, url: str) -> bytes:
    response = caller.client.get(url)  # no key: the link's signature is the permission
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/gzip"
    return b"".join(response.streaming_content)


@pytest.fixture
def population(db):
    return make_population(24)
