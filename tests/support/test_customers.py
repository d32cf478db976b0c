import pytest
from django.urls import reverse

from preferences.contact_points import contact_point_add
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from support import views
from support.selectors import customer_search
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db
SYSTEM = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)


@pytest.fixture
def known_customer(db):
    customer = customer_create(
        external_id="CRM-4242", first_name="Léa", last_name="Fontaine", email="lea.fontaine@example.org", context=SYSTEM
    )
    contact_point_add(customer_id=customer.pk, kind="phone", value="06 12 34 56 78", context=SYSTEM)
    customer_create(external_id="CRM-0001", first_name="Paul", last_name="Durand", context=SYSTEM)
    return customer


@pytest.mark.parametrize(
    "query",
    [
        "Fontaine",
        "léa",
        "Lea Fontaine".replace("Lea", "Léa"),
        "lea.fontaine@example.org",
        "LEA.FONTAINE@",
        "06 12 34 56 78",
        "+33612345678",
        "crm-4242",
    ],
)
def test_search_finds_by_name_email_phone_or_external_id(known_customer, query):
    assert customer_search(query=query) == [known_customer]


def test_search_ignores_short_queries_and_erased_customers(known_customer):
    from django.utils import timezone

    assert customer_search(query="F") == []
    known_customer.erased_at = timezone.now()
    known_customer.save(update_fields=["erased_at"])
    assert customer_search(query="Fontaine") == []


def test_search_page(agent_client, known_customer, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = agent_client.get(reverse("support:home"), {"q": "Fontaine"})
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("support:customer_detail", args=[known_customer.pk]) in body
    assert "Durand" not in body


def test_search_page_refuses_a_one_letter_query(agent_client):
    response = agent_client.get(reverse("support:home"), {"q": "x"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()


def test_customer_page_shows_document_contact_points_requests_and_ledger(
    agent_client, customer_user, django_assert_max_num_queries
):
    user, customer = customer_user
    contact_request = request_for(customer, reason="Question about offers")
    url = reverse("support:customer_detail", args=[customer.pk])
    with django_assert_max_num_queries(16):
        response = agent_client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert user.email in body
    assert 'id="customer-settings"' in body
    assert 'id="customer-ledger"' in body
    assert reverse("support:request_detail", args=[contact_request.pk]) in body
    assert "?key=subscription.offers.email" in body


def test_search_page_says_when_more_customers_match_than_it_lists(agent_client, known_customer, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_LIMIT", 2)
    for number in range(3):
        customer_create(external_id=f"FONT-{number}", first_name="Jean", last_name="Fontaine", context=SYSTEM)
    body = agent_client.get(reverse("support:home"), {"q": "Fontaine"}).content.decode()
    assert "Plus de 2\u00a0clients trouvés" in body  # the agent's language
    assert body.count('<th scope="row">') == 2


def test_customer_page_lays_topics_out_as_a_grid_of_channels(agent_client, customer_user):
    _user, customer = customer_user
    body = agent_client.get(reverse("support:customer_detail", args=[customer.pk])).content.decode()
    grid = body[body.index('id="customer-topics-grid"'):body.index('id="customer-settings"')]
    # Offers may go by SMS: a link to change it; the contract is never sent by SMS: a dash, said in words.
    assert "?key=subscription.offers.sms" in grid
    assert "?key=subscription.contract.sms" not in grid
    assert "non proposé" in grid
    assert "?key=topic.contract.paper_copy" in grid and "?key=topic.offers.ai_level" in grid
    # The whole account's settings stay in their own short table, not among the topics.
    account = body[body.index('id="customer-settings"'):]
    assert "?key=customer.quiet_hours_start" in account and "?key=subscription." not in account


def test_setting_picker_is_grouped_by_topic_with_current_values(agent_client, customer_user):
    _user, customer = customer_user
    body = agent_client.get(reverse("support:customer_override", args=[customer.pk])).content.decode()
    assert '<optgroup label="Tout le compte">' in body
    assert body.count("<optgroup") == 1 + 7  # the account, then each topic of the catalogue
    assert 'value="subscription.offers.sms"' in body
    assert 'id="setting-filter"' in body and "js/setting-filter.js" in body
    # An unknown key is refused with the picker, not a 500.
    response = agent_client.get(reverse("support:customer_override", args=[customer.pk]), {"key": "topic.nope.x"})
    assert response.status_code == 400 and "<optgroup" in response.content.decode()
    # And says so: a channel the topic is not sent on, posted with a reason, is not silently dropped.
    agent_client.cookies["django_language"] = "en"
    response = agent_client.post(
        reverse("support:customer_override", args=[customer.pk]),
        {"key": "subscription.contract.sms", "value": "in", "reason_code": "customer_call", "reason": "Asked."},
    )
    page = response.content.decode()
    assert response.status_code == 400 and 'id="override-unknown-key"' in page
    assert "“subscription.contract.sms” is not a setting you can change for this customer" in page
    plain = agent_client.get(reverse("support:customer_override", args=[customer.pk])).content.decode()
    assert 'id="override-unknown-key"' not in plain
