"""The error summary links each field in error to an input that is on the page, so that following the
link puts the focus on it: for a group of radio buttons or checkboxes, the first one the form shows
(never "#", which goes nowhere)."""

import re

import pytest
from django.urls import reverse

from tests.preferences.helpers import add_verified_phone

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
