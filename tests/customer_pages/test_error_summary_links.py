"""The error summary links each field in error to an input that is on the page, so that following the
link puts the focus on it: for a group of radio buttons or checkboxes, the first one the form shows
(never "#", which goes nowhere)."""

import re

import pytest
from django.urls import reverse

from preferences.changes import preferences_change
from preferences.selectors import preference_document_get
from tests.customer_pages.test_names_in_sentences import CUSTOMER
from tests.preferences.helpers import add_verified_phone
from tests.preferences.test_views import _topics_form_data

pytestmark = pytest.mark.django_db


def _summary_targets(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    return re.findall(r'<a href="#([^"]*)"', summary)


def _input(page: str, element_id: str) -> str:
    """The tag of the element with this id (there must be exactly one)."""
    tags = re.findall(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    assert len(tags) == 1, (element_id, tags)
    return tags[0]


def test_the_ai_page_links_each_radio_group_to_its_first_button(customer_client):
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post(reverse("preferences:ai"), {"ai_default": "bogus"})
    assert response.status_code == 400
    page = response.content.decode()
    assert _summary_targets(page) == ["id_ai_default_0", "id_assistance_mode_0"]
    assert 'type="radio" name="ai_default"' in _input(page, "id_ai_default_0")
    assert 'type="radio" name="assistance_mode"' in _input(page, "id_assistance_mode_0")


def test_the_request_form_links_the_channel_group_to_the_first_channel_it_offers(customer_client):
    """No phone: "phone call", the first channel of the list, is not offered (not on the page); the
    link goes to the first radio button that is, email."""
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post("/my/requests/", {"reason": "About my contract.", "language": "fr"})
    assert response.status_code == 400
    page = response.content.decode()
    (target,) = _summary_targets(page)
    tag = _input(page, target)
    assert 'type="radio" name="preferred_channel"' in tag and 'value="email"' in tag
    assert 'value="phone"' not in page.split('id="unreachable-channels"')[0].split("<legend>")[-1]


def test_with_a_phone_the_request_form_links_to_the_phone_button(customer_client, customer_user):
    add_verified_phone(customer_user[1], "+33612345678")
    response = customer_client.post("/my/requests/", {"reason": "About my contract.", "language": "fr"})
    page = response.content.decode()
    (target,) = _summary_targets(page)
    assert 'value="phone"' in _input(page, target)


def test_a_field_with_one_input_still_links_to_it(customer_client):
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post(reverse("preferences:contact_point_add", args=["email"]), {"value": "not an address"})
    page = response.content.decode()
    targets = _summary_targets(page)
    assert targets == ["id_add_email_value", "id_add_email_password"]
    for target in targets:
        assert _input(page, target).startswith("<input")


@pytest.mark.parametrize("url_name", ["preferences:ai", "preferences:topics", "contact_requests:list"])
def test_an_empty_post_is_a_form_with_its_errors_not_a_blank_400(customer_client, url_name):
    """A POST with no field at all (every box unticked, the token sent in a header) is a bound form: the
    page says what is missing, instead of a 400 that shows the form as if nothing had been sent."""
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post(reverse(url_name), {})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert 'class="error-summary"' in response.content.decode()


def _summary_items(page: str) -> list[tuple[str, str]]:
    """Each linked item of the summary: its target and its words before the error (tags dropped, blanks
    folded; a no-break space kept)."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    return [
        (target, re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", "", words)).strip())
        for target, words in re.findall(r'<a href="#([^"]*)">(.*?)</a>', summary, re.S)
    ]


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ["Offres et promotions\u00a0: e-mail", "Lettre d’information\u00a0: e-mail"]),
        ("en", ["Offers and promotions: email", "Newsletter: email"]),
    ],
)
def test_the_topics_grid_names_a_channel_checkbox_in_error_with_its_topic(customer_client, customer_user, language, names):
    """A channel's checkbox is labelled by its channel alone ("E-mail", in every row): in the summary, an
    error on two of them must say which topic's, and lead to that very checkbox."""
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": True}, context=CUSTOMER)
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data.update({"sub__offers__email": "on", "sub__newsletter__email": "on"})  # refused: the customer objects
    customer_client.cookies["django_language"] = language
    response = customer_client.post(reverse("preferences:topics"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert _summary_items(page) == [("id_sub__offers__email", names[0]), ("id_sub__newsletter__email", names[1])]
    for target in ("id_sub__offers__email", "id_sub__newsletter__email"):
        assert 'type="checkbox"' in _input(page, target)


@pytest.mark.parametrize(
    ("language", "name"),
    [("fr", "Offres et promotions\u00a0: messages rédigés avec l’IA"), ("en", "Offers and promotions: messages written with AI")],
)
def test_the_topics_grid_names_a_topic_s_other_settings_with_their_topic_too(customer_client, customer_user, language, name):
    _, customer = customer_user
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data["ai__offers"] = "bogus"
    customer_client.cookies["django_language"] = language
    page = customer_client.post(reverse("preferences:topics"), data).content.decode()
    assert _summary_items(page) == [("id_ai__offers", name)]


@pytest.mark.parametrize(
    ("language", "name"), [("fr", "Sécurité du compte\u00a0: e-mail"), ("en", "Account security: email")]
)
def test_a_critical_topic_left_without_channel_is_linked_to_its_row_s_first_checkbox(
    customer_client, customer_user, language, name
):
    """Unticking every channel of a critical topic was said in the summary only, linked to nothing, and
    the topic's row showed nothing: the error now sits on the row's first checkbox the customer can tick."""
    _, customer = customer_user
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data.pop("sub__security__email")
    customer_client.cookies["django_language"] = language
    response = customer_client.post(reverse("preferences:topics"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert _summary_items(page) == [("id_sub__security__email", name)]
    checkbox = _input(page, "id_sub__security__email")
    assert 'aria-invalid="true"' in checkbox and "id_sub__security__email_error" in checkbox
    assert 'id="id_sub__security__email_error"' in page
