"""The change feed on PostgreSQL with real concurrent connections: ids are drawn at INSERT, transactions
commit in any order, and a reader following the cursor must still see every event exactly once.

SQLite serialises writers (ids follow commit order there), so these tests only mean something on
PostgreSQL and are skipped elsewhere; CI's PostgreSQL leg runs them.
"""

import itertools
import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from api.models import Scope
from api.services import api_client_create
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from tests.conftest import make_customer_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Commit order only differs from id order on PostgreSQL: set DATABASE_URL to run it.",
    ),
]

EVENTS = "/api/v1/events"
CONTEXT = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.SYSTEM)
FLIP = {"customer.large_print": (True, False)}  # round 0 sets True: a change from the default


_readers = itertools.count(1)


class Reader:
    """An integrator following next_cursor through the API."""

    def __init__(self, cursor: str = "0"):
        _client, key = api_client_create(name=f"reader-{next(_readers)}", scopes=[Scope.EVENTS_READ], rate_limit_per_minute=1_000_000)
        self.http = Client(headers={"Authorization": f"Bearer {key}"})
        self.cursor = cursor
        self.seen: list[int] = []

    def read(self, limit: int = 7) -> list[int]:
        """Follow the cursor until the feed says there is no more for now; the ids read."""
        ids = []
        while True:
            response = self.http.get(EVENTS, {"after": self.cursor, "limit": limit})
            assert response.status_code == 200, response.content
            page = response.json()
            ids += [event["id"] for event in page["events"]]
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        self.seen += ids
        return ids


def _change(customer_id: int, round_: int) -> None:
    key, values = next(iter(FLIP.items()))
    preferences_change(customer_id=customer_id, changes={key: values[round_ % 2]}, context=CONTEXT)


def _ids_after(event_id: int) -> list[int]:
    return sorted(ConsentEvent.objects.filter(id__gt=event_id).values_list("id", flat=True))


def test_two_transactions_committed_out_of_order_are_both_served_once():
    (_user, first), (_user2, second) = make_customer_user("a@example.com"), make_customer_user("b@example.com")
    reader = Reader()
    reader.read()
    before = ConsentEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    first_wrote, second_committed, release_first = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow():  # draws the lower ids and commits last
        try:
            with transaction.atomic():
                _change(first.pk, 0)
                first_wrote.set()
                assert release_first.wait(30)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def fast():
        try:
            assert first_wrote.wait(30)
            _change(second.pk, 0)
            second_committed.set()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=slow), threading.Thread(target=fast)]
    for thread in threads:
        thread.start()
    assert second_committed.wait(30)
    slow_ids = list(ConsentEvent.objects.filter(customer=second).filter(id__gt=before).values_list("id", flat=True))
    assert slow_ids, "the second transaction committed its events"
    # The old feed ("id > cursor") would serve these now and skip the first transaction's lower ids
    # for ever. The feed holds them back until the older transaction has ended.
    assert reader.read() == []
    release_first.set()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    served = reader.read()
    assert sorted(served) == _ids_after(before) and len(served) == len(set(served))
    first_ids = set(ConsentEvent.objects.filter(customer=first, id__gt=before).values_list("id", flat=True))
    assert first_ids and first_ids <= set(served) and max(first_ids) < min(slow_ids)
    assert reader.read() == []  # nothing twice


def test_concurrent_writers_and_a_following_reader_see_every_event_exactly_once():
    customers = [make_customer_user(f"writer{n}@example.com")[1] for n in range(6)]
    reader = Reader()
    reader.read()
    reader.seen.clear()
    before = ConsentEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(customer_id: int, seed: int):
        rng = random.Random(seed)
        try:
            for round_ in range(15):
                with transaction.atomic():
                    _change(customer_id, round_)
                    time.sleep(rng.uniform(0, 0.02))  # commit later than others that drew higher ids
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def follow():
        try:
            while not done.is_set():
                reader.read(limit=5)
            reader.read(limit=5)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(c.pk, n)) for n, c in enumerate(customers)]
    follower = threading.Thread(target=follow)
    follower.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(120)
    done.set()
    follower.join(120)
    assert not errors, errors
    expected = _ids_after(before)
    assert len(expected) == 6 * 15
    assert len(reader.seen) == len(set(reader.seen)), "an event was served twice"
    assert sorted(reader.seen) == expected, f"missed: {sorted(set(expected) - set(reader.seen))}"


def test_the_feed_starts_from_now_and_filters_keep_the_order():
    _user, customer = make_customer_user("c@example.com")
    _user2, other = make_customer_user("d@example.com")
    reader = Reader(cursor="now")
    assert reader.read() == []
    _change(customer.pk, 0)
    _change(other.pk, 0)
    assert reader.read() == sorted(
        ConsentEvent.objects.filter(key="customer.large_print", new_value=True).values_list("id", flat=True)
    )
    filtered = Reader()
    page = filtered.http.get(EVENTS, {"customer_id": other.pk, "key_prefix": "customer.large"}).json()
    expected = ConsentEvent.objects.filter(customer=other, key="customer.large_print").count()
    assert [event["customer_id"] for event in page["events"]] == [other.pk] * expected == [other.pk] * 2
    assert page["has_more"] is False
    # Nothing new for this customer: the cursor stands at the end and the next read scans nothing.
    again = filtered.http.get(EVENTS, {"customer_id": other.pk, "after": page["next_cursor"]}).json()
    assert again["events"] == [] and again["next_cursor"] == page["next_cursor"]
