"""The marketing objection's form posted empty or garbled (its fields are hidden inputs: a form cut short,
a page left open across a deploy) changes nothing and says so, in the customer's language, on the
confirmation page itself, whose buttons are the way on; it is never a blank 400."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from preferences.models import ConsentEvent, Customer

pytestmark = pytest.mark.django_db

URL = reverse("preferences:marketing_objection")
MESSAGES = {
    "fr": "Rien n’a été modifié\u00a0: votre réponse ne nous est pas parvenue. "
    "Veuillez choisir à nouveau avec les boutons ci-dessous.",
    "en": "Nothing was changed: your answer did not reach us. Please choose again with the buttons below.",
}


def _client(customer_user, language: str) -> Client:
    user, _ = customer_user
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "data",
    [{}, {"confirm": "on"}, {"objection": "bogus", "confirm": "on"}, {"from": "marketing"}],
    ids=["empty", "no-objection", "garbled", "only-from"],
)
def test_an_incomplete_objection_is_the_confirmation_again_with_a_clear_error(customer_user, language, data):
    _, customer = customer_user
    events = ConsentEvent.objects.filter(customer=customer).count()
    response = _client(customer_user, language).post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.split('<div class="error-summary" role="alert" tabindex="-1">', 1)[1].split("</div>", 1)[0]
    summary = re.sub(r'<span class="nowrap">([^<]*)</span>', r"\1", summary)  # "ci-dessous" kept on one line
    assert MESSAGES[language] in summary
    assert "Objection" not in summary and "required" not in summary and "obligatoire" not in summary
    # The confirmation's own form follows, so the person can answer again.
    assert 'name="confirm" value="on"' in page
    assert not Customer.objects.get(pk=customer.pk).marketing_objection
    assert ConsentEvent.objects.filter(customer=customer).count() == events


def test_an_unconfirmed_objection_is_still_the_confirmation_without_an_error(customer_user):
    response = _client(customer_user, "en").post(URL, {"objection": "on"})
    assert response.status_code == 200
    assert "error-summary" not in response.content.decode()
    assert "Yes, stop all marketing" in response.content.decode()


def test_an_incomplete_post_from_a_customer_who_objects_goes_back_to_the_marketing_page_saying_so(customer_user):
    client = _client(customer_user, "en")
    client.post(URL, {"objection": "on", "confirm": "on"})
    response = client.post(URL, {}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("preferences:marketing")
    assert MESSAGES["en"] in response.content.decode()
    _, customer = customer_user
    assert Customer.objects.get(pk=customer.pk).marketing_objection  # nothing lifted
