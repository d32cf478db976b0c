"""The topics page as a topic × channel grid, the overview that links to it, and the example message
each topic shows (set in the admin)."""

import re

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from preferences.catalog import catalog_invalidate
from preferences.models import ConsentEvent, Customer, Topic
from preferences.selectors import preference_document_get
from tests.preferences.test_views import _topics_form_data

pytestmark = pytest.mark.django_db

TOPICS_URL = reverse("preferences:topics")


def test_the_grid_has_a_row_per_topic_and_a_column_per_channel_in_the_customers_order(customer_client, customer_user):
    _, customer = customer_user
    Customer.objects.filter(pk=customer.pk).update(channel_ranking=["postal", "email"])
    page = customer_client.get(TOPICS_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.findall(r'<tbody id="topic-([a-z]+)"', page) == list(Topic.objects.values_list("code", flat=True))
    columns = re.findall(r'<th scope="col">([^<]+)</th>', page)
    assert columns[:3] == ["Topic", "Postal mail", "Email"] and len(columns) == 7
    # A topic not sent on a channel has a plain cell, with words for screen readers.
    assert "not sent by SMS" in page


def test_a_channel_not_set_up_is_disabled_with_its_reason_and_the_way_to_fix_it(customer_client):
    page = customer_client.get(TOPICS_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    checkbox = re.search(r'<input type="checkbox" name="sub__offers__sms"[^>]*>', page).group(0)
    assert "disabled" in checkbox and 'aria-describedby="id_sub__offers__sms_why"' in checkbox
    assert (
        '<span class="cell-why" id="id_sub__offers__sms_why"><a href="/my/channels/?add=phone#add-phone">'
        "Ajouter et vérifier un numéro de mobile</a></span>"
    ) in page
    email = re.search(r'<input type="checkbox" name="sub__offers__email"[^>]*>', page).group(0)
    assert "disabled" not in email and "aria-describedby" not in email


def test_a_channel_not_set_up_ticked_anyway_is_refused_in_words(customer_client, customer_user):
    _, customer = customer_user
    version = Customer.objects.get(pk=customer.pk).version
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data["sub__offers__sms"] = "on"
    response = customer_client.post(TOPICS_URL, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_sub__offers__sms_error"' in page and "mobile" in page
    assert 'aria-invalid="true"' in page
    assert Customer.objects.get(pk=customer.pk).version == version


def test_saving_the_grid_writes_one_event_per_choice_changed_and_says_when_it_applies(customer_client, customer_user):
    _, customer = customer_user
    before = ConsentEvent.objects.filter(customer=customer).count()
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data["sub__newsletter__email"] = "on"
    response = customer_client.post(TOPICS_URL, data, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    events = list(ConsentEvent.objects.filter(customer=customer).order_by("id")[before:])
    assert [(event.key, event.old_value, event.new_value) for event in events] == [
        ("subscription.newsletter.email", "out", "in")
    ]
    assert "They apply to every message prepared from now on" in response.content.decode()


def test_the_overview_link_opens_the_topics_details(customer_client):
    page = customer_client.get(TOPICS_URL + "?open=billing", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<details id="details-billing" open>' in page
    assert '<details id="details-offers">' in page


@pytest.mark.parametrize(
    ("language", "change", "why"),
    [
        ("fr", "Modifier", "Certains messages ne peuvent pas être tous coupés (sécurité du compte, contrat et informations légales)"),
        ("en", "Change", "Some messages cannot all be turned off (account security, contract and legal notices)"),
    ],
)
def test_the_overview_links_each_row_and_says_why_some_messages_stay(customer_client, language, change, why):
    page = customer_client.get(reverse("preferences:overview"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    links = re.findall(r'<a href="/my/topics/\?open=([a-z]+)#topic-\1">' + change, page)
    assert links == list(Topic.objects.values_list("code", flat=True))
    assert why in page
    assert 'href="/my/ai/"' in page and 'href="/my/requests/#new-request-title"' in page
    assert "table-scroll" not in page  # rows reflow on a phone: nothing scrolls sideways


def test_the_product_topics_come_with_an_example_in_both_languages():
    for topic in Topic.objects.all():
        assert topic.example_subject_fr and topic.example_subject_en and topic.example_body_fr and topic.example_body_en


@pytest.mark.parametrize(("language", "subject"), [("fr", "Votre facture est prête"), ("en", "Your invoice is ready")])
def test_a_supervisor_sets_an_example_in_the_admin_and_customers_see_it(supervisor, customer_client, language, subject):
    topic = Topic.objects.get(code="billing")
    data = {
        key: value for key, value in model_to_dict(topic).items() if value is not None and key != "id"
    }
    data.update(
        allowed_channels='["email", "postal", "sms", "app"]',
        default_channels='["email"]',
        paper_copy_available="on",
        example_subject_fr="Votre facture est prête",
        example_subject_en="Your invoice is ready",
        example_body_fr="Bonjour, voici votre facture.",
        example_body_en="Hello, here is your invoice.",
    )
    admin = Client()
    admin.force_login(supervisor)
    response = admin.post(reverse("admin:preferences_topic_change", args=[topic.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = customer_client.get(TOPICS_URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    details = page.split('<details id="details-billing"', 1)[1].split("</details>", 1)[0]
    assert f"<strong>{subject}</strong>" in details


def test_the_topics_page_and_the_overview_keep_their_query_counts(customer_client, django_assert_max_num_queries):
    customer_client.get(TOPICS_URL)  # the catalogue is loaded once per process
    with django_assert_max_num_queries(7):
        customer_client.get(TOPICS_URL)
    with django_assert_max_num_queries(8):
        customer_client.get(reverse("preferences:overview"))


def test_an_example_written_only_in_french_is_marked_as_french_on_an_english_page(customer_client):
    Topic.objects.filter(code="billing").update(
        example_subject_fr="Votre facture est prête", example_body_fr="Bonjour.", example_subject_en="", example_body_en=""
    )
    catalog_invalidate()  # as the admin does on save
    english = customer_client.get(TOPICS_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    details = english.split('<details id="details-billing"', 1)[1].split("</details>", 1)[0]
    assert '<blockquote lang="fr">' in details and "<strong>Votre facture est prête</strong>" in details
    assert "written in French only" in details
    french = customer_client.get(TOPICS_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    details = french.split('<details id="details-billing"', 1)[1].split("</details>", 1)[0]
    assert "<blockquote>" in details and 'lang="fr"' not in details.split("<blockquote", 1)[1][:20]
