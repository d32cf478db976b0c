"""Reported sends and the change feed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Scope, Send
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from tests.api.conftest import assert_problem, make_api_customer

SENDS = "/api/v1/sends"
EVENTS = "/api/v1/events"


def _send(customer, **fields):
    return {"customer_id": customer.pk, "topic": "offers", "channel": "email", **fields}


# --- Sends ---------------------------------------------------------------------------------------


def test_report_sends_in_a_batch(make_api, customer):
    api, client = make_api(Scope.SENDS_WRITE)
    sent_at = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api.post(SENDS, {"sends": [_send(customer, sent_at=sent_at, message_id="m-1", ai_generated=True),
                                          _send(customer, topic="billing")]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recorded"] == 2 and body["duplicates"] == 0 and len(body["ids"]) == 2
    first = Send.objects.get(message_id="m-1")
    assert first.client == client and first.ai_generated and first.topic.code == "offers"
    assert Send.objects.get(topic__code="billing").sent_at is not None


def test_the_same_message_id_counts_once(api, customer):
    api.post(SENDS, {"sends": [_send(customer, message_id="m-1")]})
    body = api.post(SENDS, {"sends": [_send(customer, message_id="m-1"), _send(customer, message_id="m-2"),
                                      _send(customer, message_id="m-2")]}).json()
    assert body["recorded"] == 1 and body["duplicates"] == 2
    assert Send.objects.count() == 2


def test_report_refusals(make_api, customer):
    api, _client = make_api(Scope.SENDS_WRITE)
    body = assert_problem(api.post(SENDS, {"sends": [_send(customer), _send(customer, customer_id=customer.pk + 50)]}), 400)
    assert "customer_id" in body["errors"]["sends"]["1"]
    assert_problem(api.post(SENDS, {"sends": [_send(customer, channel="phone", topic="newsletter")]}), 400)
    assert_problem(api.post(SENDS, {"sends": [_send(customer, topic="gossip")]}), 400)
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert_problem(api.post(SENDS, {"sends": [_send(customer, sent_at=future)]}), 400)
    assert_problem(api.post(SENDS, {"sends": []}), 400)
    assert_problem(api.post(SENDS, {"sends": [_send(customer)] * 1001}), 400)
    assert not Send.objects.exists()
    reader, _client = make_api(Scope.DECISIONS_READ)
    assert_problem(reader.post(SENDS, {"sends": [_send(customer)]}), 403)


def test_a_client_reads_its_own_sends_only(make_api, customer):
    api, _client = make_api(Scope.SENDS_WRITE)
    other, _other_client = make_api(Scope.SENDS_WRITE)
    send_id = api.post(SENDS, {"sends": [_send(customer, message_id="m-1")]}).json()["ids"][0]
    response = api.get(f"{SENDS}/{send_id}")
    assert response.status_code == 200 and response.json()["message_id"] == "m-1"
    assert response.json()["topic"] == "offers"
    assert_problem(other.get(f"{SENDS}/{send_id}"), 404)


def test_duplicates_are_answered_with_the_ids_of_the_sends_that_count_them(make_api, customer):
    """Reporting only duplicates answered `ids: []`: each send reported now has a result, in order, with
    the id of the send that counts it (recorded now, or first with its message id) and its status."""
    api, _client = make_api(Scope.SENDS_WRITE)
    first = api.post(SENDS, {"sends": [_send(customer, message_id="m-1"), _send(customer, message_id="m-2")]}).json()
    m1, m2 = first["ids"]
    ids = {"customer_id": customer.pk, "external_id": "CRM-1"}  # the customer by both ids, as elsewhere
    assert first["results"] == [{"index": 0, "id": m1, **ids, "status": "recorded"}, {"index": 1, "id": m2, **ids, "status": "recorded"}]
    again = api.post(SENDS, {"sends": [_send(customer, message_id="m-2"), _send(customer, message_id="m-1")]})
    assert again.status_code == 201, again.content
    body = again.json()
    assert (body["recorded"], body["duplicates"], body["ids"]) == (0, 2, [])
    assert body["results"] == [{"index": 0, "id": m2, **ids, "status": "duplicate"}, {"index": 1, "id": m1, **ids, "status": "duplicate"}]
    # Partly duplicate: a new message id given twice in the batch, an old one, a send without an id.
    sends = [_send(customer, message_id="m-3"), _send(customer, message_id="m-1"), _send(customer, message_id="m-3"),
             _send(customer)]
    mixed = api.post(SENDS, {"sends": sends}).json()
    m3, plain = mixed["ids"]
    assert (mixed["recorded"], mixed["duplicates"]) == (2, 2)
    assert [(result["id"], result["status"]) for result in mixed["results"]] == [
        (m3, "recorded"), (m1, "duplicate"), (m3, "duplicate"), (plain, "recorded")
    ]
    assert Send.objects.count() == 4 and api.get(f"{SENDS}/{m1}").json()["message_id"] == "m-1"
    # Message ids are each client's own: another client's "m-1" is a new send, never the first client's id.
    other, _other_client = make_api(Scope.SENDS_WRITE)
    theirs = other.post(SENDS, {"sends": [_send(customer, message_id="m-1")]}).json()
    assert theirs["recorded"] == 1 and theirs["results"][0]["status"] == "recorded" and theirs["results"][0]["id"] not in (m1, m2, m3)


def test_a_batch_of_sends_takes_a_fixed_number_of_queries(api, customer, django_assert_max_num_queries):
    """Duplicates or not: the customers, the message ids already recorded, one insert (SQLite cuts an insert
    past 124 rows of 8 values into several), in one transaction and its savepoint."""
    api.post(SENDS, {"sends": [_send(customer, message_id="warm")]})
    sends = [_send(customer, message_id=f"m-{n % 60}") for n in range(120)] + [_send(customer) for _ in range(40)]
    with django_assert_max_num_queries(7):
        body = api.post(SENDS, {"sends": sends}).json()
    assert (body["recorded"], body["duplicates"], len(body["results"])) == (100, 60, 160)


# --- Change feed ---------------------------------------------------------------------------------


def test_events_in_order_with_a_cursor_and_pages(api, customer):
    make_api_customer("CRM-2", email="dominique@example.com")
    total = ConsentEvent.objects.count()
    first = api.get(EVENTS, limit=5).json()
    ids = [event["id"] for event in first["events"]]
    assert ids == sorted(ids) and len(ids) == 5
    assert first["has_more"] is True and first["next_cursor"] == first["events"][-1]["cursor"]
    assert first["next"] == f"{EVENTS}?after={first['next_cursor']}&limit=5"
    seen = list(ids)
    cursor = first["next_cursor"]
    while True:
        page = api.get(EVENTS, after=cursor, limit=5).json()
        seen += [event["id"] for event in page["events"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == list(ConsentEvent.objects.order_by("id").values_list("id", flat=True)) and len(seen) == total
    empty = api.get(EVENTS, after=cursor).json()
    assert {key: empty[key] for key in ("events", "has_more", "next")} == {"events": [], "has_more": False, "next": None}
    # At the end the cursor follows the horizon, which other databases' transactions (CI's other
    # worker) move forward: never backward.
    position = [tuple(int(part) for part in str(value).split(".")) for value in (cursor, empty["next_cursor"])]
    assert position[1] >= position[0]


def test_events_carry_what_changed_and_who(api, customer):
    event = api.get(EVENTS, limit=1000).json()["events"][0]
    assert event["customer_id"] == customer.pk and event["external_id"] == "CRM-1"
    assert {"key", "old_value", "new_value", "actor_type", "source", "occurred_at"} <= event.keys()
    assert event["occurred_at"].endswith("Z")


def test_personal_values_only_with_the_contact_points_scope(make_api, customer):
    with_scope, _client = make_api(Scope.EVENTS_READ, Scope.CONTACT_POINTS_READ)
    without, _client = make_api(Scope.EVENTS_READ)

    def contact_point_events(api):
        events = api.get(EVENTS, limit=1000).json()["events"]
        return [event for event in events if event["key"].startswith("contact_point.")]

    (full,) = contact_point_events(with_scope)
    assert full["new_value"]["value"] == "camille@example.com" and "reason" in full
    (redacted,) = contact_point_events(without)
    assert redacted["new_value"] == {"kind": "email", "phone_type": "", "verified": True}
    assert "reason" not in redacted and "evidence" not in redacted
    assert "camille@example.com" not in str(without.get(EVENTS, limit=1000).json())


def _change(customer, key="customer.large_print", value=True):
    preferences_change(
        customer_id=customer.pk,
        changes={key: value},
        context=ChangeContext(actor_type=ActorType.SYSTEM, source=Source.SYSTEM),
    )


# Real commits: inside one test transaction, "now" on PostgreSQL already includes the transaction's own
# later events (the reader's own transaction counts as ended, see preferences.transaction_ids).
@pytest.mark.django_db(transaction=True)
def test_events_from_now_on(api, customer):
    start = api.get(EVENTS, after="now").json()
    assert start["events"] == [] and start["has_more"] is False
    _change(customer)
    page = api.get(EVENTS, after=start["next_cursor"]).json()
    assert [(event["key"], event["new_value"]) for event in page["events"]] == [("customer.large_print", True)]


def test_events_filtered_by_customer_key_and_time(api, customer):
    other = make_api_customer("CRM-2", email="dominique@example.com")
    _change(other, "topic.offers.ai_level", "human_only")
    by_external_id = api.get(EVENTS, external_id="CRM-2", limit=1000).json()["events"]
    assert by_external_id and {event["customer_id"] for event in by_external_id} == {other.pk}
    by_id = api.get(EVENTS, customer_id=other.pk, key_prefix="topic.offers.", limit=1000).json()["events"]
    assert [(event["key"], event["new_value"]) for event in by_id] == [("topic.offers.ai_level", "human_only")]
    now = timezone.now()
    assert api.get(EVENTS, occurred_after=(now + timedelta(minutes=1)).isoformat()).json()["events"] == []
    before = api.get(EVENTS, occurred_before=(now + timedelta(minutes=1)).isoformat(), limit=1000).json()
    assert len(before["events"]) == ConsentEvent.objects.count()
    # The link to the next page keeps the filters.
    page = api.get(EVENTS, external_id="CRM-2", limit=1).json()
    assert page["has_more"] and "external_id=CRM-2" in page["next"]


def test_an_event_id_from_the_first_version_still_works_as_a_cursor(api, customer):
    events = list(ConsentEvent.objects.order_by("id").values_list("id", flat=True))
    page = api.get(EVENTS, after=events[1], limit=1000).json()
    assert [event["id"] for event in page["events"]] == events[2:]
    # An id no event has below the last one (ids of rolled-back inserts are never used) stands after the
    # events before it; an id past the last event was never given.
    later = ConsentEvent.objects.get(pk=events[-1])
    later.pk = events[-1] + 1000  # ids in between are a gap
    ConsentEvent.objects.bulk_create([later])  # as a restored backup would hold it
    page = api.get(EVENTS, after=events[-1] + 500, limit=1000).json()
    assert [event["id"] for event in page["events"]] == [later.pk]
    assert_problem(api.get(EVENTS, after=later.pk + 1), 400)


def test_made_up_cursors_are_refused_not_followed(api, customer):
    """A cursor the feed did not give could make a reader skip events without noticing: refused, never
    clamped or rounded to something near."""
    events = list(ConsentEvent.objects.order_by("transaction_id", "id").values_list("transaction_id", "id"))
    transaction_id, event_id = events[0]
    end = api.get(EVENTS, after="now").json()["next_cursor"]
    end_transaction, end_event = (int(part) for part in end.split("."))
    made_up = {
        "another transaction's event": f"{transaction_id + 1}.{event_id}",
        "an event that is not there": f"{transaction_id}.{events[-1][1] + 1}",
        "past the feed's end": f"{end_transaction + 10**6}.{end_event}",
        "an end that never was": f"{transaction_id}.{2**63 - 2}",
        "a transaction id past the largest": f"9999999999999999999.{event_id}",
        "an event id past the largest": f"{transaction_id}.9999999999999999999",
        "an old-style id past the largest": "9999999999999999999",
        "an old-style id past the last event": str(events[-1][1] + 1),
        "leading zeros": f"{transaction_id}.0{event_id}",
        "other digits than ASCII": "٣",
        "a trailing blank": f"{transaction_id}.{event_id} ",
        "a trailing newline": f"{transaction_id}.{event_id}\n",
        "now, with a blank": "now ",
    }
    for what, cursor in made_up.items():
        assert "after" in assert_problem(api.get(EVENTS, after=cursor), 400)["errors"], what
    # Every cursor the feed gives is taken back: each event's, the end's, and an empty page's.
    for event in api.get(EVENTS, limit=1000).json()["events"]:
        assert api.get(EVENTS, after=event["cursor"]).status_code == 200
    empty = api.get(EVENTS, after=end).json()
    assert empty["events"] == [] and api.get(EVENTS, after=empty["next_cursor"]).status_code == 200


def test_events_refusals(make_api, customer):
    api, _client = make_api(Scope.EVENTS_READ)
    for cursor in ("x", -1, "1.2.3", "1.", ".1", "now1", "1" * 20, "1." + "9" * 20):
        assert_problem(api.get(EVENTS, after=cursor), 400)
    for name, value in (("customer_id", 0), ("external_id", ""), ("key_prefix", ""), ("occurred_after", "yesterday")):
        assert_problem(api.get(EVENTS, **{name: value}), 400)
    # A misspelt filter is refused by name, not ignored (it would widen the page to every customer).
    typo = api.get(EVENTS, external_idd="CRM-1")
    assert_problem(typo, 400)
    assert typo.json()["unknown_fields"] == ["external_idd"]
    assert_problem(api.get(EVENTS, limit=0), 400)
    assert_problem(api.get(EVENTS, limit=1001), 400)
    reader, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(reader.get(EVENTS), 403)


def test_events_page_in_two_queries_after_authentication(api, customer):
    api.get(EVENTS)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(EVENTS, limit=1000).status_code == 200
    # The feed's end, then the page; the key comes from the cache. Inside a transaction (as this test is)
    # PostgreSQL also refreshes its view of other sessions first (preferences.feed.feed_end).
    assert len(queries) <= 3
    # With a cursor, one more: the feed checks that it gave it (preferences.feed.feed_position).
    cursor = api.get(EVENTS, limit=1).json()["next_cursor"]
    with CaptureQueriesContext(connection) as queries:
        assert api.get(EVENTS, after=cursor, limit=1000).status_code == 200
    assert len(queries) <= 4


def test_a_caught_up_reader_reads_the_feed_s_end_once_per_poll(api, customer, django_assert_num_queries):
    """A caught-up reader's cursor is an end: checking it read the feed's end, and reading its (empty) page
    read it again. One reading now serves both; `after=now` likewise."""
    end = api.get(EVENTS, limit=1000).json()["next_cursor"]
    api.get(EVENTS, after=end)  # the key is in the cache and its last use recorded from here on
    # PostgreSQL (here inside the test's transaction): the end is two statements, the snapshot refreshed and
    # the horizon. SQLite: the end is the last id, and its cursor that event's (checked: one query).
    # On PostgreSQL the end moves whenever any transaction of the cluster takes an id (another test
    # worker's, in its own database): the reader is then no longer caught up, and its page is read (empty,
    # its cursor the new end). Only that third statement depends on the others.
    postgresql = connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as queries:
        body = api.get(EVENTS, after=end).json()
    moved = body["next_cursor"] != end
    assert postgresql or not moved
    assert len(queries) == (3 if moved else 2)
    assert sum("pg_current_snapshot" in query["sql"] for query in queries) == (1 if postgresql else 0)
    assert (body["events"], body["has_more"]) == ([], False)
    with django_assert_num_queries(2 if postgresql else 1):
        body = api.get(EVENTS, after="now").json()
    assert body["events"] == [] and body["has_more"] is False and api.get(EVENTS, after=body["next_cursor"]).status_code == 200
