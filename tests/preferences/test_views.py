"""The customer's pages: each works, changes only the signed-in customer's data, and refuses bad input."""

import pytest
from django.urls import reverse

from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint, Customer
from preferences.selectors import preference_document_get
from tests.conftest import PASSWORD
from tests.preferences.helpers import add_verified_phone, sms_code

pytestmark = pytest.mark.django_db

PAGES = ["overview", "channels", "topics", "ai", "history"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(f"preferences:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PAGES)
def test_staff_have_no_customer_pages(client, agent, name):
    client.force_login(agent)
    assert client.get(reverse(f"preferences:{name}")).status_code == 404


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_page_renders_for_the_customer(customer_client, name, language):
    response = customer_client.get(reverse(f"preferences:{name}"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_a_customer_cannot_reach_another_customers_contact_point(customer_client, other_customer_user):
    _, other = other_customer_user
    point = ContactPoint.objects.get(customer=other)
    for name in ("contact_point_verify", "contact_point_resend", "contact_point_remove"):
        response = customer_client.post(reverse(f"preferences:{name}", args=[point.pk]), {"password": PASSWORD, "code": "123456"})
        assert response.status_code == 404
    assert ContactPoint.objects.filter(pk=point.pk).exists()


def test_topics_form_saves_ai_level_and_paper_copy(customer_client, customer_user, django_capture_on_commit_callbacks):
    _, customer = customer_user
    customer_client.post(
        reverse("preferences:contact_point_add", args=["postal"]),
        {"value": "Camille Martin\n1 rue de la Paix\n75002 Paris", "password": PASSWORD},
    )
    document = preference_document_get(customer_id=customer.pk)
    data = _topics_form_data(document)
    data["ai__offers"] = "human_only"
    data["paper__billing"] = "on"
    response = customer_client.post(reverse("preferences:topics"), data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.topic_settings == {"offers": {"ai_level": "human_only"}, "billing": {"paper_copy": True}}


def test_a_tampered_topics_form_is_refused_with_a_message_and_changes_nothing(customer_client, customer_user):
    _, customer = customer_user
    version = Customer.objects.get(pk=customer.pk).version
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data["ai__offers"] = "robots_only"
    data["delivery__billing"] = "sometimes"
    response = customer_client.post(reverse("preferences:topics"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).version == version


def test_unticking_the_only_channel_of_a_critical_topic_is_explained(customer_client, customer_user):
    _, customer = customer_user
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data.pop("sub__security__email")
    response = customer_client.post(reverse("preferences:topics"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "keep at least one channel" in response.content.decode()


def test_an_invalid_phone_number_gets_a_message_in_the_page_language(customer_client):
    response = customer_client.post(
        reverse("preferences:contact_point_add", args=["phone"]), {"value": "12", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert "numéro de téléphone valide" in response.content.decode()


def test_adding_a_contact_point_asks_for_the_password(customer_client):
    response = customer_client.post(
        reverse("preferences:contact_point_add", args=["phone"]), {"value": "0612345678", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "This password is not right" in response.content.decode()
    assert not ContactPoint.objects.filter(kind="phone").exists()


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("phone", "12", "Enter a valid phone number"),
    ("postal", "Paris", "Enter the full postal address"),
])
def test_a_wrong_value_and_a_missing_password_are_both_said_at_once_the_value_first(customer_client, kind, value, message):
    # The value was checked only after the password: one error, then the other on the next try.
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post(reverse("preferences:contact_point_add", args=[kind]), {"value": value, "password": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "This field is required" in page
    assert page.index(message) < page.index("This field is required")
    assert not ContactPoint.objects.filter(kind=kind).exists()


def test_add_and_verify_a_phone_then_switch_sms_on(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(
        reverse("preferences:contact_point_add", args=["phone"]), {"value": "06 12 34 56 78", "password": PASSWORD}
    )
    assert response.status_code == 302
    point = ContactPoint.objects.get(kind="phone")
    response = customer_client.post(reverse("preferences:contact_point_verify", args=[point.pk]), {"code": sms_code()})
    assert response.status_code == 302
    data = _topics_form_data(preference_document_get(customer_id=customer.pk))
    data["sub__service__sms"] = "on"
    assert customer_client.post(reverse("preferences:topics"), data).status_code == 302
    document = preference_document_get(customer_id=customer.pk)
    assert document.subscription_status(document.catalog.topics_by_code["service"], "sms") == "in"


def test_an_unknown_time_zone_is_refused(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(
        reverse("preferences:settings_update"),
        {"time_zone": "Europe/Atlantis", "language": "fr", "quiet_hours_start": "", "quiet_hours_end": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    customer.refresh_from_db()
    assert customer.time_zone == "Europe/Paris"


def test_settings_save_quiet_hours_and_format_needs(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(
        reverse("preferences:settings_update"),
        {"time_zone": "Europe/Paris", "language": "en", "quiet_hours_start": "21:30", "quiet_hours_end": "07:45",
         "weekly_marketing_cap": "2", "large_print": "on"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.quiet_hours_start.strftime("%H:%M"), customer.language, customer.weekly_marketing_cap) == ("21:30", "en", 2)
    assert customer.large_print is True


def test_quiet_hours_half_set_by_the_console_do_not_block_the_customer_s_other_settings(
    customer_client, customer_user, agent
):
    """An agent sets one end of the quiet hours at a time; the customer who then saves only large print
    (the half pair sent back as it was shown) gets it saved, the half pair left for them or the agent."""
    _, customer = customer_user
    console = ChangeContext(actor_type=ActorType.STAFF, source=Source.CONSOLE, actor_id=str(agent.pk),
                            reason_code="customer_request", reason="Asked on the phone.")
    preferences_change(customer_id=customer.pk, changes={"customer.quiet_hours_start": "22:00"}, context=console)
    form = {"time_zone": "Europe/Paris", "language": "fr", "quiet_hours_start": "22:00", "quiet_hours_end": "",
            "large_print": "on"}
    assert customer_client.post(reverse("preferences:settings_update"), form).status_code == 302
    customer.refresh_from_db()
    assert customer.large_print is True
    assert (customer.quiet_hours_start.strftime("%H:%M"), customer.quiet_hours_end) == ("22:00", None)
    # Changing the half pair itself still needs both ends.
    form["quiet_hours_start"] = "21:00"
    response = customer_client.post(reverse("preferences:settings_update"), form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Give both the start and the end of your quiet hours, or neither." in response.content.decode()


def test_ranking_moves_a_channel_up(customer_client, customer_user):
    _, customer = customer_user
    customer_client.post(reverse("preferences:ranking_move"), {"channel": "postal", "direction": "up"})
    assert preference_document_get(customer_id=customer.pk).ranking()[:3] == ["email", "postal", "sms"]


def test_marketing_objection_is_confirmed_first_and_lifted_in_one_click(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(reverse("preferences:marketing_objection"), {"objection": "on"})
    assert response.status_code == 200 and 'name="confirm"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.marketing_objection is False
    customer_client.post(reverse("preferences:marketing_objection"), {"objection": "on", "confirm": "on"})
    customer.refresh_from_db()
    assert customer.marketing_objection is True
    customer_client.post(reverse("preferences:marketing_objection"), {"objection": "off"})
    customer.refresh_from_db()
    assert customer.marketing_objection is False


def test_ai_page_saves_global_choice_and_assistance_mode(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(reverse("preferences:ai"), {"ai_default": "human_only", "assistance_mode": "human_first"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.ai_default, customer.assistance_mode) == ("human_only", "human_first")


def test_history_lists_changes_in_plain_words(customer_client, customer_user):
    _, customer = customer_user
    customer_client.post(reverse("preferences:ai"), {"ai_default": "human_only", "assistance_mode": "bot_ok"})
    response = customer_client.get(reverse("preferences:history"), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert "AI, general choice" in content and "Only messages written by people" in content


def test_history_page_query_count_does_not_grow_with_events(customer_client, customer_user, django_assert_max_num_queries):
    _, customer = customer_user
    for index in range(30):
        customer_client.post(reverse("preferences:ai"), {"ai_default": ["human_only", "ai_allowed"][index % 2], "assistance_mode": "bot_ok"})
    customer_client.get(reverse("preferences:history"))
    with django_assert_max_num_queries(12):
        customer_client.get(reverse("preferences:history"))
    assert ConsentEvent.objects.filter(customer=customer).count() > 30


def _topics_form_data(document) -> dict:
    data = {}
    for topic in document.catalog.topics:
        for code in topic.allowed_channels:
            if document.subscription_status(topic, code) == "in":
                data[f"sub__{topic.code}__{code}"] = "on"
        if topic.has_delivery_mode:
            data[f"delivery__{topic.code}"] = document.topic_setting(topic, "delivery_mode")
        if topic.paper_copy_available and document.topic_setting(topic, "paper_copy"):
            data[f"paper__{topic.code}"] = "on"
        data[f"ai__{topic.code}"] = (document.customer.topic_settings.get(topic.code) or {}).get("ai_level") or ""
    return data


__all__ = ["add_verified_phone"]


@pytest.mark.parametrize(
    ("language", "message", "zone"),
    [
        ("fr", "Les heures de tranquillité doivent commencer et finir à des heures différentes.",
         "Dans votre fuseau horaire, Guyane française (modifiable ci-dessous)."),
        ("en", "Quiet hours must start and end at different times.",
         "In your time zone, French Guiana (you can change it below)."),
    ],
)
def test_quiet_hours_that_start_and_end_together_are_refused_in_the_users_language(
    customer_client, customer_user, language, message, zone
):
    _, customer = customer_user
    Customer.objects.filter(pk=customer.pk).update(time_zone="America/Cayenne")
    page = customer_client.get(reverse("preferences:channels"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert zone in page
    response = customer_client.post(
        reverse("preferences:settings_update"),
        {"time_zone": "America/Cayenne", "language": "fr", "quiet_hours_start": "08:00", "quiet_hours_end": "08:00"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content and zone in content
    customer.refresh_from_db()
    assert customer.quiet_hours_start is None
