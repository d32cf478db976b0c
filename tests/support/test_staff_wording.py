"""The console speaks of a customer's settings in staff words ("Order of the customer's channels", "A
person first"), not in the customer's own ("Order of your channels", "Put me through to a person first"),
which the customer's history page and the emails sent to them keep."""

import csv
import html
import io

import pytest
from django.urls import reverse

from contact_requests.models import CreatedByType
from notifications.models import OutboundMessage
from preferences.domain import (
    STAFF_AI_LEVEL_LABELS,
    STAFF_ASSISTANCE_MODE_LABELS,
    STAFF_DELIVERY_MODE_LABELS,
    AiLevel,
    AssistanceMode,
    DeliveryMode,
)
from preferences.selectors import preference_document_get
from privacy.models import RequestedBy
from privacy.services import data_export_request
from support import forms
from support.services import customer_override_apply
from tests.conftest import make_customer_user
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db

CHANGES = {
    "customer.channel_ranking": ["postal", "email", "sms", "phone", "messaging", "app"],
    "customer.assistance_mode": "human_first",  # from bot_ok
    "customer.ai_default": "ai_allowed",  # from human_reviewed
    "topic.billing.delivery_mode": "all",  # from first
}
# The customer's own words: never on a console page.
CUSTOMER_WORDS = {
    "en": [
        "Order of your channels",
        "When you ask for help",
        "Put me through to a person first",
        "A chatbot first is fine, a person when I ask",
        "On my first available channel",
        "On every channel I chose",
        "AI-written messages are fine, if they are labelled",
        "AI drafts only when a person has reviewed them",
        "Your recent downloads",
        "our support team",
        "one of our systems",
    ],
    "fr": [
        "Ordre de vos canaux",
        "Quand vous demandez de l’aide",
        "Me mettre tout de suite en relation avec une personne",
        "Un chatbot d’abord me convient",
        "Sur mon premier canal disponible",
        "Sur tous les canaux que j’ai choisis",
        "Les messages rédigés par l’IA me conviennent",
        "Des messages préparés par l’IA, seulement",
        "Vos téléchargements récents",
        "notre équipe d’assistance",
        "l’un de nos systèmes",
    ],
}
# The staff words for the same settings and values.
STAFF_WORDS = {
    "en": {
        "ranking": "Order of the customer's channels",
        "help": "When the customer asks for help",
        "human_first": "A person first",
        "bot_ok": "A chatbot first, a person on request",
        "first": "First available channel",
        "all": "Every chosen channel",
        "ai_allowed": "AI-written messages allowed, if labelled",
        "human_reviewed": "AI drafts only after a person reviewed them",
        "human_only": "Only messages written by people",
    },
    "fr": {
        "ranking": "Ordre des canaux du client",
        "help": "Quand le client demande de l’aide",
        "human_first": "Une personne d’abord",
        "bot_ok": "Un chatbot d’abord, une personne sur demande",
        "first": "Premier canal disponible",
        "all": "Tous les canaux choisis",
        "ai_allowed": "Messages rédigés par l’IA acceptés, s’ils sont signalés",
        "human_reviewed": "Brouillons de l’IA seulement après relecture par une personne",
        "human_only": "Uniquement des messages rédigés par des personnes",
    },
}


def overridden(customer, agent):
    return customer_override_apply(
        customer_id=customer.pk,
        changes=CHANGES,
        staff_user=agent,
        reason_code="customer_call",
        reason="Asked during the call.",
    )


def read(client, url: str, language: str, **query) -> str:
    client.cookies["django_language"] = language
    response = client.get(url, query)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def assert_no_customer_words(text: str, language: str) -> None:
    found = [words for words in CUSTOMER_WORDS[language] if words in text]
    assert not found


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_customer_page_and_its_ledger_speak_staff_words(agent_client, customer_user, agent, language):
    _user, customer = customer_user
    overridden(customer, agent)
    words = STAFF_WORDS[language]
    page = read(agent_client, reverse("support:customer_detail", args=[customer.pk]), language)
    assert_no_customer_words(page, language)
    grid = page[page.index('id="customer-topics-grid"') : page.index('id="customer-settings"')]
    assert words["all"] in grid  # billing's delivery, the full wording of its short cell
    account = page[page.index('id="customer-settings"') : page.index('id="customer-ledger"')]
    for word in ("ranking", "help", "human_first", "ai_allowed"):
        assert words[word] in account
    ledger = page[page.index('id="customer-ledger"') :]
    for word in ("ranking", "help", "bot_ok", "human_first", "human_reviewed", "ai_allowed", "all"):
        assert words[word] in ledger
    # A colon as each language writes it: "change: Offers · Email", « modifier : … » (was "change :" in English).
    assert {"en": "— change: ", "fr": "— modifier\u00a0: "}[language] in grid and "change : " not in grid


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_override_pages_speak_staff_words(agent_client, customer_user, agent, language):
    _user, customer = customer_user
    overridden(customer, agent)
    words = STAFF_WORDS[language]
    url = reverse("support:customer_override", args=[customer.pk])
    chooser = read(agent_client, url, language)
    assert_no_customer_words(chooser, language)
    assert f"{words['help']} ({words['human_first']})" in chooser
    assert f"{words['ranking']} (" in chooser
    form = read(agent_client, url, language, key="customer.assistance_mode")
    assert_no_customer_words(form, language)
    assert f'id="override-setting">{words["help"]}<' in form
    assert f'id="override-current">{words["human_first"]}<' in form
    assert words["bot_ok"] in form
    delivery = read(agent_client, url, language, key="topic.billing.delivery_mode")
    assert_no_customer_words(delivery, language)
    assert words["first"] in delivery and f'id="override-current">{words["all"]}<' in delivery
    for key in ("customer.ai_default", "topic.offers.ai_level"):
        ai = read(agent_client, url, language, key=key)
        assert_no_customer_words(ai, language)
        assert all(words[level] in ai for level in ("ai_allowed", "human_reviewed", "human_only"))
    ranking = read(agent_client, url, language, key="customer.channel_ranking")
    assert f'id="override-setting">{words["ranking"]}<' in ranking


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_console_page_shows_the_customer_s_words(agent_client, supervisor_client, customer_user, agent, language):
    _user, customer = customer_user
    overridden(customer, agent)
    request = request_for(customer, created_by_type=CreatedByType.API_CLIENT, actor_id="7")
    data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.STAFF, reason="Asked by letter")
    pages = [
        (agent_client, reverse("support:home"), {"q": "camille"}),
        (agent_client, reverse("support:request_queue"), {}),
        (agent_client, reverse("support:request_detail", args=[request.pk]), {}),
        (supervisor_client, reverse("support:dashboard"), {}),
        (supervisor_client, reverse("support:dashboard_csv"), {}),
        (supervisor_client, reverse("privacy_staff:privacy", args=[customer.pk]), {}),
        (agent_client, reverse("privacy_staff:privacy", args=[customer.pk]), {}),
    ]
    for key in ("customer.language", "customer.time_zone", "customer.marketing_objection", "topic.billing.paper_copy"):
        pages.append((agent_client, reverse("support:customer_override", args=[customer.pk]), {"key": key}))
    for client, url, query in pages:
        assert_no_customer_words(read(client, url, language, **query), language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_request_page_says_who_created_it_in_staff_words(agent_client, customer_user, language):
    request = request_for(customer_user[1], created_by_type=CreatedByType.API_CLIENT, actor_id="7")
    page = read(agent_client, reverse("support:request_detail", args=[request.pk]), language)
    expected = {"en": "an API client", "fr": "un client d’API"}[language]
    assert f'id="request-created-by">{expected}<' in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_dashboard_and_its_csv_name_ai_choices_in_staff_words(supervisor_client, customer_user, agent, language):
    overridden(customer_user[1], agent)
    words = STAFF_WORDS[language]
    page = read(supervisor_client, reverse("support:dashboard"), language)
    chart = page[page.index('id="chart-ai-levels"') :]
    assert all(words[level] in chart for level in ("ai_allowed", "human_reviewed", "human_only"))
    text = read(supervisor_client, reverse("support:dashboard_csv"), language)
    rows = [row for row in csv.reader(io.StringIO(text)) if row and row[0] == "ai-levels"]
    assert [row[1] for row in rows] == [
        words[level] for level in ("ai_allowed", "human_reviewed", "human_only")
    ]


def test_the_data_rights_page_names_the_downloads_for_staff(supervisor_client, customer_user):
    _user, customer = customer_user
    data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.STAFF, reason="Asked by letter")
    page = read(supervisor_client, reverse("privacy_staff:privacy", args=[customer.pk]), "en")
    assert "Downloads of the customer's data</caption>" in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["Ordre de vos canaux", "Quand vous demandez de l’aide", "Me mettre tout de suite en relation avec une "
                "personne", "Sur tous les canaux que j’ai choisis, pour ne rien manquer"]),
        ("en", ["Order of your channels", "When you ask for help", "Put me through to a person first",
                "On every channel I chose, so I don't miss it"]),
    ],
)
def test_the_override_email_keeps_the_customer_s_words(agent, language, expected):
    user, customer = make_customer_user(f"{language}@example.com", language=language)
    overridden(customer, agent)
    [email] = OutboundMessage.objects.filter(to=user.email)
    assert all(words in email.body for words in expected)
    staff = STAFF_WORDS[language]
    assert not [word for word in ("ranking", "help", "human_first", "all") if staff[word] in email.body]


def test_the_customer_s_history_keeps_their_words(customer_client, customer_user, agent):
    _user, customer = customer_user
    overridden(customer, agent)
    page = read(customer_client, reverse("preferences:history"), "en")
    for words in ("Order of your channels", "When you ask for help", "Put me through to a person first",
                  "A chatbot first is fine, a person when I ask", "On every channel I chose, so I don't miss it"):
        assert words in page
    staff = STAFF_WORDS["en"]
    assert not [word for word in ("ranking", "help", "human_first", "bot_ok", "all") if staff[word] in page]


def test_the_staff_labels_cover_every_value_in_order_and_the_form_offers_them():
    assert list(STAFF_AI_LEVEL_LABELS) == AiLevel.values
    assert list(STAFF_ASSISTANCE_MODE_LABELS) == AssistanceMode.values
    assert list(STAFF_DELIVERY_MODE_LABELS) == DeliveryMode.values
    assert [value for value, _label in forms.AI_LEVEL_CHOICES] == AiLevel.values


def test_a_staff_worded_choice_still_saves_its_value(agent_client, customer_user):
    _user, customer = customer_user
    response = agent_client.post(
        reverse("support:customer_override", args=[customer.pk]),
        {"key": "topic.billing.delivery_mode", "value": "all", "reason_code": "customer_call", "reason": "Asked."},
    )
    assert response.status_code == 302
    document = preference_document_get(customer_id=customer.pk)
    assert document.topic_setting(document.catalog.topics_by_code["billing"], "delivery_mode") == "all"
