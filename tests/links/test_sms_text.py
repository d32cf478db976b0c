"""The SMS the portal sends, as the phone receives them: GSM-7 (160 characters a part) rather than
UCS-2 (70), which one French ’, no-break space, « or ê would otherwise force on the whole message."""

import re

import pytest

from notifications import sms
from notifications.models import OutboundMessage
from notifications.sms_text import sms_parts, sms_text_plain
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.customers import customer_create
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext

pytestmark = pytest.mark.django_db

API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
PORTAL = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
TOKEN = re.compile(r"/confirm/[^/\s]+/")


def _sms_customer(language: str):
    return customer_create(
        context=API, external_id=f"CRM-{language}", language=language, phone="+33612345678",
        phone_verified=True, phone_type="mobile",
    )


def _confirmation_sms(customer, topic: str) -> str:
    preferences_change(customer_id=customer.pk, changes={f"subscription.{topic}.sms": "in"}, context=API)
    return TOKEN.sub("/confirm/TOKEN/", OutboundMessage.objects.filter(channel="sms").latest("id").body)


@pytest.mark.parametrize(
    ("language", "topic", "expected"),
    [
        (
            "fr", "surveys",
            'Pour recevoir "Enquetes de satisfaction" par SMS, confirmez ici : '
            "http://127.0.0.1:8000/confirm/TOKEN/ (valable 7 jours). Pas demandé ? Ignorez ce message.",
        ),
        (
            "en", "offers",
            'To receive "Offers and promotions" by SMS, confirm here: '
            "http://127.0.0.1:8000/confirm/TOKEN/ (valid 7 days). Did not ask? Ignore this message.",
        ),
    ],
)
def test_a_double_opt_in_sms_is_plain_gsm_and_two_parts(settings, language, topic, expected, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:8000"
    with django_capture_on_commit_callbacks(execute=True):
        body = _confirmation_sms(_sms_customer(language), topic)
    assert body == expected
    [sent] = sms.outbox
    assert sent["body"] == OutboundMessage.objects.get(channel="sms").body  # the stored text is the sent one
    parts = sms_parts(sent["body"])
    assert (parts.encoding, parts.parts) == ("GSM-7", 2)  # UCS-2 would take 3 parts


@pytest.mark.parametrize(("language", "days", "expected"), [("fr", 1, "(valable 1 jour)"), ("en", 1, "(valid 1 day)")])
def test_one_day_is_said_in_the_singular(settings, language, days, expected):
    settings.OPTIN_CONFIRMATION_DAYS = days
    assert expected in _confirmation_sms(_sms_customer(language), "offers")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", r"Code pour confirmer ce numéro dans vos préférences de contact : \d{6} \(valable 15 minutes\)\."),
        ("en", r"Code to confirm this number in your contact preferences: \d{6} \(valid 15 minutes\)\."),
    ],
)
def test_the_verification_code_says_what_it_is_for_in_one_gsm_part(language, text):
    """It said only "Your verification code: 123456", to a number that may not expect it."""
    customer = customer_create(context=PORTAL, language=language)
    contact_point_add(customer_id=customer.pk, kind=ContactPointKind.PHONE, value="+33612345678", context=PORTAL)
    body = OutboundMessage.objects.get(channel="sms").body
    assert re.fullmatch(text, body), body
    assert sms_parts(body) == sms_parts("x" * 160)


def test_a_text_that_needs_ucs2_anyway_keeps_its_typography():
    text = "Bonjour Zoë\u00a0! Réponse de Дмитрий\u00a0: d’accord."
    assert sms_text_plain(text) == text
    assert sms_parts(text).encoding == "UCS-2"
    assert sms_text_plain("Arrêt\u00a0: c’est «\u00a0noté\u00a0» — 5\u00a0€") == 'Arret : c\'est "noté" - 5 €'
    assert sms_parts("€" * 80).parts == 1 and sms_parts("€" * 81).parts == 2  # the euro takes two septets
