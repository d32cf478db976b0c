"""A refusal says what would be taken: the allowed values, the key that was meant, the cursors the feed
gives, the field that is missing. In English by default and in French on request."""

from preferences.models import ConsentEvent
from tests.api.conftest import assert_problem


def _patch(api, customer, changes: dict, **headers):
    return api.patch(
        f"/api/v1/customers/{customer.pk}", {"changes": changes}, headers={"If-Match": f'"{customer.version}"', **headers}
    )


def test_a_refused_choice_lists_the_allowed_values(api, customer):
    body = assert_problem(_patch(api, customer, {"topic.offers.ai_level": "none"}), 400)
    message = body["errors"]["topic.offers.ai_level"][0]
    assert message == "“none” is not one of the allowed values: ai_allowed, human_reviewed, human_only."


def test_a_setting_named_as_the_document_shows_it_is_told_the_key_meant(api, customer):
    events = ConsentEvent.objects.count()
    body = assert_problem(_patch(api, customer, {"settings.quiet_hours_start": "21:00"}), 400)
    assert body["errors"]["settings.quiet_hours_start"] == [
        "Unknown setting: did you mean “customer.quiet_hours_start”?"
    ]
    other = assert_problem(_patch(api, customer, {"customers.language": "fr"}), 400)["errors"]
    assert "subscription.<topic>.<channel>" in other["customers.language"][0]
    french = assert_problem(_patch(api, customer, {"settings.language": "fr"}, **{"Accept-Language": "fr"}), 400)
    assert french["errors"]["settings.language"] == ["Réglage inconnu\u00a0: vouliez-vous dire «\u00a0customer.language\u00a0»\u00a0?"]
    assert ConsentEvent.objects.count() == events


def test_a_malformed_cursor_is_told_what_the_feed_takes(api, customer):
    for cursor in ("abc", "9.1"):
        body = assert_problem(api.get("/api/v1/events", after=cursor), 400)
        assert body["errors"]["after"] == ["This cursor was not given by this feed: send 0, now, or a cursor the feed gave you."]


def test_a_phone_type_without_a_phone_names_what_is_missing(api, db):
    body = assert_problem(api.post("/api/v1/customers", {"external_id": "CRM-9", "phone_type": "mobile"}), 400)
    assert body["errors"]["phone_type"] == ["Give the phone number that phone_type describes, in phone."]


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_french_problems_worded_by_drf_are_typeset_as_the_rest_of_the_french_api(make_api, customer, client):
    """DRF's own French (a refused choice, a list of the wrong type, a missing key, an Accept it cannot
    satisfy) had straight apostrophes (« x » n'est pas…) among the project's typographic ones."""
    from tests.core.test_french_typography import _mistakes  # a test helper: the one rule for French text

    api, _ = make_api()
    french = {"Accept-Language": "fr"}
    answers = [
        api.post("/api/v1/audiences", {"topic": "offers", "include": "everyone"}, headers=french),
        api.post("/api/v1/audiences", {"topic": "offers", "filters": {"channels": "email"}}, headers=french),
        api.post("/api/v1/audiences", {"topic": "offers", "filters": ["email"]}, headers=french),
        api.post("/api/v1/contact-plans", ["offers"], headers=french),
        api.get(f"/api/v1/customers/{customer.pk}", headers={**french, "Accept": "text/html"}),
        client.get(f"/api/v1/customers/{customer.pk}", headers=french),
        client.get(f"/api/v1/customers/{customer.pk}", headers={**french, "Authorization": "Bearer nope"}),
        api.post("/api/v1/customers/batch", {"customers": [{"external_id": f"B-{n}"} for n in range(1001)]},
                 headers=french),
    ]
    for response in answers:
        assert response.status_code >= 400 and response["Content-Language"] == "fr", response.content
        wrong = {text: found for text in _strings(response.json()) if (found := _mistakes(text))}
        assert wrong == {}, response.content.decode()


def test_a_misspelt_channel_or_topic_in_a_key_is_named_as_such(api, customer):
    # "subscription.offers.emial" was told "This topic is not sent on that channel", as if offers never
    # went by email; a misspelt topic got the generic list of key forms.
    body = assert_problem(_patch(api, customer, {"subscription.offers.emial": "out", "topic.ofers.ai_level": None,
                                                 "subscription.security.messaging": "in"}), 400)
    assert body["errors"] == {
        "subscription.offers.emial": ["“emial” is not a channel; the channels are email, sms, postal, phone, messaging, app."],
        "topic.ofers.ai_level": [
            "“ofers” is not a topic; the topics are security, contract, billing, service, offers, newsletter, surveys."
        ],
        "subscription.security.messaging": ["This topic is not sent on that channel."],
    }
    french = assert_problem(_patch(api, customer, {"subscription.offers.emial": "out"}, **{"Accept-Language": "fr"}), 400)
    assert french["errors"]["subscription.offers.emial"] == [
        "«\u00a0emial\u00a0» n’est pas un canal\u00a0; les canaux sont email, sms, postal, phone, messaging, app."
    ]
