"""Many simultaneous writes to one customer, on PostgreSQL: the customer's own changes (portal
services), another system's PATCH with If-Match (through the API) and staff overrides (console
service), each from its own thread with its own database connection.

No update is lost (every successful change is visible in the end, and the version counts them all),
a stale If-Match is refused (412 / StaleVersion), and the ledger rebuilt from the consent events is
exactly the stored state. SQLite serialises writers with one file lock, so these tests mean nothing
there and are skipped.
"""

import json
import threading
from collections.abc import Callable

import pytest
from django.db import connections
from django.test import Client

from api.services import api_client_create
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext, StaleVersion
from preferences.models import ConsentEvent, Customer
from preferences.selectors import preference_document_get
from preferences.state import state_rebuild
from support.services import customer_override_apply
from tests.conftest import make_customer_user, make_staff_user
from tests.postgresql import CONCURRENT_WRITERS

pytestmark = CONCURRENT_WRITERS

ROUNDS = 8


def _in_threads(workers: list[Callable[[], None]], *, timeout: float = 120) -> list[BaseException]:
    """Run each worker in its own thread (each gets its own connection), all released at once."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(worker):
        try:
            barrier.wait()
            worker()
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck (deadlock?)"
    return errors


def _ledger_matches_the_state(customer_id: int) -> None:
    events = ConsentEvent.objects.filter(customer_id=customer_id).order_by("id").values_list("key", "new_value")
    stored = preference_document_get(customer_id=customer_id).state()
    assert state_rebuild(events) == stored


@pytest.fixture
def people():
    user, customer = make_customer_user("camille@example.com")
    staff = make_staff_user("agent@example.com", "agent")
    _api_client, key = api_client_create(
        name="crm", scopes=["customers:read", "customers:write"], rate_limit_per_minute=100_000
    )
    return customer, user, staff, key


def test_simultaneous_portal_api_and_console_writes_lose_nothing(people):
    customer, user, staff, key = people
    start_version = Customer.objects.get(pk=customer.pk).version
    start_event = ConsentEvent.objects.filter(customer_id=customer.pk).order_by("-id").values_list("id", flat=True)[0]
    # Each writer owns one key and flips it every round, so that every write changes something.
    portal_keys = {"customer.large_print": (True, False), "customer.plain_text_email": (True, False)}
    api_keys = {"topic.offers.ai_level": ("ai_allowed", "human_only"), "topic.newsletter.ai_level": ("ai_allowed", "human_only")}
    staff_keys = {"topic.billing.delivery_mode": ("all", "first"), "topic.service.delivery_mode": ("all", "first")}
    last_written: dict[str, object] = {}
    successes: list[str] = []
    stale_answers: list[int] = []
    lock = threading.Lock()

    def record(key, value):
        with lock:
            last_written[key] = value
            successes.append(key)

    def portal_writer(key, values):
        def work():
            context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk))
            for round_ in range(ROUNDS):
                value = values[round_ % 2]
                preferences_change(customer_id=customer.pk, changes={key: value}, context=context)
                record(key, value)

        return work

    def api_writer(key, values):
        def work():
            client = Client()
            headers = {"Authorization": f"Bearer {key_}"}
            path = f"/api/v1/customers/{customer.pk}"
            for round_ in range(ROUNDS):
                value = values[round_ % 2]
                for _attempt in range(50):  # read, change, retry on 412 as a well-behaved client does
                    etag = client.get(path, headers=headers)["ETag"]
                    response = client.patch(
                        path,
                        json.dumps({"changes": {key: value}}),
                        content_type="application/json",
                        headers={**headers, "If-Match": etag},
                    )
                    if response.status_code == 412:
                        with lock:
                            stale_answers.append(response.json()["current_version"])
                        continue
                    assert response.status_code == 200, response.content
                    record(key, value)
                    break
                else:
                    raise AssertionError("the API writer never got its change in")

        key_ = key_for_api
        return work

    def staff_writer(key, values):
        def work():
            for round_ in range(ROUNDS):
                value = values[round_ % 2]
                events = customer_override_apply(
                    customer_id=customer.pk,
                    changes={key: value},
                    staff_user=staff,
                    reason_code="customer_call",
                    reason="Asked on the phone.",
                )
                # The events an override reports are its own, never a concurrent writer's.
                assert [(event.key, event.actor_type) for event in events] == [(key, ActorType.STAFF)]
                record(key, value)

        return work

    key_for_api = key
    workers = [portal_writer(k, v) for k, v in portal_keys.items()]
    workers += [api_writer(k, v) for k, v in api_keys.items()]
    workers += [staff_writer(k, v) for k, v in staff_keys.items()]
    errors = _in_threads(workers)
    assert not errors, errors

    document = preference_document_get(customer_id=customer.pk)
    state = document.state()
    for state_key, value in last_written.items():
        assert state[state_key] == value, state_key
    # Every successful write bumped the version exactly once: none was overwritten by another.
    assert len(successes) == ROUNDS * len(workers)
    assert document.customer.version == start_version + len(successes)
    # Each key's events are exactly its writer's changes, in order.
    for state_key in last_written:
        values = list(
            ConsentEvent.objects.filter(customer_id=customer.pk, key=state_key, id__gt=start_event)
            .order_by("id")
            .values_list("new_value", flat=True)
        )
        assert len(values) == ROUNDS and values[-1] == last_written[state_key]
    _ledger_matches_the_state(customer.pk)


def test_two_changes_from_the_same_version_one_wins_the_other_is_stale(people):
    customer, _user, _staff, _key = people
    current = Customer.objects.get(pk=customer.pk)
    version = current.version
    # Every writer asks for the value the customer does not have: a write of the current value
    # changes nothing, keeps the version, and would rightly succeed.
    other = "bot_ok" if current.assistance_mode == "human_first" else "human_first"
    context = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="crm")
    outcomes: list[str] = []
    lock = threading.Lock()

    def writer():
        def work():
            try:
                preferences_change(
                    customer_id=customer.pk,
                    changes={"customer.assistance_mode": other},
                    context=context,
                    expected_version=version,
                )
                outcome = "ok"
            except StaleVersion as stale:
                assert stale.current_version == version + 1
                outcome = "stale"
            with lock:
                outcomes.append(outcome)

        return work

    errors = _in_threads([writer() for _writer in range(4)])
    assert not errors, errors
    assert sorted(outcomes) == ["ok", "stale", "stale", "stale"]
    assert Customer.objects.get(pk=customer.pk).version == version + 1
    _ledger_matches_the_state(customer.pk)


def test_a_stale_if_match_is_412_through_the_api(people):
    customer, _user, _staff, key = people
    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    path = f"/api/v1/customers/{customer.pk}"
    etag = client.get(path, headers=headers)["ETag"]
    body = json.dumps({"changes": {"customer.easy_read": True}})
    first = client.patch(path, body, content_type="application/json", headers={**headers, "If-Match": etag})
    assert first.status_code == 200
    again = client.patch(
        path, json.dumps({"changes": {"customer.easy_read": False}}), content_type="application/json",
        headers={**headers, "If-Match": etag},
    )
    assert again.status_code == 412 and again["Content-Type"] == "application/problem+json"
    assert again.json()["current_version"] == int(first["ETag"].strip('"').split(".")[0])  # "<version>.<hash>"
    assert preference_document_get(customer_id=customer.pk).customer.easy_read is True
    _ledger_matches_the_state(customer.pk)


def test_simultaneous_marketing_objection_and_opt_ins_leave_a_consistent_ledger(people):
    """The objection turns every marketing topic off at once; opt-ins racing with it either land
    before (and are turned off) or are refused after. Never an opt-in left on under an objection."""
    customer, user, _staff, _key = people
    context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk))
    from preferences.state import PreferenceError

    def object_():
        preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": True}, context=context)

    def opt_in(topic):
        def work():
            try:
                preferences_change(customer_id=customer.pk, changes={f"subscription.{topic}.email": "in"}, context=context)
            except PreferenceError:
                pass  # refused: the objection came first

        return work

    errors = _in_threads([object_, opt_in("offers"), opt_in("newsletter"), opt_in("surveys")])
    assert not errors, errors
    document = preference_document_get(customer_id=customer.pk)
    assert document.customer.marketing_objection is True
    for topic in document.catalog.topics:
        if topic.kind == "marketing":
            assert document.subscription_status(topic, "email") == "out", topic.code
    _ledger_matches_the_state(customer.pk)


def test_simultaneous_upserts_of_a_new_external_id_make_one_customer():
    """Two CRMs (or two retries) creating the same customer at once: one creates, the others update."""
    from preferences.customers import customer_upsert

    context = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="crm")
    created: list[bool] = []
    lock = threading.Lock()

    def upsert(language):
        def work():
            _customer, was_created = customer_upsert(
                context=context, external_id="CRM-RACE-1", email="race@example.com", email_verified=True, language=language
            )
            with lock:
                created.append(was_created)

        return work

    errors = _in_threads([upsert("fr"), upsert("en"), upsert("fr"), upsert("en")])
    assert not errors, errors
    assert sorted(created) == [False, False, False, True]
    customer = Customer.objects.get(external_id="CRM-RACE-1")
    assert customer.contact_points.count() == 1
    _ledger_matches_the_state(customer.pk)
