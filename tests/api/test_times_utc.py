"""Every time in every API answer is UTC with `Z`: a walk through the answers of every endpoint, with
the site's time zone far from UTC and times sent in other offsets."""

import re
from datetime import UTC, timedelta
from datetime import timezone as offset

import pytest
from django.utils import timezone

from tests.api.conftest import make_api_customer
from tests.moments import recent_iso
from tests.webhooks.conftest import make_customer, receiver  # noqa: F401 (a real receiver on 127.0.0.1)

NEW_YORK_WINTER = offset(timedelta(hours=-5))
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _date_times(value, path="$"):
    """(path, string) for every date-time string anywhere in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _date_times(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _date_times(item, f"{path}[{index}]")
    elif isinstance(value, str) and DATE_TIME.match(value):
        yield path, value


class Walk:
    """Every answer seen, with the date-time strings in it."""

    def __init__(self):
        self.seen: dict[str, str] = {}

    def __call__(self, name: str, response, status: int = 200) -> dict:
        assert response.status_code == status, (name, response.content)
        body = response.json()
        for path, value in _date_times(body):
            self.seen[f"{name}:{path}"] = value
        return body


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"  # the site's zone, far from UTC: nothing in the API follows it


def test_every_date_time_in_the_api_is_utc_with_z(
    api, new_york, receiver, django_capture_on_commit_callbacks  # noqa: F811
):
    walk = Walk()
    endpoint = walk(
        "endpoint_create",
        api.post("/api/v1/webhook-endpoints", {"url": receiver.url, "event_types": ["customer.created",
                                                                                    "customer.preferences_changed"]}),
        201,
    )
    receiver.plan = [(500, {})]  # the first attempt fails: a next attempt time and an attempt log
    with django_capture_on_commit_callbacks(execute=True):
        created = walk(
            "customer_upsert",
            api.post("/api/v1/customers", {"external_id": "CRM-T", "email": "t@example.com", "email_verified": True,
                                           "phone": "+33612345678", "phone_verified": True, "language": "en"}),
            201,
        )
    customer_id = created["id"]
    walk("customer_read", api.get(f"/api/v1/customers/{customer_id}"))
    walk(
        "customer_change",
        api.patch(f"/api/v1/customers/{customer_id}",
                  {"changes": {"subscription.service.sms": "in", "subscription.service.email": "out",
                               "customer.quiet_hours_start": "21:00", "customer.quiet_hours_end": "08:00"}},
                  headers={"If-Match": '"1"'}),
    )
    walk("batch", api.post("/api/v1/customers/batch", {"customers": [{"external_id": "CRM-U"}]}))
    plan = walk(
        "plan",
        api.post("/api/v1/contact-plans", {"topic": "service", "customer_ids": [customer_id],
                                           "at": recent_iso("2026-03-10T23:30:00+01:00")}),
    )
    assert plan["at"] == recent_iso("2026-03-10T22:30:00Z")
    assert plan["plans"][0]["next_allowed_at"] == recent_iso("2026-03-11T07:00:00Z")
    # A send a week ago, written on New York's winter offset (a send may be neither future nor a year old).
    sent_at = (timezone.now() - timedelta(days=7)).replace(microsecond=0).astimezone(NEW_YORK_WINTER)
    sends = walk(
        "sends",
        api.post("/api/v1/sends", {"sends": [{"customer_id": customer_id, "topic": "offers", "channel": "email",
                                              "sent_at": sent_at.isoformat(), "message_id": "m-1"}]}),
        201,
    )
    send = walk("send_read", api.get(f"/api/v1/sends/{sends['ids'][0]}"))
    assert send["sent_at"] == sent_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    walk("events", api.get("/api/v1/events", limit=1000))
    request = walk(
        "contact_request_create",
        api.post("/api/v1/contact-requests", {"customer_id": customer_id, "reason": "A refund.",
                                              "preferred_channel": "phone"}),
        201,
    )
    walk("contact_request_read", api.get(f"/api/v1/contact-requests/{request['id']}"))
    walk("contact_requests", api.get("/api/v1/contact-requests"))
    walk("unsubscribe_links", api.get("/api/v1/customers/CRM-T/unsubscribe-links", topic="offers", channel="email"))
    walk("endpoints", api.get("/api/v1/webhook-endpoints"))
    walk("deliveries", api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries"))
    walk(
        "replay_range",
        api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/replay",
                 {"since": "2020-01-01T00:00:00+02:00", "until": "2100-01-01T00:00:00+02:00"}),
    )
    walk("endpoint_disable", api.patch(f"/api/v1/webhook-endpoints/{endpoint['id']}", {"enabled": False}))
    walk("endpoint_read", api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}"))

    wrong = {where: value for where, value in walk.seen.items() if not value.endswith("Z")}
    assert wrong == {}
    # The walk did meet the times of each kind of answer (a walk that met none would prove nothing).
    expected = [
        "plan:$.at", "plan:$.plans[0].next_allowed_at", "plan:$.plans[0].deferred[0].not_before",
        "send_read:$.sent_at", "events:$.events[0].occurred_at",
        "contact_request_create:$.due_at", "contact_request_create:$.created_at",
        "contact_requests:$.contact_requests[0].due_at", "unsubscribe_links:$.expires_at",
        "endpoint_create:$.created_at", "deliveries:$.deliveries[0].event_created_at",
        "deliveries:$.deliveries[0].recent_attempts[0].attempted_at", "endpoint_read:$.disabled_at",
    ]
    assert [key for key in expected if key not in walk.seen] == []


def test_a_problem_and_a_webhook_body_carry_utc_times_too(api, new_york, db):
    from outbox.models import OutboxEvent
    from webhooks.attempts import delivery_body

    make_customer("CRM-W")
    body = delivery_body(OutboxEvent.objects.latest("id"))
    timestamp = re.search(r'"timestamp":"([^"]+)"', body).group(1)
    assert timestamp.endswith("Z")
    # A refusal's body holds no local time either (nothing but UTC anywhere in an answer).
    refused = api.post("/api/v1/contact-plans", {"topic": "service", "customer_ids": [1], "at": "1999-01-01T00:00:00"})
    assert refused.status_code == 400
    assert all(value.endswith("Z") for _path, value in _date_times(refused.json()))
    assert make_api_customer("CRM-X").pk
