import pytest
from django.urls import reverse

from contact_requests.models import ContactRequest
from contact_requests.services import Actor, contact_request_complete
from notifications.models import OutboundMessage
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db
LIST_URL = "/my/requests/"


def valid_post(**overrides):
    data = {
        "topic": "",
        "reason": "Please call me about my contract.",
        "preferred_channel": "email",
        "preferred_time_slots": ["weekday_morning", "weekday_afternoon"],
        "language": "fr",
        "contested_decision": "",
    }
    data.update(overrides)
    return data


def test_url_name():
    assert reverse("contact_requests:list") == LIST_URL


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_have_no_customer_pages(client, agent):
    client.force_login(agent)
    assert client.get(LIST_URL).status_code == 404


def test_page_shows_form_with_labels_and_nav_link(customer_client):
    response = customer_client.get(LIST_URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_reason"' in body
    assert 'id="contact-request-submit"' in body
    assert f'href="{LIST_URL}" aria-current="page"' in body


def test_customer_files_a_request(customer_client, customer_user):
    user, customer = customer_user
    response = customer_client.post(LIST_URL, valid_post())
    assert response.status_code == 302
    contact_request = ContactRequest.objects.get(customer=customer)
    assert contact_request.preferred_time_slots == ["weekday_morning", "weekday_afternoon"]
    assert contact_request.created_by_type == "customer"
    assert contact_request.created_by_id == str(user.pk)
    assert OutboundMessage.objects.filter(to=user.email).exists()
    page = customer_client.get(LIST_URL).content.decode()
    assert f'id="contact-request-{contact_request.pk}"' in page
    assert "Please call me about my contract." in page


@pytest.mark.parametrize(
    "overrides",
    [{"reason": ""}, {"preferred_channel": "pigeon"}, {"preferred_time_slots": ["midnight"]}, {"topic": "999999"}],
)
def test_bad_input_is_refused_with_400(customer_client, overrides):
    response = customer_client.post(LIST_URL, valid_post(**overrides))
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not ContactRequest.objects.exists()


def test_customer_cancels_their_own_request_after_confirming(customer_client, customer_user):
    _, customer = customer_user
    contact_request = request_for(customer)
    url = reverse("contact_requests:cancel", args=[contact_request.pk])
    # "Cancel this request" leads to a page that asks; only "Yes, cancel it" cancels.
    assert customer_client.get(url).status_code == 200
    contact_request.refresh_from_db()
    assert contact_request.status == "open"
    response = customer_client.post(url, {"confirm": "yes"})
    assert (response.status_code, response["Location"]) == (302, LIST_URL)
    contact_request.refresh_from_db()
    assert contact_request.status == "cancelled"


def test_a_get_of_the_cancel_address_cancels_nothing(customer_client, customer_user):
    contact_request = request_for(customer_user[1])
    # It was a POST-only address (a GET led to the requests page); it is now the confirmation page.
    response = customer_client.get(reverse("contact_requests:cancel", args=[contact_request.pk]))
    assert response.status_code == 200
    assert 'id="cancel-request-confirm"' in response.content.decode()
    contact_request.refresh_from_db()
    assert contact_request.status == "open"


def test_cancelling_another_customers_request_is_404(customer_client, other_customer_user):
    contact_request = request_for(other_customer_user[1])
    url = reverse("contact_requests:cancel", args=[contact_request.pk])
    assert customer_client.get(url).status_code == 404
    assert customer_client.post(url, {"confirm": "yes"}).status_code == 404
    contact_request.refresh_from_db()
    assert contact_request.status == "open"


def test_cancelling_a_completed_request_shows_an_error(customer_client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    contact_request_complete(contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="Called back.")
    url = reverse("contact_requests:cancel", args=[contact_request.pk])
    response = customer_client.post(url, {"confirm": "yes"}, follow=True)
    contact_request.refresh_from_db()
    assert contact_request.status == "completed"
    assert "message-error" in response.content.decode()
    # The outcome is shown, and no cancel button any more.
    assert "Called back." in response.content.decode()
    assert f'id="cancel-request-{contact_request.pk}"' not in response.content.decode()


def test_overview_lists_open_requests(customer_client, customer_user, agent):
    still_open = request_for(customer_user[1], reason="Open one")
    done = request_for(customer_user[1], reason="Done one")
    contact_request_complete(contact_request_id=done.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="ok")
    body = customer_client.get(reverse("preferences:overview")).content.decode()
    assert 'id="overview-requests"' in body
    assert still_open.reason in body
    assert done.reason not in body


def test_overview_without_requests_has_no_section(customer_client):
    body = customer_client.get(reverse("preferences:overview")).content.decode()
    assert 'id="overview-requests"' not in body


def test_list_query_count_does_not_grow(customer_client, customer_user, django_assert_max_num_queries):
    for _index in range(5):
        request_for(customer_user[1])
    with django_assert_max_num_queries(12):
        assert customer_client.get(LIST_URL).status_code == 200
