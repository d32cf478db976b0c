"""The console finds a customer from any part of a name, email, phone number or external id; on
PostgreSQL the search can use the trigram indexes (preferences migration 0007)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from preferences.contact_points import contact_point_import
from preferences.customers import customer_create
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from support.selectors import customer_search

pytestmark = pytest.mark.django_db
SYSTEM = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)
FILLER_CONTACT_POINTS = 1000
TRIGRAM_INDEXES = {
    "customer_first_name_trgm",
    "customer_last_name_trgm",
    "customer_external_id_trgm",
    "contact_point_value_trgm",
}


@pytest.fixture
def people(db):
    lea = customer_create(
        external_id="CRM-4242",
        first_name="Léa",
        last_name="Fontaine",
        email="lea.fontaine@client.example",
        context=SYSTEM,
    )
    contact_point_import(customer_id=lea.pk, kind=ContactPointKind.PHONE, value="06 12 34 56 78", context=SYSTEM)
    paul = customer_create(external_id="ERP-0001", first_name="Paul", last_name="Durand", context=SYSTEM)
    return lea, paul


@pytest.mark.parametrize(
    "query",
    [
        "ontai",
        "FONT",
        "éa Fon",
        "client",
        "@client.exa",
        "fontaine@",
        "4242",
        "crm-42",
        "06 12 34",
        "12 34 56",
        "+3361234",
    ],
)
def test_partial_matches_are_found(people, query):
    lea, _paul = people
    assert customer_search(query=query) == [lea]


def test_a_part_shared_by_both_finds_both_and_nothing_finds_nobody(people):
    lea, paul = people
    customer_create(external_id="ERP-0002", first_name="Zoé", last_name="Client", context=SYSTEM)
    assert {c.external_id for c in customer_search(query="client")} == {"CRM-4242", "ERP-0002"}
    assert {c.external_id for c in customer_search(query="-000")} == {"ERP-0001", "ERP-0002"}
    assert customer_search(query="nobody-like-this") == []
    assert paul in customer_search(query="dur")


def test_search_takes_a_bounded_number_of_queries(people, django_assert_num_queries):
    with django_assert_num_queries(4):  # contact points, matching ids, those customers, their contact points
        assert len(customer_search(query="font")) == 1


def test_the_trigram_migration_is_a_no_op_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        names = {row[0] for row in cursor.fetchall()}
    assert not names & TRIGRAM_INDEXES


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        # No sequential scan, and no full walk of an unrelated index standing in for one (what the
        # planner does on a table this small): what remains is what the indexes can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_postgresql_can_answer_the_search_from_the_trigram_indexes(people):
    # Enough contact points for the planner's statistics to look like a real base (on a handful of
    # rows any full index walk is cheaper than a trigram lookup): addresses given to Paul, in SQL.
    _lea, paul = people
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO preferences_contactpoint (customer_id, kind, value, phone_type, created_at) "
            "SELECT %s, 'email', 'person' || n || '@mail.example', '', now() FROM generate_series(1, %s) AS n",
            [paul.pk, FILLER_CONTACT_POINTS],
        )
        # New entries wait in the GIN index's pending list, which the planner counts as a full read
        # (VACUUM would merge them; a test runs in a transaction, where it cannot).
        for index in sorted(TRIGRAM_INDEXES):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE preferences_contactpoint")
        cursor.execute("ANALYZE preferences_customer")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")
        assert {row[0] for row in cursor.fetchall()} >= TRIGRAM_INDEXES
    # The very statements customer_search runs (as sent, parameters in place), explained.
    with CaptureQueriesContext(connection) as captured:
        assert len(customer_search(query="fontaine")) == 1
    points_sql, customers_sql = captured.captured_queries[0]["sql"], captured.captured_queries[1]["sql"]
    assert "contact_point_value_trgm" in _plan(points_sql)
    plan = _plan(customers_sql)
    for index in ("customer_first_name_trgm", "customer_last_name_trgm", "customer_external_id_trgm"):
        assert index in plan, plan
    # A partial phone number: each form of it from the same index.
    with CaptureQueriesContext(connection) as captured:
        assert len(customer_search(query="06 12 34")) == 1
    assert "contact_point_value_trgm" in _plan(captured.captured_queries[0]["sql"])


def test_a_postal_address_or_an_app_id_is_not_searched(people):
    lea, _paul = people
    contact_point_import(
        customer_id=lea.pk, kind=ContactPointKind.POSTAL, value="12 rue des Lilas\n75011 Paris", context=SYSTEM
    )
    assert customer_search(query="rue des Lilas") == []
    assert customer_search(query="75011") == []


def test_a_short_word_narrows_the_longer_ones_and_alone_matches_a_whole_name(people):
    lea, paul = people
    li = customer_create(external_id="CRM-7", first_name="Li", last_name="Wang", context=SYSTEM)
    assert customer_search(query="éa Fontaine") == [lea]  # "éa" checked among the Fontaines
    assert customer_search(query="zz Fontaine") == []
    emilie = customer_create(external_id="CRM-9", first_name="Emilie", last_name="Roux", context=SYSTEM)
    found = customer_search(query="li")  # a whole first name, not every "Emilie" (Léa's email holds it)
    assert li in found and emilie not in found
    assert customer_search(query="Li Wang") == [li]


def test_a_query_without_letters_is_not_looked_for_in_names(people, django_assert_num_queries):
    lea, _paul = people
    customer_create(external_id="CRM-8", first_name="Anne", last_name="06", context=SYSTEM)
    assert customer_search(query="06 12 34") == [lea]


def test_a_vague_query_reads_a_bounded_number_of_customers(people, monkeypatch):
    from support import selectors

    monkeypatch.setattr(selectors, "MATCH_CAP", 3)
    for number in range(5):
        customer_create(external_id=f"MANY-{number}", first_name="Jean", last_name=f"Martin{number}", context=SYSTEM)
    found = customer_search(query="martin", limit=10)
    assert len(found) == 3
    assert [c.last_name for c in found] == sorted(c.last_name for c in found)
