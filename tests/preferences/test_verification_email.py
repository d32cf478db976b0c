"""The code sent to an email address a customer adds says what it is for and how long it works, in
French and English: it said only "Your verification code is 123456", to an inbox that may not expect it."""

import re

import pytest

from notifications.models import OutboundMessage
from preferences.contact_points import contact_point_add
from preferences.customers import customer_create
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext

pytestmark = pytest.mark.django_db

PORTAL = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)

EXPECTED = {
    "fr": (
        "Confirmez votre adresse e-mail",
        [
            "Cette adresse e-mail vient d’être ajoutée à votre compte sur «\u00a0Vos préférences de contact\u00a0», "
            "pour que nous puissions vous y écrire.",
            "Pour confirmer qu’elle est bien la vôtre, saisissez ce code sur la page qui vous l’a demandé\u00a0:",
            "<code>",
            "Ce code est valable 15 minutes.",
            "Si ce n’était pas vous, ignorez ce message\u00a0: rien ne se passera sans cette confirmation.",
        ],
    ),
    "en": (
        "Confirm your email address",
        [
            "This email address was just added to your account on “Your contact preferences”, so that we can "
            "write to you there.",
            "To confirm that it is yours, enter this code on the page that asked for it:",
            "<code>",
            "This code is valid for 15 minutes.",
            "If it was not you, ignore this message: nothing will happen without this confirmation.",
        ],
    ),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_code_email_says_what_the_code_is_for_and_how_long_it_works(language):
    customer = customer_create(context=PORTAL, language=language)
    contact_point_add(customer_id=customer.pk, kind=ContactPointKind.EMAIL, value="added@example.com", context=PORTAL)
    message = OutboundMessage.objects.get(channel="email", to__icontains="added@example.com")
    content = message.body.split("\n\n", 1)[1].rsplit("\n\n-- \n", 1)[0]  # between greeting and signature
    paragraphs = [paragraph.strip() for paragraph in content.split("\n\n") if paragraph.strip()]
    code = paragraphs[2]
    assert re.fullmatch(r"\d{6}", code), code
    subject, expected = EXPECTED[language]
    assert (message.subject, [p.replace(code, "<code>") for p in paragraphs]) == (subject, expected)
