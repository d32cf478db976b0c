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
        _client, key = api_client_create(
            name=f"reader-{next(_readers)}", scopes=[Scope.EVENTS_READ], rate_limit_per_minute=1_000_000
        )
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
    # Nothing new for this customer: the next read finds nothing, and its cursor stands at the end. The
    # end follows the horizon, which transactions of other databases (CI's other worker) move forward:
    # the cursor never goes back.
    again = filtered.http.get(EVENTS, {"customer_id": other.pk, "after": page["next_cursor"]}).json()
    assert again["events"] == []
    position = [
        tuple(int(part) for part in str(value).split(".")) for value in (page["next_cursor"], again["next_cursor"])
    ]
    assert position[1] >= position[0]


def test_a_reader_inside_a_transaction_is_not_held_back_by_another_database():
    """PostgreSQL reads pg_stat_activity once per transaction and keeps it. A transaction of another
    database that took its id after that first read must still be recognised as not ours, or the feed
    would wait for it: the horizon drops the kept list before it reads it."""
    _user, customer = make_customer_user("e@example.com")
    first, second = _other_database_session(), _other_database_session()
    try:
        with transaction.atomic():
            first.execute("SELECT pg_current_xact_id()")  # in progress: the horizon reads pg_stat_activity
            _transaction_ended_elsewhere()
            _horizon()
            second.execute("SELECT pg_current_xact_id()")  # began after that read
            _change(customer.pk, 0)  # this transaction's id comes after both
            _transaction_ended_elsewhere()
            mine = ConsentEvent.objects.filter(customer=customer, key="customer.large_print").latest("id")
            assert mine.transaction_id < _horizon()
    finally:
        for session in (first, second):
            session.rollback()
            session.close()


def _transaction_ended_elsewhere() -> None:
    """A snapshot lists a transaction in progress only once a later one has ended: end one."""
    with _other_database_session() as session:
        session.execute("SELECT pg_current_xact_id()")
        session.commit()


def _horizon() -> int:
    # Imported here: the module is only meaningful on PostgreSQL, where this test runs.
    from preferences.transaction_ids import FeedHorizon

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {FeedHorizon().as_postgresql(None, connection)[0]}")
        return cursor.fetchone()[0]


def _other_database_session():
    """A plain psycopg session on the cluster's `postgres` database (Django knows one database here)."""
    import psycopg  # imported here: the module skips itself on SQLite, where psycopg may be absent

    settings_dict = connection.settings_dict
    return psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        dbname="postgres",
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
    )
